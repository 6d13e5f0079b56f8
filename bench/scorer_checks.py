"""Checks of the learned answer scorer alone, on open data it was not trained on, beside
today's cosine ranking (MiniLM embeddings) in the same run:

- SQuAD 1.1 dev: share of questions whose answering sentence is ranked first among its
  paragraph's sentences (a seeded sample);
- SelQA test: MAP and MRR of the answering sentences among each question's candidates;
- SQuAD 2.0 dev, the half of its articles held aside from the calibration: AUC of
  "answerable" from the best sentence's score.

    .venv/bin/python bench/scorer_checks.py [--floors data/eval_floors_scorer.json]

Exits 1 when a learned figure falls under its floor. Without ../shared it says so and stops.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.answer.scorer import default_scorer  # noqa: E402
from assistant.answer.scorer_input import candidate_text  # noqa: E402
from index.embedder import make_embedder  # noqa: E402
from train.squad import DEV, DEV2, auc, best_logits, first_ranked, load, split_v2  # noqa: E402

SELQA = ROOT.parent / "shared" / "external" / "selqa" / "selqa-ass-test.json"
SEED = 13  # the training script's: its SQuAD 2.0 halves are the same


def cosine(embedder):
    """The cosine ranking as a (questions, candidates) -> scores function; a candidate's
    context after the separator is left out (the embedder reads the sentence alone)."""

    def scores(questions: list[str], candidates: list[str]) -> np.ndarray:
        sentences = [c.split(" [SEP] ")[0] for c in candidates]
        q = embedder.embed_cached(sorted(set(questions)))
        index = {t: i for i, t in enumerate(sorted(set(questions)))}
        s = embedder.embed(sentences)
        return np.einsum("ij,ij->i", q[[index[t] for t in questions]], s)

    return scores


def selqa(logits_of, rows: list[dict]) -> dict[str, float]:
    """MAP and MRR over the questions that have an answering candidate."""
    rows = [r for r in rows if r["answers"]]
    qs, cands = [], []
    for r in rows:
        for i, c in enumerate(r["candidates"]):
            qs.append(r["question"])
            cands.append(candidate_text(c, r["article"], r["candidates"][i - 1] if i else ""))
    scores = logits_of(qs, cands)
    ap, rr, at = [], [], 0
    for r in rows:
        mine = scores[at : at + len(r["candidates"])]
        at += len(r["candidates"])
        order = np.argsort(-mine, kind="stable")
        gold = set(r["answers"])
        hits = [k + 1 for k, i in enumerate(order) if int(i) in gold]
        ap.append(np.mean([(n + 1) / rank for n, rank in enumerate(hits)]))
        rr.append(1 / hits[0])
    return {"map": float(np.mean(ap)), "mrr": float(np.mean(rr))}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--floors", type=Path)
    parser.add_argument("--squad-questions", type=int, default=2000)
    parser.add_argument("--squad2-questions", type=int, default=1500)
    args = parser.parse_args()
    missing = [str(p) for p in (DEV, DEV2, SELQA) if not p.exists()]
    if missing:
        print(f"skipped: {', '.join(missing)} not here (open data lives only in ../shared)")
        return 0
    started = time.time()
    scorers = {"learned": default_scorer().logits, "cosine": cosine(make_embedder())}
    dev = [q for a in load(DEV) for q in a]
    random.Random(SEED).shuffle(dev)
    dev = dev[: args.squad_questions]
    _, held = split_v2(SEED, args.squad2_questions)
    answerable = np.array([q.answer is not None for q in held])
    rows = json.loads(SELQA.read_text(encoding="utf-8"))
    report: dict[str, dict[str, float]] = {}
    for name, logits_of in scorers.items():
        report[name] = {
            "squad11_dev_first": first_ranked(logits_of, dev),
            **{f"selqa_{k}": v for k, v in selqa(logits_of, rows).items()},
            "squad20_held_auc": auc(best_logits(logits_of, held), answerable),
        }
    report["sizes"] = {
        "squad11_dev_questions": len(dev),
        "selqa_test_questions": sum(1 for r in rows if r["answers"]),
        "squad20_held_questions": len(held),
        "squad20_held_unanswerable": int((~answerable).sum()),
        "seconds": round(time.time() - started),
    }
    print(json.dumps(report, indent=1))
    if args.floors:
        floors = json.loads(args.floors.read_text())
        low = {k: v for k, v in floors.items() if report["learned"][k] < v}
        for key, floor in low.items():
            print(f"FAIL {key}: {report['learned'][key]:.4f} under its floor {floor}")
        return 1 if low else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
