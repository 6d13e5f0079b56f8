"""Precision of the corpus-wide disagreement list on the BBC development set, against hand
labels (data/bbc_corpus_labels.json: pairs of sides by article and sentence start, no text).

An entry counts as real when its first two sides are a pair labelled real; entries whose pair
was never labelled are counted apart (label them when the list changes). Run:
`.venv/bin/python bench/corpus_precision.py [--min-precision P]`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assistant import Assistant, Settings

ROOT = Path(__file__).resolve().parent.parent
BBC = ROOT.parent / "shared" / "external" / "bbc_dev" / "articles"
LABELS = ROOT / "data" / "bbc_corpus_labels.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-precision", type=float, default=None)
    args = parser.parse_args()
    if not BBC.is_dir():
        print(f"skipped: {BBC} is not here (the BBC development set lives only in ../shared)")
        return 0
    labels = {
        (p["kind"], p["a"]["source"], p["a"]["start"], p["b"]["source"], p["b"]["start"]): p
        for p in json.loads(LABELS.read_text(encoding="utf-8"))["pairs"]
    }
    bot = Assistant(Settings(store_path=None))
    bot.index([str(BBC)])
    real = unreal = unlabelled = 0
    for c in bot.conflicts():
        a, b = c.sides[0], c.sides[1]
        key = (c.kind.value, Path(a.source).name, a.start, Path(b.source).name, b.start)
        label = labels.get(key)
        if label is None:
            unlabelled += 1
            print(f"unlabelled: {key} {c.summary[:100]}")
        elif label["real"]:
            real += 1
        else:
            unreal += 1
    listed = real + unreal
    precision = real / listed if listed else None
    print(
        f"corpus-wide list on bbc_dev: {real + unreal + unlabelled} entries, {real} real, "
        f"{unreal} not, {unlabelled} unlabelled; precision "
        + (f"{precision:.1%}" if precision is not None else "n/a")
    )
    if args.min_precision is not None and (precision or 0.0) < args.min_precision:
        print(f"below the floor: precision < {args.min_precision:.1%}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
