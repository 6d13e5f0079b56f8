"""Conflict detection on the WikiContradict development sample (../shared/external).

Every row is a real contradiction between two Wikipedia passages, so on the pairs only recall
can be measured; false alarms are measured on each passage alone. Run:
`.venv/bin/python bench/wikicontradict.py [PATH]`.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

from assistant import Assistant, Settings
from index.embedder import make_embedder

DEFAULT = Path(__file__).resolve().parent.parent.parent / "shared" / "external"
DATA = DEFAULT / "wikicontradict_dev.jsonl"


def flagged(embedder, contexts: list[str], question: str) -> tuple[bool, bool, list]:
    """(conflict in the answer to the question, conflict anywhere in the two passages)."""
    bot = Assistant(Settings(store_path=None), embedder=embedder)
    for i, context in enumerate(contexts, 1):
        bot.add_document(context, source=f"context{i}")
    answer = bot.ask(question)
    corpus = bot.conflicts()
    for c in [*answer.conflicts, *corpus]:
        for side in c.sides:
            assert bot.article(side.source).text[side.start : side.end] == side.quote
    return bool(answer.conflicts), bool(corpus), corpus


def main(path: Path = DATA) -> dict:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    embedder = make_embedder()
    hits = defaultdict(lambda: [0, 0, 0])  # type -> [answer flagged, corpus flagged, n]
    alarms = [0, 0, 0]  # answer flagged, corpus flagged, n
    kinds: dict[str, int] = defaultdict(int)
    for row in rows:
        in_answer, in_corpus, found = flagged(
            embedder, [row["context1"], row["context2"]], row["question"]
        )
        for c in found:
            kinds[c.kind.value] += 1
        stats = hits[row["contradict_type"]]
        stats[0] += in_answer
        stats[1] += in_corpus
        stats[2] += 1
        for context in (row["context1"], row["context2"]):
            a, c, _ = flagged(embedder, [context], row["question"])
            alarms[0] += a
            alarms[1] += c
            alarms[2] += 1
    result = {
        "recall": {
            t: {"answer": s[0] / s[2], "corpus": s[1] / s[2], "rows": s[2]}
            for t, s in sorted(hits.items())
        },
        "false_alarms": {
            "answer": alarms[0] / alarms[2],
            "corpus": alarms[1] / alarms[2],
            "passages": alarms[2],
        },
        "kinds": dict(kinds),
    }
    total = sum(s[2] for s in hits.values())
    print("| set | rows | flagged in the answer | flagged corpus-wide |")
    print("|---|---|---|---|")
    for t, s in sorted(hits.items()):
        print(f"| {t} pairs (recall) | {s[2]} | {s[0] / s[2]:.1%} | {s[1] / s[2]:.1%} |")
    all_a = sum(s[0] for s in hits.values()) / total
    all_c = sum(s[1] for s in hits.values()) / total
    print(f"| all pairs (recall) | {total} | {all_a:.1%} | {all_c:.1%} |")
    print(
        f"| single passages (false alarms) | {alarms[2]} | {alarms[0] / alarms[2]:.1%} | "
        f"{alarms[1] / alarms[2]:.1%} |"
    )
    print("kinds found on pairs:", dict(kinds))
    return result


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DATA)
