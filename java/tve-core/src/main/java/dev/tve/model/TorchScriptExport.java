package dev.tve.model;

import dev.tve.image.NativeTensors;
import dev.tve.io.Npy;
import dev.tve.io.NpyArray;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.QualifiedName;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Writes a built-in model as TorchScript ({@code tve export}): TorchScript source of the encoder's
 * forward pass, compiled by libtorch with the encoder's weights copied in, so PyTorch can load it
 * ({@code torch.jit.load}) and {@code tve import} can read it back. A ViT exposes {@code tokens(x)}
 * ([B, 1 + P, D], [CLS] first), a CNN {@code features(x)} and {@code from_features(f)}. The heads go
 * beside it as float32 {@code .npy} arrays with a labels file each, and {@code import.txt} holds the
 * {@code tve import} command that makes a model folder of them. The export is checked before it is
 * written: its embeddings must match the built-in encoder's within {@link #TOLERANCE} on a seeded batch.
 *
 * <pre>{@code
 * try (TargetModel m = TargetModel.load(Path.of("zoo/scene-vit"))) {
 *   double diff = TorchScriptExport.write(m, Path.of("exported"));
 * }
 * }</pre>
 */
public final class TorchScriptExport {
  /** The largest absolute embedding difference an export may show against the built-in encoder. */
  public static final double TOLERANCE = 1e-5;

  /** The encoder's file name in an export folder. */
  public static final String ENCODER_FILE = "encoder.pt";

  private TorchScriptExport() {}

  /**
   * @param model a built-in model (vit or cnn), in eval mode
   * @param out the export folder (must not exist or be empty)
   * @return the largest absolute embedding difference measured against the built-in encoder
   * @throws IOException when a file cannot be written
   */
  public static double write(TargetModel model, Path out) throws IOException {
    if (!(model.encoder() instanceof EncoderModule enc)) throw new IllegalArgumentException("only a built-in model can be exported; this one is "
        + model.encoder().getClass().getSimpleName());
    if (Files.exists(out) && (!Files.isDirectory(out) || Files.list(out).findAny().isPresent())) {
      throw new IllegalArgumentException(out + ": exists; export into a new folder");
    }
    JitModule m = compile(enc);
    double diff = compare(enc, m);
    if (!(diff <= TOLERANCE)) throw new IllegalStateException("the TorchScript export differs from the built-in encoder by " + diff);
    Path parent = out.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempDirectory(parent, "." + out.getFileName() + ".export-");
    StringBuilder cmd = new StringBuilder("tve import --encoder " + out.resolve(ENCODER_FILE));
    StringBuilder classes = new StringBuilder();
    m.save(tmp.resolve(ENCODER_FILE).toString());
    for (Head h : model.heads().values()) {
      String n = h.name();
      if (h instanceof LinearHead l) {
        Npy.write(tmp.resolve(n + ".w.npy"), NpyArray.ofFloats(l.weight(), l.classes(), l.dim()));
        Npy.write(tmp.resolve(n + ".b.npy"), NpyArray.ofFloats(l.bias(), l.classes()));
        cmd.append(" --head ").append(n).append('=').append(out.resolve(n + ".w.npy")).append(',').append(out.resolve(n + ".b.npy"));
      } else if (h instanceof MlpHead p) {
        Npy.write(tmp.resolve(n + ".w1.npy"), NpyArray.ofFloats(p.w1(), p.hidden(), p.dim()));
        Npy.write(tmp.resolve(n + ".b1.npy"), NpyArray.ofFloats(p.b1(), p.hidden()));
        Npy.write(tmp.resolve(n + ".w2.npy"), NpyArray.ofFloats(p.w2(), p.classes(), p.hidden()));
        Npy.write(tmp.resolve(n + ".b2.npy"), NpyArray.ofFloats(p.b2(), p.classes()));
        cmd.append(" --head ").append(n).append('=').append(String.join(",", Arrays.stream(new String[] {"w1", "b1", "w2", "b2"})
            .map(k -> out.resolve(n + "." + k + ".npy").toString()).toList()));
      } else {
        continue;
      }
      Files.writeString(tmp.resolve(n + ".classes.txt"), String.join("\n", h.classNames()) + "\n", StandardCharsets.UTF_8);
      classes.append(" --classes ").append(out.resolve(n + ".classes.txt"));
    }
    InputSpec in = model.input();
    cmd.append(classes).append(" --size ").append(in.size()).append(" --patch ").append(in.grid() > 0 ? in.size() / in.grid() : in.size())
        .append(" --channels ").append(in.channels()).append(" --mean ").append(join(in.mean())).append(" --std ").append(join(in.std()))
        .append(" --out MODEL_DIR");
    Files.writeString(tmp.resolve("import.txt"), cmd + "\n", StandardCharsets.UTF_8);
    if (Files.isDirectory(out)) Files.delete(out);
    Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
    m.close();
    return diff;
  }

  private static String join(float[] v) {
    StringBuilder b = new StringBuilder();
    for (float f : v) b.append(b.length() == 0 ? "" : ",").append(f);
    return b.toString();
  }

  /**
   * Compiles the encoder's forward pass as TorchScript with its weights (copies) registered.
   *
   * @param enc a built-in encoder
   * @return the module, in eval mode
   */
  public static JitModule compile(EncoderModule enc) {
    JitModule m = new JitModule(new QualifiedName("TveExported" + Character.toUpperCase(enc.architecture().name().charAt(0))
        + enc.architecture().name().substring(1)));
    try (NoGradGuard g = new NoGradGuard()) {
      register(enc.named_parameters(true), m, true);
      register(enc.named_buffers(true), m, false);
    }
    m.define(switch (enc.architecture().name()) {
      case "vit" -> vitSource(enc.architecture());
      case "cnn" -> cnnSource();
      default -> throw new IllegalArgumentException("cannot export a '" + enc.architecture().name() + "' encoder");
    });
    m.eval();
    return m;
  }

  private static void register(StringTensorDict from, JitModule to, boolean parameter) {
    for (long i = 0; i < from.size(); i++) {
      String name = from.get(i).key().getString().replace('.', '_');
      Tensor t = from.get(i).value().detach().clone();
      if (parameter) to.register_parameter(name, t, false);
      else to.register_buffer(name, t);
    }
  }

  /** The built-in ViT, unrolled: stem, patch embedding, [CLS] and positions, pre-norm blocks, final norm. */
  static String vitSource(Architecture a) {
    int d = a.dim(), heads = a.size("heads"), layers = a.size("layers"), patch = a.size("patch");
    int reduce = patch % 4 == 0 ? 4 : patch % 2 == 0 ? 2 : 1, stems = Integer.numberOfTrailingZeros(reduce) + 1, k = patch / reduce;
    StringBuilder s = new StringBuilder();
    s.append("def tokens(self, x):\n    h = x\n");
    for (int i = 0; i < stems; i++) {
      int stride = i == 0 ? 1 : 2;
      String bn = "self.stem" + i + "_bn_";
      s.append(String.format("    h = torch.gelu(torch.batch_norm(torch.conv2d(h, self.stem%d_w, None, [%d, %d], [1, 1], [1, 1], 1), %sweight, %sbias, "
          + "%srunning_mean, %srunning_var, False, 0.1, 1e-05, True))%n", i, stride, stride, bn, bn, bn, bn));
    }
    s.append(String.format("    h = torch.conv2d(h, self.patch_w, self.patch_b, [%d, %d], [0, 0], [1, 1], 1)%n", k, k));
    s.append("    b = h.size(0)\n    h = h.flatten(2, 3).transpose(1, 2)\n");
    s.append(String.format("    h = torch.cat([self.cls.expand(b, 1, %d), h], 1) + self.pos%n", d));
    for (int l = 0; l < layers; l++) {
      String p = "self.block" + l + "_";
      s.append(String.format("    u = torch.layer_norm(h, [%d], %sln1_weight, %sln1_bias, 1e-05, True)%n", d, p, p));
      s.append("    n = u.size(1)\n");
      s.append(String.format("    qkv = torch.linear(u, %sqkv_weight, %sqkv_bias).view(b, n, 3, %d, %d).permute(2, 0, 3, 1, 4)%n", p, p, heads, d / heads));
      s.append("    o = torch.scaled_dot_product_attention(qkv.select(0, 0), qkv.select(0, 1), qkv.select(0, 2))\n");
      s.append(String.format("    h = h + torch.linear(o.transpose(1, 2).reshape(b, n, %d), %sproj_weight, %sproj_bias)%n", d, p, p));
      s.append(String.format("    v = torch.layer_norm(h, [%d], %sln2_weight, %sln2_bias, 1e-05, True)%n", d, p, p));
      s.append(String.format("    h = h + torch.linear(torch.gelu(torch.linear(v, %sfc1_weight, %sfc1_bias)), %sfc2_weight, %sfc2_bias)%n", p, p, p, p));
    }
    s.append(String.format("    return torch.layer_norm(h, [%d], self.norm_weight, self.norm_bias, 1e-05, True)%n%n", d));
    s.append("def forward(self, x):\n    return self.tokens(x).select(1, 0)\n");
    return s.toString();
  }

  /** The built-in CNN: three conv blocks, the last one's ReLU output as features, global mean as the embedding. */
  static String cnnSource() {
    return """
        def features(self, x):
            h = torch.relu(torch.conv2d(x, self.conv0_w, self.conv0_b, [1, 1], [1, 1], [1, 1], 1))
            h = torch.max_pool2d(h, [2, 2], [2, 2], [0, 0], [1, 1], False)
            h = torch.relu(torch.conv2d(h, self.conv1_w, self.conv1_b, [1, 1], [1, 1], [1, 1], 1))
            h = torch.max_pool2d(h, [2, 2], [2, 2], [0, 0], [1, 1], False)
            return torch.relu(torch.conv2d(h, self.conv2_w, self.conv2_b, [1, 1], [1, 1], [1, 1], 1))

        def from_features(self, f):
            return f.mean([2, 3])

        def forward(self, x):
            return self.from_features(self.features(x))
        """;
  }

  /** The largest absolute embedding difference between the module and the encoder on 8 seeded N(0, 1) images. */
  static double compare(EncoderModule enc, JitModule m) {
    int c = enc.channels(), s = enc.imageSize(), n = 8;
    float[] v = new float[n * c * s * s];
    SplittableRandom r = new SplittableRandom(99);
    for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextDouble() * 4 - 2);
    try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      Tensor x = NativeTensors.copyOf(v, 0, n, c, s, s);
      Tensor a = enc.forward(x), b = m.forward(new IValueVector(new IValue(x))).toTensor();
      return a.sub(b).abs().max().item_double();
    }
  }
}
