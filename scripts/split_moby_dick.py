#!/usr/bin/python3
"""Split resources/corpora/moby-dick.txt into a training/calibration part and a held-out evaluation part.

The cut is a chapter boundary: the evaluation part starts at the heading line ("CHAPTER N. ...") of the
first chapter that begins at or after 90 % of the file's bytes and runs to the end of the file; the
training part is everything before it. Byte-exact: the two parts concatenated are the whole file.
Re-running it rewrites the same two files.

Usage: split_moby_dick.py [CORPORA_DIR]   (default: resources/corpora next to this script's folder)
"""
import hashlib
import os
import re
import sys

WHOLE = "moby-dick.txt"
TRAIN = "moby-dick-train.txt"
EVAL = "moby-dick-eval.txt"
HEADING = re.compile(rb"^CHAPTER (\d+)\. ", re.MULTILINE)


def split_offset(text):
    """Byte offset of the first chapter heading at or after 90 % of the bytes (integer arithmetic)."""
    for match in HEADING.finditer(text):
        if match.start() * 10 >= len(text) * 9:
            return match.start(), int(match.group(1))
    raise SystemExit("no chapter heading at or after 90 % of the bytes")


def describe(name, data):
    chapters = [int(n) for n in HEADING.findall(data)]
    print(f"{name}: {len(data)} bytes, chapters {chapters[0]}-{chapters[-1]}, "
          f"sha256 {hashlib.sha256(data).hexdigest()}")


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    folder = argv[1] if len(argv) > 1 else os.path.join(here, "..", "resources", "corpora")
    with open(os.path.join(folder, WHOLE), "rb") as f:
        whole = f.read()
    offset, chapter = split_offset(whole)
    train, evaluation = whole[:offset], whole[offset:]
    assert train + evaluation == whole, "the parts do not add up to the whole"
    assert evaluation.startswith(b"CHAPTER %d. " % chapter)
    assert train.endswith(b"\n"), "the training part must end with a whole line"
    for name, data in ((TRAIN, train), (EVAL, evaluation)):
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)
    # Read back: what is on disk must be exactly the whole file.
    with open(os.path.join(folder, TRAIN), "rb") as f, open(os.path.join(folder, EVAL), "rb") as g:
        assert f.read() + g.read() == whole, "written files do not concatenate to the whole"
    print(f"split at byte {offset} ({offset / len(whole):.4f} of {len(whole)}), chapter {chapter}")
    describe(TRAIN, train)
    describe(EVAL, evaluation)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
