"""Makes the TorchScript fixtures the tests import (run once; the outputs are committed).

    apt-get update && apt-get install -y python3-torch      # Debian's PyTorch
    cd java/test-fixtures/torchscript && /usr/bin/python3 make_fixtures.py

The good modules follow README's export recipe: an encoder whose forward(x) maps [B, 3, 32, 32] to
[B, 24] and which also exposes features(x) / from_features(f) (CNN-like) or tokens(x) (ViT-like), and
heads saved on their own. The bad ones each break one rule of the contract.
"""
import numpy as np
import torch
from torch import nn

torch.manual_seed(0)
D = 24


class Cnn(nn.Module):
    """Three conv blocks; the last feature map is 8 x 8, which tiles the 4 x 4 grid of 8-pixel patches."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, D, 3, padding=1), nn.ReLU())

    def forward(self, x):
        return self.from_features(self.features(x))

    @torch.jit.export
    def features(self, x):
        return self.body(x)

    @torch.jit.export
    def from_features(self, f):
        return f.mean((2, 3))


class Vit(nn.Module):
    """A one-block ViT: 8-pixel patches (16 tokens) plus [CLS]; the embedding is the [CLS] state."""

    def __init__(self):
        super().__init__()
        self.patch = nn.Conv2d(3, D, 8, stride=8)
        self.cls = nn.Parameter(torch.zeros(1, 1, D))
        self.pos = nn.Parameter(torch.randn(1, 17, D) * 0.02)
        self.block = nn.TransformerEncoderLayer(D, 4, 2 * D, dropout=0.0, batch_first=True, norm_first=True)
        self.norm = nn.LayerNorm(D)

    def forward(self, x):
        return self.tokens(x)[:, 0]

    @torch.jit.export
    def tokens(self, x):
        h = self.patch(x).flatten(2).transpose(1, 2)
        h = torch.cat([self.cls.expand(h.shape[0], -1, -1), h], 1) + self.pos
        return self.norm(self.block(h))


class WrongShape(Cnn):
    def forward(self, x):
        return self.from_features(self.features(x)).unsqueeze(2)


class Float64(Cnn):
    def forward(self, x):
        return self.from_features(self.features(x)).double()


class BadTokens(Cnn):
    @torch.jit.export
    def tokens(self, x):
        return self.features(x).flatten(2).transpose(1, 2)[:, :5]


class BadFromFeatures(Cnn):
    def forward(self, x):
        return self.features(x).mean((2, 3))

    @torch.jit.export
    def from_features(self, f):
        return f.amax((2, 3))


class OneChannel(nn.Module):
    """Fails on the probe: it takes one channel, the import says three."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, D, 3)

    def forward(self, x):
        return self.conv(x).mean((2, 3))


def save(module, name):
    module.eval()
    torch.jit.script(module).save(name)


save(Cnn(), "cnn-encoder.pt")
save(Vit(), "vit-encoder.pt")
save(nn.Linear(D, 5), "head.pt")
save(nn.Sequential(nn.Linear(D, 16), nn.GELU(), nn.Linear(16, 5)), "mlp-head.pt")
save(nn.Linear(10, 5), "head-d10.pt")
save(WrongShape(), "bad-shape.pt")
save(Float64(), "bad-dtype.pt")
save(BadTokens(), "bad-tokens.pt")
save(BadFromFeatures(), "bad-from-features.pt")
save(OneChannel(), "bad-channels.pt")
w = torch.randn(3, D) * 0.3
np.save("w.npy", w.numpy().astype(np.float32))
np.save("b.npy", np.zeros(3, np.float32))
nan = w.clone()
nan[1, 2] = float("nan")
np.save("w-nan.npy", nan.numpy().astype(np.float32))
with open("labels.txt", "w") as f:
    f.write("\n".join(["ankle", "knee", "elbow", "wrist", "shoulder"]) + "\n")
with open("labels-4.txt", "w") as f:
    f.write("\n".join(["ankle", "knee", "elbow", "wrist"]) + "\n")
