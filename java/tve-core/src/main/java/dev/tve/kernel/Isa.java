package dev.tve.kernel;

/** The instruction path of the C++ kernel. {@link #AUTO} picks the widest the CPU supports. */
public enum Isa {
  AUTO(0), SCALAR(1), AVX2(2), AVX512(3);

  final int code;

  Isa(int code) {
    this.code = code;
  }

  static Isa ofCode(int code) {
    for (Isa isa : values()) if (isa.code == code) return isa;
    throw new IllegalArgumentException("unknown ISA code " + code);
  }
}
