#!/usr/bin/env python3
"""Regenerates datasets/fashion-mnist-mini from the full Fashion-MNIST IDX files.

Takes the first N examples of each class (keeping the original order), so the subset is exactly balanced:
1000 per class for training (10,000) and 200 per class for test (2,000).
Source: the Debian package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist) or a directory given
as the first argument. Output is deterministic (gzip mtime 0), so rerunning it gives identical bytes.
"""
import gzip
import os
import struct
import sys

SRC = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
DST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "datasets", "fashion-mnist-mini")
PER_CLASS = {"train": 1000, "t10k": 200}


def read(path):
    with gzip.open(path, "rb") as f:
        return f.read()


def write(path, data):
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as f:
            f.write(data)


for split, per_class in PER_CLASS.items():
    labels = read(os.path.join(SRC, f"{split}-labels-idx1-ubyte.gz"))
    images = read(os.path.join(SRC, f"{split}-images-idx3-ubyte.gz"))
    magic, n = struct.unpack(">II", labels[:8])
    assert magic == 2049, "bad label magic"
    imagic, n2, rows, cols = struct.unpack(">IIII", images[:16])
    assert imagic == 2051 and n2 == n, "bad image header"
    counts = [0] * 10
    keep = []
    for i in range(n):
        y = labels[8 + i]
        if counts[y] < per_class:
            counts[y] += 1
            keep.append(i)
    size = rows * cols
    out_labels = struct.pack(">II", 2049, len(keep)) + bytes(labels[8 + i] for i in keep)
    out_images = struct.pack(">IIII", 2051, len(keep), rows, cols) + b"".join(
        images[16 + i * size:16 + (i + 1) * size] for i in keep)
    os.makedirs(DST, exist_ok=True)
    write(os.path.join(DST, f"{split}-labels-idx1-ubyte.gz"), out_labels)
    write(os.path.join(DST, f"{split}-images-idx3-ubyte.gz"), out_images)
    print(f"{split}: {len(keep)} examples ({per_class} per class) -> {DST}")
