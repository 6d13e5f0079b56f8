"""Precision of the corpus-wide disagreement list on the BBC development set, against hand
labels (data/bbc_corpus_labels.json: pairs of sides by article and sentence start, no text).

An entry counts as real when every side and its first are a pair labelled real; an entry with
a pair never labelled counts as not real until someone labels it. Run:
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
        _pair(
            p["kind"], (p["a"]["source"], p["a"]["start"]), (p["b"]["source"], p["b"]["start"])
        ): p
        for p in json.loads(LABELS.read_text(encoding="utf-8"))["pairs"]
    }
    bot = Assistant(Settings(store_path=None))
    bot.index([str(BBC)])
    real = unreal = unlabelled = 0
    for c in bot.conflicts():
        # an entry is real if every side disagrees with its first; unlabelled counts against
        first = (Path(c.sides[0].source).name, c.sides[0].start)
        keys = [_pair(c.kind.value, first, (Path(o.source).name, o.start)) for o in c.sides[1:]]
        found = [labels.get(k) for k in keys]
        if any(f is None for f in found):
            unlabelled += 1
            missing = [k for k, f in zip(keys, found, strict=True) if f is None]
            print(f"unlabelled: {missing} {c.summary[:80]}")
        elif all(f["real"] for f in found):
            real += 1
        else:
            unreal += 1
    listed = real + unreal + unlabelled
    precision = real / listed if listed else None
    print(
        f"corpus-wide list on bbc_dev: {listed} entries, {real} real, {unreal} not, "
        f"{unlabelled} unlabelled (counted as not real); precision "
        + (f"{precision:.1%}" if precision is not None else "n/a")
    )
    if args.min_precision is not None and (precision or 0.0) < args.min_precision:
        print(f"below the floor: precision < {args.min_precision:.1%}", file=sys.stderr)
        return 1
    return 0


def _pair(kind: str, a: tuple[str, int], b: tuple[str, int]) -> tuple:
    return (kind, *sorted([a, b]))


if __name__ == "__main__":
    sys.exit(main())
