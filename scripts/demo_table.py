#!/usr/bin/env python3
"""The README's demo-set tables, computed, never typed: runs `hopscope-cli analyze` and `quantize`
(W8A8, the reference protocol) on every model of resources/demo/ on the held-out addresses (ViT:
the Fashion-MNIST test images, calibrated on training images), keeps
the JSON under build/demo-results/, and writes one table per family (FP perplexity, W8A8 perplexity,
avg kurtosis, max inf-norm, and the change of each against the softmax variant) between the
markers <!-- demo-table:begin --> and <!-- demo-table:end --> in README.md.

    python3 scripts/demo_table.py [--samples N] [--images N]
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, "build/gui/cli/hopscope-cli")
DEMO = os.environ.get("HOPSCOPE_DEMO_DIR", os.path.join(ROOT, "resources/demo"))
EVAL = os.environ.get("HOPSCOPE_DEMO_EVAL", os.path.join(ROOT, "build/demo-data/sotu-eval.txt"))
CALIB = os.environ.get("HOPSCOPE_DEMO_CALIB", os.path.join(ROOT, "build/demo-data/sotu-train.txt"))
OUT = os.path.join(ROOT, "build/demo-results")
FASHION = "/usr/share/datasets/fashion-mnist"
BEGIN, END = "<!-- demo-table:begin -->", "<!-- demo-table:end -->"
ORDER = ["softmax-none", "clipped-none", "softmax-mlp", "softmax-linear", "softmax1-none", "softmax1-mlp",
         "softmax1-linear"]


def run(args):
    subprocess.run([CLI] + args, check=True, stdout=subprocess.DEVNULL)


def variant_key(name):
    rest = name.split("-", 1)[1]
    return ORDER.index(rest) if rest in ORDER else len(ORDER)


def change(value, base):
    return "" if base in (None, 0) or value is None else f" ({(value / base - 1) * 100:+.0f} %)"


def number(value):
    return "n/a" if value is None else f"{value:.4g}"


def main():
    global IMAGES
    samples = sys.argv[sys.argv.index("--samples") + 1] if "--samples" in sys.argv else "64"
    IMAGES = sys.argv[sys.argv.index("--images") + 1] if "--images" in sys.argv else "2000"
    os.makedirs(OUT, exist_ok=True)
    names = sorted(d for d in os.listdir(DEMO) if os.path.isfile(os.path.join(DEMO, d, "config.json")))
    families = sorted({name.split("-", 1)[0] for name in names})
    tables = []
    for family in families:
        models = sorted((n for n in names if n.startswith(family + "-")), key=variant_key)
        paths = [os.path.join(DEMO, n) for n in models]
        # The models' own block length (their position table).
        seq_len = str(json.load(open(os.path.join(paths[0], "config.json")))["hopscope"]["training"]["seq_len"])
        analysis, quantization = os.path.join(OUT, f"{family}-analyze.json"), os.path.join(OUT, f"{family}-quantize.json")
        images = family == "vit"
        if images:
            common = ["--images", f"{FASHION}/t10k-images-idx3-ubyte.gz", "--samples", IMAGES]
            calib = ["--calib-images", f"{FASHION}/train-images-idx3-ubyte.gz"]
        else:
            common = ["--data", EVAL, "--samples", samples, "--seq-len", seq_len]
            calib = ["--calib", CALIB]
        run(["analyze", *paths, *common, "--json", analysis])
        run(["quantize", *paths, *common, *calib, "--json", quantization])
        analysed = {m["path"]: m for m in json.load(open(analysis))["models"]}
        quantized = {m["path"]: m for m in json.load(open(quantization))["models"]}
        rows, base = [], None
        for name, path in zip(models, paths):
            a, q = analysed[path], quantized[path]
            row = {"name": name, "normalizer": a["normalizer"], "gate": a["gate"], "fp": q["metric"]["fp"],
                   "w8a8": q["metric"]["quantized"], "kurtosis": a["summary"]["avg_kurtosis"],
                   "inf": a["summary"]["max_inf_norm"]}
            if name.endswith("softmax-none"):
                base = row
            rows.append(row)
        metric = json.load(open(quantization))["models"][0]["metric"]["name"].replace("_", " ")
        held_out = (f"{IMAGES} Fashion-MNIST test images" if images else f"{samples} held-out blocks of {seq_len} tokens")
        lines = [f"**{family.upper() if family != 'vit' else 'ViT'}** ({metric} on {held_out}; change against softmax)",
                 "",
                 "| variant | normalizer | gate | FP | W8A8 | avg kurtosis | max inf-norm |",
                 "|---|---|---|---:|---:|---:|---:|"]
        for r in rows:
            b = base or {}
            lines.append(f"| {r['name']} | `{r['normalizer']}` | {r['gate']} | {number(r['fp'])} | "
                         f"{number(r['w8a8'])}{change(r['w8a8'], b.get('w8a8')) if r is not base else ''} | "
                         f"{number(r['kurtosis'])}{change(r['kurtosis'], b.get('kurtosis')) if r is not base else ''} | "
                         f"{number(r['inf'])}{change(r['inf'], b.get('inf')) if r is not base else ''} |")
        tables.append("\n".join(lines))
    readme = os.environ.get("HOPSCOPE_DEMO_README", os.path.join(ROOT, "README.md"))
    text = open(readme, encoding="utf-8").read()
    if BEGIN not in text or END not in text:
        sys.exit(f"README.md has no {BEGIN} ... {END} block")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    generated = "\n\n".join(tables) + "\n\n(made by `python3 scripts/demo_table.py`)\n"
    with open(readme + ".tmp", "w", encoding="utf-8") as file:
        file.write(head + BEGIN + "\n" + generated + END + tail)
    os.replace(readme + ".tmp", readme)
    print("\n\n".join(tables))


if __name__ == "__main__":
    main()
