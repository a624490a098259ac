"""Regenerates this fixture from the Debian package dataset-fashion-mnist: the first 30 items of
each class of the train split (300) and the first 10 of each class of the test split (100), in the
package's own gzipped IDX format and file names. Pure Python (gzip, struct).

    python3 make_fixture.py [/usr/share/datasets/fashion-mnist]
"""
import gzip, struct, sys

src = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"

def read(path):
    data = gzip.open(path, "rb").read()
    magic, = struct.unpack(">I", data[:4])
    rank = magic & 0xff
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return dims, data[4 + 4 * rank:]

def write(path, dims, payload):
    header = struct.pack(">I", 0x0800 | len(dims)) + struct.pack(">" + "I" * len(dims), *dims)
    with open(path, "wb") as f:  # mtime 0: the same bytes on every run
        with gzip.GzipFile(fileobj=f, mode="wb", mtime=0) as g:
            g.write(header + payload)

for split, per_class in (("train", 30), ("t10k", 10)):
    (n, h, w), images = read(f"{src}/{split}-images-idx3-ubyte.gz")
    _, labels = read(f"{src}/{split}-labels-idx1-ubyte.gz")
    chosen, count = [], [0] * 10
    for i in range(n):
        if count[labels[i]] < per_class:
            chosen.append(i)
            count[labels[i]] += 1
    write(f"{split}-images-idx3-ubyte.gz", (len(chosen), h, w), b"".join(images[i * h * w:(i + 1) * h * w] for i in chosen))
    write(f"{split}-labels-idx1-ubyte.gz", (len(chosen),), bytes(labels[i] for i in chosen))
    print(split, len(chosen), "items")
