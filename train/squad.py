"""SQuAD as the answer scorer's training script and its checks read it: questions with their
paragraph split into sentences by the project's own splitter (the one that splits news at index
time), and the answering sentence's index. CC BY-SA 4.0 (the SQuAD authors, Stanford)."""

from __future__ import annotations

import gzip
import hashlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.answer.scorer_input import candidate_text
from index.chunker import split_sentences

SQUAD = Path(__file__).resolve().parents[2] / "shared" / "external" / "squad"
TRAIN = SQUAD / "squad-v1.1-train.from-explorer.json.gz"
DEV = SQUAD / "squad-v1.1-dev.from-explorer.json.gz"
DEV2 = SQUAD / "squad-v2.0-dev.from-explorer.json.gz"
Logits = Callable[[list[str], list[str]], np.ndarray]


@dataclass(frozen=True)
class Question:
    text: str
    title: str
    sentences: tuple[str, ...]
    answer: int | None  # index of the answering sentence; None: unanswerable


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load(path: Path, unanswerable: bool = False) -> list[list[Question]]:
    """SQuAD as articles, each a list of questions with their paragraph split into sentences
    by the project's own splitter (the one that splits news at index time)."""
    with gzip.open(path) as f:
        data = json.load(f)["data"]
    articles = []
    for article in data:
        title = article["title"].replace("_", " ")
        questions = []
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            spans = split_sentences(context)
            sentences = tuple(context[s.start : s.end] for s in spans)
            for qa in paragraph["qas"]:
                if qa.get("is_impossible"):
                    if unanswerable:
                        questions.append(Question(qa["question"], title, sentences, None))
                    continue
                found = _answer_sentence(qa["answers"], spans)
                if found is not None:
                    questions.append(Question(qa["question"], title, sentences, found))
        articles.append(questions)
    return articles


def _answer_sentence(answers: list[dict], spans: list) -> int | None:
    # An answer whose text occurs more than once leaves its sentence uncertain: skipped.
    for answer in answers:
        if answer.get("n_occurrences", 1) != 1:
            continue
        start, end = answer["answer_start"], answer["answer_start"] + len(answer["text"])
        for i, span in enumerate(spans):
            if span.start <= start and end <= span.end:
                return i
    return None


def inputs(q: Question) -> list[str]:
    """The scorer's second segment for every sentence of the question's paragraph."""
    return [
        candidate_text(s, q.title, q.sentences[i - 1] if i else "")
        for i, s in enumerate(q.sentences)
    ]


def split_v2(seed: int, per_half: int) -> tuple[list[Question], list[Question]]:
    """SQuAD 2.0 dev in two halves by article (calibration, then held aside), each a seeded
    sample of `per_half` questions, answerable and not."""
    articles = load(DEV2, unanswerable=True)
    random.Random(seed).shuffle(articles)
    half = len(articles) // 2
    out = []
    for part in (articles[:half], articles[half:]):
        qs = [q for a in part for q in a]
        random.Random(seed).shuffle(qs)
        out.append(qs[:per_half])
    return out[0], out[1]


def first_ranked(logits_of: Logits, questions: list[Question]) -> float:
    """Share of questions whose answering sentence scores highest in its paragraph."""
    qs = [q.text for q in questions for _ in q.sentences]
    cands = [c for q in questions for c in inputs(q)]
    logits = logits_of(qs, cands)
    hits, at = 0, 0
    for q in questions:
        scores = logits[at : at + len(q.sentences)]
        at += len(q.sentences)
        hits += int(np.argmax(scores) == q.answer)
    return hits / len(questions)


def best_logits(logits_of: Logits, questions: list[Question]) -> np.ndarray:
    qs = [q.text for q in questions for _ in q.sentences]
    logits = logits_of(qs, [c for q in questions for c in inputs(q)])
    out, at = [], 0
    for q in questions:
        out.append(float(logits[at : at + len(q.sentences)].max()))
        at += len(q.sentences)
    return np.array(out)


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    from scipy.stats import rankdata

    ranks = rankdata(scores)
    pos = labels.astype(bool)
    n_pos, n_neg = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
