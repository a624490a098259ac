"""Random-weight TorchScript encoders of real size for benchmarks/run-own-model-speed.sh (not committed:
~45 MB and ~85 MB). ResNet-18 (features / from_features) and ViT-S/16 (tokens) at 224 x 224, seeded,
each with a random 1000-class linear head as .npy.

    apt-get update && apt-get install -y python3-torch
    /usr/bin/python3 benchmarks/own-model/make_encoders.py OUT_DIR
"""
import sys

import numpy as np
import torch
from torch import nn

torch.manual_seed(0)
out = sys.argv[1]


class Basic(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.down = nn.Sequential()
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        h = torch.relu(self.b1(self.c1(x)))
        return torch.relu(self.b2(self.c2(h)) + self.down(x))


class ResNet18(nn.Module):
    def __init__(self):
        super().__init__()
        layers = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
        cin = 64
        for cout, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
            layers += [Basic(cin, cout, stride), Basic(cout, cout, 1)]
            cin = cout
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        return self.from_features(self.features(x))

    @torch.jit.export
    def features(self, x):
        return self.body(x)

    @torch.jit.export
    def from_features(self, f):
        return f.mean((2, 3))


class VitS16(nn.Module):
    def __init__(self, d=384, depth=12, heads=6):
        super().__init__()
        self.patch = nn.Conv2d(3, d, 16, 16)
        self.cls = nn.Parameter(torch.zeros(1, 1, d))
        self.pos = nn.Parameter(torch.randn(1, 197, d) * 0.02)
        self.blocks = nn.Sequential(*[nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.0, activation="gelu", batch_first=True,
                                                                 norm_first=True) for _ in range(depth)])
        self.norm = nn.LayerNorm(d)

    def forward(self, x):
        return self.tokens(x)[:, 0]

    @torch.jit.export
    def tokens(self, x):
        h = self.patch(x).flatten(2).transpose(1, 2)
        h = torch.cat([self.cls.expand(h.shape[0], -1, -1), h], 1) + self.pos
        return self.norm(self.blocks(h))


for name, net, d in [("resnet18", ResNet18(), 512), ("vit-s16", VitS16(), 384)]:
    net.eval()
    torch.jit.script(net).save(f"{out}/{name}.pt")
    np.save(f"{out}/{name}.w.npy", (torch.randn(1000, d) * 0.02).numpy().astype(np.float32))
    np.save(f"{out}/{name}.b.npy", np.zeros(1000, np.float32))
    print(name, sum(p.numel() for p in net.parameters()), "parameters")
