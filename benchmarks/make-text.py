#!/usr/bin/env python3
"""Writes the benchmarks' narration text: random sentences of 8-20 words from a small
vocabulary (seeded, so every run narrates the same text).

  make-text.py OUT CHARS               sentences until CHARS characters (loudness.sh)
  make-text.py OUT CHARS --paragraphs  also blank lines between some sentences, cut to CHARS
                                       at a sentence end (workflows.sh)
"""
import random, sys

out_path, chars = sys.argv[1], int(sys.argv[2])
paragraphs = "--paragraphs" in sys.argv[3:]
random.seed(7)
words = "the river ran past old mills and quiet fields where farmers worked from dawn until late evening".split()
out, n = [], 0
while n < chars:
    s = " ".join(random.choice(words) for _ in range(random.randint(8, 20))).capitalize() + ". "
    out.append(s); n += len(s)
    if paragraphs and random.random() < 0.15: out.append("\n\n")
text = "".join(out)
if paragraphs:
    text = text[:chars].rsplit(".", 1)[0] + "."
open(out_path, "w").write(text)
