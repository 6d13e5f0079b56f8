"""Fit the answer and conflict parameters on the development sets, and report them honestly:
every figure is given twice, fitted (parameters chosen on all questions, then scored on the
same questions) and cross-validated (for each story cluster, parameters chosen on the other
clusters, then scored on the held-out one). The cross-validated figures are the real ones.

Sets: the BBC development set in ../shared/external/bbc_dev (clusters from its README table),
and the project's sample question set (one more cluster). Parameters, each a named constant
next to the code that uses it:

- `assistant.answer.scoring.TYPE_WEIGHT`: the push towards sentences holding the asked type,
  and `TYPED_SHAPE`: whether a figure question's confidence needs a figure of the asked kind;
- `Settings.min_confidence`: below it, "the articles do not say";
- `assistant.answer.compose.TYPED_MARGIN`: how far below the best a sentence stating the
  asked-for type may score and still be added when no stated sentence holds one;
- `assistant.answer.compose.TYPED_NEIGHBOUR`: whether the sentence beside the best one is
  added when it states the asked-for type and nothing stated does;
- `assistant.answer.compose.STATED_MARGIN` and `STATED_SLACK`: how far below the best a
  further sentence may score, and what share of the minimum confidence it needs, to be stated;
- `assistant.answer.compose.TYPED_REQUIRED`: whether a question that asks for a value is
  answered only when the answer states one;
- `assistant.conflicts.answers.MARGIN` and `MIN_COVERAGE`: which sentences count as a
  source's own answer when answers are compared, and `SURE`: the answer confidence at which a
  sentence counts whatever its score. (`COMPARE_NAMES`, in the grid before, changed no
  question either way; it is fixed at True.)

Only these eleven values are re-fitted per fold. The answer-type vocabulary (assistant/answer/
types.py) and the rule changes of the same round were written while reading the BBC
questions, so the cross-validated figures still owe them something; WikiContradict, which
nothing here reads, is the cleaner held-out check.

Run: `.venv/bin/python bench/crossval.py` (about fifteen minutes on two cores). Without
../shared it says so and stops.
"""

from __future__ import annotations

import itertools
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from assistant import Assistant, Settings
from assistant.answer import compose as composer
from assistant.answer import scoring
from assistant.answer.compose import compose
from assistant.answer.followup import standalone_query
from assistant.conflicts.answers import answer_disagreements
from assistant.conflicts.kinds import ConflictKind
from assistant.evaluate.metrics import contains_answer, precision_recall_f1
from assistant.evaluate.questions import load_questions
from index.embedder import make_embedder

ROOT = Path(__file__).resolve().parent.parent
BBC = ROOT.parent / "shared" / "external" / "bbc_dev"
SAMPLE = ROOT / "data"

TYPE_WEIGHTS = (0.0, 0.05, 0.1)
TYPED_SHAPES = (False, True)  # on a tie, any number will do (the rule before it)
TYPED_MARGINS = (-1.0, 0.2, 0.3)  # -1: no typed completion by score
MIN_CONFIDENCES = (0.38, 0.42, 0.46, 0.5)
NEIGHBOURS = (False, True)
MARGINS = (-1.0, 0.1, 0.2, 0.3)  # -1: answers are not compared
COVERAGES = (0.3, 0.5, 0.7)
# a source's answer however far below the best, when confidence is at least this (2: never)
SURES = (2.0, 0.5, 0.55, 0.6)
TYPED_REQUIRED = (False, True)  # on a tie, an answer need not state the asked type
# the module constants the grid sets, put back after each set
PATCHED = (
    (scoring, "TYPE_WEIGHT"),
    (scoring, "TYPED_SHAPE"),
    (composer, "TYPED_MARGIN"),
    (composer, "STATED_MARGIN"),
    (composer, "STATED_SLACK"),
    (composer, "TYPED_NEIGHBOUR"),
    (composer, "TYPED_REQUIRED"),
)
# the settings before the typed values: no type weight, min_confidence 0.42, nothing compared
FIRST_RULES = (0.0, False, 0.42, -1.0, False, 0.12, 1.0, 2.0, -1.0, 0.3, False)
STATED_MARGINS = (0.12, 0.2)
STATED_SLACKS = (0.0, 0.5, 0.75, 1.0)  # 1.0: a further sentence needs the full confidence


@dataclass
class Row:
    """One question under one parameter setting."""

    cluster: str
    answerable: bool
    correct: bool
    refused: bool
    conflict: bool
    flagged: bool


def clusters_of(readme: Path) -> dict[str, str]:
    """Question id -> cluster, from the README's table rows ("| 3 | ... | d17–d21 | ...")."""
    out = {}
    for line in readme.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.split("|")]
        for cell in cells:
            m = re.fullmatch(r"d(\d+)\s*[–-]\s*d(\d+)", cell)
            if m and cells[1].isdigit():
                for n in range(int(m.group(1)), int(m.group(2)) + 1):
                    out[f"d{n:02d}"] = f"bbc-{cells[1]}"
    return out


def run_set(bot: Assistant, questions, cluster_of) -> dict[tuple, list[Row]]:
    """Rows of every question under every parameter setting (retrieval done once)."""
    out: dict[tuple, list[Row]] = {}
    saved = {(module, name): getattr(module, name) for module, name in PATCHED}
    for q in questions:
        query = standalone_query(q.question, list(q.history))
        vector = bot.corpus.embed_query(query)
        candidates = bot.retriever.retrieve(query, bot.answerer.candidates, vector)
        bot.corpus.read(r.chunk.source for r in candidates)
        for weight, typed_shape in itertools.product(TYPE_WEIGHTS, TYPED_SHAPES):
            scoring.TYPE_WEIGHT, scoring.TYPED_SHAPE = weight, typed_shape
            scored = bot.answerer.score(query, vector, candidates)
            # the compared answers depend on neither the floor nor what is stated
            typed_found = {}
            for sure, margin, cover in itertools.product(SURES, MARGINS, COVERAGES):
                typed_found[(sure, margin, cover)] = bool(
                    answer_disagreements(query, scored, bot.corpus.article, margin, cover, sure)
                )
            for floor, typed_margin, neighbour, stated_margin, slack, required in itertools.product(
                MIN_CONFIDENCES,
                TYPED_MARGINS,
                NEIGHBOURS,
                STATED_MARGINS,
                STATED_SLACKS,
                TYPED_REQUIRED,
            ):
                composer.TYPED_MARGIN, composer.TYPED_NEIGHBOUR = typed_margin, neighbour
                composer.TYPED_REQUIRED = required
                composer.STATED_MARGIN, composer.STATED_SLACK = stated_margin, slack
                composed = compose(scored, bot.corpus.article, floor, bot.answerer.answer_sentences)
                rules, _, _ = bot.conflict_finder.for_answer(
                    q.question, vector, composed, candidates
                )
                # as the evaluation counts: spellings are reported apart
                by_rules = any(c.kind != ConflictKind.NAME_SPELLING for c in rules)
                correct = bool(q.answers) and contains_answer(composed.text, q.answers)
                for (sure, margin, cover), typed in typed_found.items():
                    row = Row(
                        cluster=cluster_of(q.id),
                        answerable=bool(q.answers),
                        correct=correct,
                        refused=not composed.answerable,
                        conflict=q.conflict,
                        flagged=by_rules or (composed.answerable and typed),
                    )
                    setting = (
                        weight,
                        typed_shape,
                        floor,
                        typed_margin,
                        neighbour,
                        stated_margin,
                        slack,
                        sure,
                        margin,
                        cover,
                        required,
                    )
                    out.setdefault(setting, []).append(row)
    for (module, name), value in saved.items():
        setattr(module, name, value)
    return out


def figures(rows: list[Row]) -> dict[str, float | None]:
    answerable = [r for r in rows if r.answerable]
    refusal = precision_recall_f1([r.refused for r in rows], [not r.answerable for r in rows])
    conflict = precision_recall_f1([r.flagged for r in rows], [r.conflict for r in rows])
    return {
        "accuracy": sum(r.correct for r in answerable) / len(answerable) if answerable else None,
        "answered": sum(not r.refused for r in answerable) / len(answerable)
        if answerable
        else None,
        "refusal_precision": refusal["precision"],
        "refusal_recall": refusal["recall"],
        "conflict_precision": conflict["precision"],
        "conflict_recall": conflict["recall"],
    }


def objective(rows: list[Row]) -> float:
    """What a setting is chosen by: accuracy, refusal F1 and conflict F1, weighed equally."""
    answerable = [r for r in rows if r.answerable]
    refusal = precision_recall_f1([r.refused for r in rows], [not r.answerable for r in rows])
    conflict = precision_recall_f1([r.flagged for r in rows], [r.conflict for r in rows])
    accuracy = sum(r.correct for r in answerable) / max(1, len(answerable))
    return accuracy + (refusal["f1"] or 0.0) + (conflict["f1"] or 0.0)


def main() -> int:
    if not BBC.is_dir():
        print(f"skipped: {BBC} is not here (the BBC development set lives only in ../shared)")
        return 0
    embedder = make_embedder()
    by_setting: dict[tuple, list[Row]] = {}
    bbc_clusters = clusters_of(BBC / "README.md")
    for folder, qfile, cluster_of in (
        (BBC / "articles", BBC / "questions.jsonl", lambda i: bbc_clusters.get(i, "bbc-?")),
        (SAMPLE / "articles", SAMPLE / "questions.jsonl", lambda i: "sample"),
    ):
        bot = Assistant(Settings(store_path=None), embedder=embedder)
        bot.index([str(folder)])
        qset = load_questions(qfile, [a.source for a in bot.articles()])
        for setting, rows in run_set(bot, qset.questions, cluster_of).items():
            by_setting.setdefault(setting, []).extend(rows)
        print(f"{qfile}: {len(qset.questions)} questions", file=sys.stderr)

    settings = list(by_setting)
    fitted = max(settings, key=lambda s: objective(by_setting[s]))
    held_out: list[Row] = []
    chosen = {}
    for cluster in sorted({r.cluster for r in by_setting[fitted]}):
        best = max(
            settings,
            key=lambda s: objective([r for r in by_setting[s] if r.cluster != cluster]),
        )
        chosen[cluster] = best
        held_out += [r for r in by_setting[best] if r.cluster == cluster]
    names = (
        "type_weight",
        "typed_shape",
        "min_confidence",
        "typed_margin",
        "typed_neighbour",
        "stated_margin",
        "stated_slack",
        "sure",
        "margin",
        "min_coverage",
        "typed_required",
    )
    report = {
        "fitted_setting": dict(zip(names, fitted, strict=True)),
        # one line a cluster: which setting was chosen without it
        "chosen_per_held_out_cluster": {c: " ".join(map(str, s)) for c, s in chosen.items()},
        "sets": {},
    }
    for name, keep in (
        ("bbc", lambda r: r.cluster != "sample"),
        ("sample", lambda r: r.cluster == "sample"),
    ):
        report["sets"][name] = {
            "fitted": figures([r for r in by_setting[fitted] if keep(r)]),
            "cross_validated": figures([r for r in held_out if keep(r)]),
            "typed values off (min_confidence 0.42), the first rules": figures(
                [r for r in by_setting[FIRST_RULES] if keep(r)]
            ),
        }
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
