#!/usr/bin/env python3
"""Writes the bundled synthetic token-classification set (train.jsonl.gz, test.jsonl.gz), byte for byte.

Task: 4 classes; class c owns the 8 keyword ids 1 + 8c .. 8 + 8c (ids 1..32 in all). A sequence is 6..40 ids:
filler ids drawn uniformly from 33..199 (the same distribution for every class, so filler says nothing about
the class), with 2..4 keywords of its own class at random positions and, in 30% of the sequences, one keyword
of another class as a distractor. The class is the one with the most keywords in the sequence (always its own).
Id 0 is never written: it is the padding id the loader right-pads shorter sequences with.

Standard library only; run from anywhere: python3 datasets/tokens-mini/generate.py
"""
import gzip
import json
import os
import random

SEED = 20_240_517
CLASSES = 4
KEYWORDS_PER_CLASS = 8
FILLER = range(CLASSES * KEYWORDS_PER_CLASS + 1, 200)  # 33..199
MIN_LENGTH, MAX_LENGTH = 6, 40
SIZES = {"train": 3000, "test": 600}


def keywords(c):
    return list(range(1 + KEYWORDS_PER_CLASS * c, 1 + KEYWORDS_PER_CLASS * (c + 1)))


def example(rng):
    label = rng.randrange(CLASSES)
    length = rng.randint(MIN_LENGTH, MAX_LENGTH)
    ids = [rng.choice(FILLER) for _ in range(length)]
    planted = [rng.choice(keywords(label)) for _ in range(rng.randint(2, 4))]
    if rng.random() < 0.3:
        other = rng.choice([c for c in range(CLASSES) if c != label])
        planted.append(rng.choice(keywords(other)))
    for position, token in zip(rng.sample(range(length), len(planted)), planted):
        ids[position] = token
    return {"ids": ids, "label": label}


def main():
    rng = random.Random(SEED)
    here = os.path.dirname(os.path.abspath(__file__))
    for split, n in SIZES.items():
        lines = "".join(json.dumps(example(rng), separators=(",", ":")) + "\n" for _ in range(n))
        with open(os.path.join(here, split + ".jsonl.gz"), "wb") as raw:
            # no file name and a zero time stamp in the gzip header, so the bytes depend on the content only
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
                gz.write(lines.encode("utf-8"))


if __name__ == "__main__":
    main()
