"""Train the answer scorer: a cross-encoder (question, candidate sentence in its context) ->
the probability that the sentence answers the question.

    .venv/bin/python train/answer_scorer.py            # or: make train-scorer

Data: SQuAD 1.1 train (CC BY-SA 4.0) from ../shared/external/squad, never news. For each
question whose answer text occurs once in its paragraph, the sentence that holds the answer is
the positive; the paragraph's other sentences most like the question are hard negatives, and a
sentence of another paragraph of the same article is an easy one. The model starts from the
all-MiniLM-L6-v2 weights the project already ships (a BERT encoder) with a one-logit head and is
trained with binary cross-entropy in plain transformers + torch (no extra trainer needed).

The "answerable" calibration (a logistic fit of the best sentence's logit) is fitted on half of
SQuAD 2.0 dev's articles, with their unanswerable questions, and reported on the other half.

Reproducible: fixed seeds, the data files' SHA-256 recorded in the model card; sized to finish
well within 90 minutes on 2 CPU cores (bf16 autocast where the CPU has it). The learning curve
(SQuAD 1.1 dev, answering sentence ranked first) is measured at 5k and 20k questions and at the
end, from checkpoints of the same run. Output: assistant/answer/scorer_model/ (int8 ONNX graph,
tokenizer, calibration, model card); the torch checkpoints stay in build/ (not committed).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from assistant.answer.scorer_input import MAX_TOKENS, candidate_text  # noqa: E402
from index.embedder import bundled_model_path  # noqa: E402
from index.onnx_embedder import export_graph  # noqa: E402
from train.squad import (  # noqa: E402
    DEV,
    DEV2,
    TRAIN,
    Question,
    auc,
    best_logits,
    first_ranked,
    inputs,
    load,
    sha256,
    split_v2,
)

OUT = ROOT / "assistant" / "answer" / "scorer_model"
BUILD = ROOT / "build" / "answer_scorer"
_WORD = re.compile(r"\w+")


def pairs(
    questions: list[Question], articles: dict[str, list[Question]], rng: random.Random, hard: int
) -> list[tuple[str, str, float]]:
    """(question, candidate, label) for each question: its answering sentence, the `hard`
    sentences of its paragraph sharing most words with it, and one sentence of another
    paragraph of the same article."""
    out = []
    for q in questions:
        texts = inputs(q)
        words = {w.lower() for w in _WORD.findall(q.text)}
        others = sorted(
            (i for i in range(len(texts)) if i != q.answer),
            key=lambda i: (
                -len(words & {w.lower() for w in _WORD.findall(q.sentences[i])}),
                rng.random(),
            ),
        )
        out.append((q.text, texts[q.answer], 1.0))
        out.extend((q.text, texts[i], 0.0) for i in others[:hard])
        elsewhere = [o for o in articles[q.title] if o.sentences != q.sentences]
        if elsewhere:
            other = rng.choice(elsewhere)
            i = rng.randrange(len(other.sentences))
            previous = other.sentences[i - 1] if i else ""
            out.append((q.text, candidate_text(other.sentences[i], q.title, previous), 0.0))
    return out


class Scorer:
    """The torch model in training, and its batched logits."""

    def __init__(self, folder: str, seed: int):
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        torch.manual_seed(seed)
        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(folder)
        with warnings.catch_warnings():  # the new head's weights are reported as missing
            warnings.simplefilter("ignore")
            self.model = AutoModelForSequenceClassification.from_pretrained(
                folder, num_labels=1, attn_implementation="eager"
            )
        self.bf16 = torch.backends.mkldnn.is_available() and _cpu_has("avx512_bf16")

    def encode(self, questions: list[str], candidates: list[str]):
        return self.tokenizer(
            questions,
            candidates,
            truncation="only_second",
            max_length=MAX_TOKENS,
            padding=True,
            return_tensors="pt",
        )

    def logits(self, questions: list[str], candidates: list[str], batch: int = 64) -> np.ndarray:
        torch = self.torch
        self.model.eval()
        out = []
        order = np.argsort([len(c) + len(q) for q, c in zip(questions, candidates, strict=True)])
        with torch.inference_mode(), torch.autocast("cpu", torch.bfloat16, enabled=self.bf16):
            for lo in range(0, len(order), batch):
                rows = order[lo : lo + batch]
                enc = self.encode([questions[i] for i in rows], [candidates[i] for i in rows])
                out.append(self.model(**enc).logits.float().squeeze(-1).numpy())
        logits = np.empty(len(order), dtype=np.float32)
        logits[order] = np.concatenate(out) if out else []
        return logits


def _cpu_has(flag: str) -> bool:
    try:
        return flag in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


def train(args: argparse.Namespace) -> dict:
    import torch
    from transformers import get_linear_schedule_with_warmup

    rng = random.Random(args.seed)
    np.random.seed(args.seed)
    torch.set_num_threads(args.threads)
    articles = load(TRAIN)
    rng.shuffle(articles)
    questions = [q for a in articles for q in a]
    rng.shuffle(questions)
    questions = questions[: args.questions]
    by_title: dict[str, list[Question]] = {}
    for a in articles:
        for q in a:
            by_title.setdefault(q.title, []).append(q)
    dev = [q for a in load(DEV) for q in a]
    random.Random(args.seed + 1).shuffle(dev)
    dev = dev[: args.dev_questions]

    scorer = Scorer(bundled_model_path(), args.seed)
    model = scorer.model
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    steps_per_question = (1 + args.hard + 1) / args.batch
    total_steps = math.ceil(len(questions) * steps_per_question)
    schedule = get_linear_schedule_with_warmup(optimizer, int(0.06 * total_steps), total_steps)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    curve = [{"questions": 0, "squad_dev_first": first_ranked(scorer.logits, dev)}]
    print(f"before training: {curve[0]}", flush=True)
    checkpoints = sorted({c for c in args.curve if c < len(questions)} | {len(questions)})
    started, seen, step = time.time(), 0, 0
    for stop in checkpoints:
        block = pairs(questions[seen:stop], by_title, rng, args.hard)
        rng.shuffle(block)
        # Batches of similar length waste little on padding; their order is shuffled.
        batches = []
        for lo in range(0, len(block), args.batch * 50):
            window = sorted(block[lo : lo + args.batch * 50], key=lambda p: len(p[0]) + len(p[1]))
            batches += [window[i : i + args.batch] for i in range(0, len(window), args.batch)]
        rng.shuffle(batches)
        model.train()
        for batch in batches:
            enc = scorer.encode([p[0] for p in batch], [p[1] for p in batch])
            labels = torch.tensor([p[2] for p in batch])
            with torch.autocast("cpu", torch.bfloat16, enabled=scorer.bf16):
                logits = model(**enc).logits.squeeze(-1)
            loss = loss_fn(logits.float(), labels)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            step += 1
            if step % 100 == 0:
                rate = step * args.batch / (time.time() - started)
                print(
                    f"step {step}/{total_steps} loss {loss.item():.3f} {rate:.1f} pairs/s",
                    flush=True,
                )
        seen = stop
        point = {
            "questions": stop,
            "pairs": step * args.batch,
            "minutes": round((time.time() - started) / 60, 1),
            "squad_dev_first": first_ranked(scorer.logits, dev),
        }
        curve.append(point)
        print(f"checkpoint: {point}", flush=True)
        model.save_pretrained(BUILD / "torch")
        scorer.tokenizer.save_pretrained(BUILD / "torch")
    return {
        "curve": curve,
        "train_minutes": round((time.time() - started) / 60, 1),
        "bf16": scorer.bf16,
        "questions": len(questions),
        "pairs": step * args.batch,
    }


def export(out: Path) -> None:
    """The trained torch model -> int8 ONNX (dynamic quantisation) and its tokenizer."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(
        BUILD / "torch", attn_implementation="eager"
    ).eval()

    fp32 = BUILD / "answer_scorer.onnx"
    export_graph(torch, model, "logits", fp32, ("batch",))
    out.mkdir(parents=True, exist_ok=True)
    quantize_dynamic(fp32, out / "answer_scorer-int8.onnx", weight_type=QuantType.QInt8)
    shutil.copy(BUILD / "torch" / "tokenizer.json", out / "tokenizer.json")


def platt(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The logistic fit P(y | x) = sigmoid(a x + b), by maximum likelihood."""
    from scipy.optimize import minimize

    def loss(ab: np.ndarray) -> float:
        z = ab[0] * x + ab[1]
        return float(np.sum(np.logaddexp(0, z) - y * z))

    a, b = minimize(loss, np.array([1.0, 0.0]), method="Nelder-Mead").x
    return float(a), float(b)


def calibrate(out: Path, seed: int, per_half: int) -> dict:
    """Fit P(answerable | best logit) on half of SQuAD 2.0 dev's articles; report the other."""
    from assistant.answer.scorer import AnswerScorer

    onnx = AnswerScorer(out, calibration=None)
    parts = []
    for qs in split_v2(seed, per_half):
        parts.append((best_logits(onnx.logits, qs), np.array([q.answer is not None for q in qs])))
    (x_fit, y_fit), (x_held, y_held) = parts
    slope, intercept = platt(x_fit, y_fit)
    return {
        "slope": slope,
        "intercept": intercept,
        "fit_questions": len(y_fit),
        "held_questions": len(y_held),
        "held_unanswerable": int((~y_held).sum()),
        "held_auc": auc(x_held, y_held),
        "fit_auc": auc(x_fit, y_fit),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=24000)
    parser.add_argument("--curve", type=int, nargs="*", default=[5000, 20000])
    parser.add_argument("--hard", type=int, default=2, help="hard negatives per question")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--seed", type=int, default=13)
    # one thread: with two, training collapsed to 10 pairs/s whenever the other core was busy
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--dev-questions", type=int, default=1000)
    parser.add_argument("--calibration-questions", type=int, default=1500)
    parser.add_argument(
        "--skip-training", action="store_true", help="export and calibrate the checkpoint in build/"
    )
    args = parser.parse_args()
    for path in (TRAIN, DEV, DEV2):
        if not path.exists():
            sys.exit(f"error: {path} is missing (SQuAD lies in ../shared/external/squad)")
    record_path = BUILD / "training.json"
    if args.skip_training:
        record = json.loads(record_path.read_text())
    else:
        BUILD.mkdir(parents=True, exist_ok=True)
        hashes = {p.name: sha256(p) for p in (TRAIN, DEV, DEV2)}
        record = {"args": vars(args), "data_sha256": hashes}
        record.update(train(args))
        record_path.write_text(json.dumps(record, indent=2))
    export(OUT)
    record["calibration"] = calibrate(OUT, args.seed, args.calibration_questions)
    record["onnx_bytes"] = (OUT / "answer_scorer-int8.onnx").stat().st_size
    (OUT / "scorer.json").write_text(
        json.dumps(
            {
                "max_tokens": MAX_TOKENS,
                "calibration": {k: record["calibration"][k] for k in ("slope", "intercept")},
                "training": record,
            },
            indent=2,
        )
        + "\n"
    )
    print(json.dumps(record["calibration"], indent=2))


if __name__ == "__main__":
    main()
