"""Regenerates the .npy fixtures of ProjectCommandTest and NpyTest with NumPy (an independent
producer of the format and an independent implementation of the projection).

    python3 make_fixtures.py      # run in this folder; needs numpy
"""
import numpy as np

rng = np.random.default_rng(20261125)
B, g, D, C = 2, 4, 20, 5
P = g * g + 1  # a [CLS] row, last (the TVE reference's layout)
e_pos = rng.standard_normal((B, P, D)).astype(np.float32)
e_neg = rng.standard_normal((B, P, D)).astype(np.float32)
w = (0.3 * rng.standard_normal((C, D))).astype(np.float32)
b = rng.standard_normal(C).astype(np.float32)
targets = np.array([[1, 3], [4, 0]], dtype=np.int64)
emb = rng.standard_normal((B, D)).astype(np.float32)
for name, a in dict(e_pos=e_pos, e_neg=e_neg, w=w, b=b, targets=targets, emb=emb).items():
    np.save(name + ".npy", a)

def box(m, s):
    out = np.empty_like(m)
    for y in range(g):
        for x in range(g):
            out[y, x] = m[max(0, y - s):y + s + 1, max(0, x - s):x + s + 1].mean()
    return out

def minmax(m):
    r = m.max() - m.min()
    return np.zeros_like(m) if r <= 1e-6 * np.abs(m).max() else (m - m.min()) / r

lp, ln, s = 1.0, 0.5, 1
raw = np.zeros((B, 2, g, g))
maps = np.zeros((B, 2, g, g))
for i in range(B):
    for t in range(2):
        k = targets[i, t]
        wk, ck = w[k].astype(np.float64), float(b[k])
        ep = e_pos[i, :g * g].astype(np.float64)
        en = e_neg[i, :g * g].astype(np.float64)
        r = lp * (ep @ wk + ck) - ln * (en @ wk + ck)
        raw[i, t] = r.reshape(g, g)  # row-major: row = y
        maps[i, t] = minmax(box(minmax(raw[i, t]), s))
np.save("expected_raw.npy", raw.astype(np.float32))
np.save("expected_map.npy", maps.astype(np.float32))
# argmax targets on the real embeddings
np.save("expected_argmax.npy", np.argmax(emb.astype(np.float64) @ w.T.astype(np.float64) + b, axis=1).astype(np.int32))

# Malformed files for the reader's error paths.
np.save("float64.npy", np.zeros((2, 3)))
np.save("fortran.npy", np.asfortranarray(np.zeros((2, 3), dtype=np.float32)))
np.save("bigendian.npy", np.zeros(3, dtype=">f4"))
full = open("e_pos.npy", "rb").read()
open("truncated.npy", "wb").write(full[: len(full) - 7])
open("notnpy.npy", "wb").write(b"PK\x03\x04 this is a zip, not an npy")
