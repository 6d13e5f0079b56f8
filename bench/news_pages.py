"""Main text of real saved news pages: the old loader against the new one.

`../shared/external/news_html/` holds 58 real pages (read in place, never copied here): 38 from
trafilatura's own benchmark with strings the main text must contain ("with") and must not
("without"), and 20 from ScrapingHub's benchmark with the gold article body. A page is clean
when every "with" string is in the text the store keeps and no "without" string is (both
compared with runs of white space folded, as trafilatura's scorer does). The ScrapingHub pages
are scored by token precision, recall and F1 against the gold body; trafilatura never saw them,
so they are the held-out figure. Dates are compared with the benchmark's on the pages that
give one. Run: `.venv/bin/python bench/news_pages.py [FOLDER] [--json]`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from index.loader import _visible_text_article, parse_bytes
from index.records import Article

DEFAULT = Path(__file__).resolve().parent.parent.parent / "shared" / "external" / "news_html"


@dataclass(frozen=True)
class PageScore:
    id: str
    clean: bool | None  # None: the page has no with/without strings
    missing: tuple[str, ...]
    present: tuple[str, ...]
    f1: tuple[float, float, float] | None  # precision, recall, F1 against the gold body
    date_right: bool | None  # None: the benchmark gives no date


def _fold(text: str) -> str:
    return " ".join(text.split())


def _tokens(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text.lower()))


def _prf(text: str, gold: str) -> tuple[float, float, float]:
    got, want = _tokens(text), _tokens(gold)
    common = sum((got & want).values())
    p = common / max(1, sum(got.values()))
    r = common / max(1, sum(want.values()))
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def old_loader(raw: bytes, source: str) -> Article:
    """The loader before issue 31: every visible line of the page (BeautifulSoup)."""
    return _visible_text_article(raw.decode("utf-8"), source, None)


def new_loader(raw: bytes, source: str) -> Article:
    """The loader as it is: `parse_bytes`, the path every HTML file takes."""
    return parse_bytes(raw, source, ".html")[0]


def score(folder: Path, load: Callable[[bytes, str], Article]) -> list[PageScore]:
    rows = [json.loads(line) for line in (folder / "expectations.jsonl").open(encoding="utf-8")]
    out = []
    for row in rows:
        raw = (folder / "pages" / f"{row['id']}.html").read_bytes()
        article = load(raw, row["url"])
        text = _fold(article.text)
        missing = tuple(s for s in row["with"] if _fold(s) not in text)
        present = tuple(s for s in row["without"] if _fold(s) in text)
        has_strings = bool(row["with"] or row["without"])
        out.append(
            PageScore(
                row["id"],
                not missing and not present if has_strings else None,
                missing,
                present,
                _prf(article.text, row["body"]) if row["body"] else None,
                article.published == row["published"] if row["published"] else None,
            )
        )
    return out


def summary(scores: list[PageScore]) -> dict:
    strings = [s for s in scores if s.clean is not None]
    bodies = [s.f1 for s in scores if s.f1 is not None]
    dated = [s for s in scores if s.date_right is not None]
    mean = [sum(x[i] for x in bodies) / len(bodies) for i in range(3)] if bodies else [0, 0, 0]
    return {
        "clean": sum(bool(s.clean) for s in strings),
        "pages": len(strings),
        "clean_share": sum(bool(s.clean) for s in strings) / max(1, len(strings)),
        "heldout_precision": mean[0],
        "heldout_recall": mean[1],
        "heldout_f1": mean[2],
        "heldout_pages": len(bodies),
        "dates_right": sum(bool(s.date_right) for s in dated),
        "dated_pages": len(dated),
        "not_clean": {
            s.id: {"missing": s.missing, "present": s.present} for s in strings if not s.clean
        },
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if not (args.folder / "expectations.jsonl").is_file():
        sys.exit(f"no news pages at {args.folder} (../shared/external/news_html is absent)")
    results = {}
    for name, load in (("old", old_loader), ("new", new_loader)):
        started = time.perf_counter()
        results[name] = summary(score(args.folder, load))
        results[name]["seconds"] = time.perf_counter() - started
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
        return results
    print(
        "| loader | clean pages (with kept, without dropped) | held-out token P / R / F1 "
        "| dates right |"
    )
    print("|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['clean']} of {r['pages']} ({r['clean_share']:.1%}) "
            f"| {r['heldout_precision']:.3f} / {r['heldout_recall']:.3f} / "
            f"{r['heldout_f1']:.3f} ({r['heldout_pages']} pages) "
            f"| {r['dates_right']} of {r['dated_pages']} |"
        )
    for name, r in results.items():
        for page, why in r["not_clean"].items():
            print(f"{name}: {page}: missing {list(why['missing'])}, kept {list(why['present'])}")
    return results


if __name__ == "__main__":
    main()
