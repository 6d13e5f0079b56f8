"""`Generator`: optional LLM answers. The model writes from the same numbered evidence the
extractive answer cites, is told which pieces of it disagree, and the grounding check decides
whether the user sees what it wrote."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator

from assistant.conflicts.kinds import ConflictKind
from assistant.generate.grounding import Verdict, check, is_refusal
from assistant.generate.models import LanguageModel, LLMError
from assistant.generate.prompts import Prompt, load_prompt
from assistant.records import Answer

# How the prompt names each kind of disagreement (in words, never with figures of our own:
# a model copying "about 1 month" from a summary would fail the check on "1").
_KIND_WORDS = {
    ConflictKind.DISPUTED_CLAIM: "one asserts what the other denies",
    ConflictKind.FACTUAL: "they state contradicting facts",
    ConflictKind.NUMERIC: "they give different figures",
    ConflictKind.DATE: "they give different times or dates",
    ConflictKind.OUTDATED: "they contradict each other, and one report is older",
    ConflictKind.QUOTE_WORDING: "they quote the same words differently",
}


class Generator:
    def __init__(
        self,
        model: LanguageModel,
        answer_prompt: Prompt | None = None,
        condense_prompt: Prompt | None = None,
    ):
        """Both templates are loaded (and checked) now, at start-up, unless given."""
        self.model = model
        self.answer_prompt = answer_prompt or load_prompt("grounded_answer")
        self.condense_prompt = condense_prompt or load_prompt("condense_followup")

    def condense(self, history: str, question: str) -> str:
        """A follow-up question rewritten to stand alone (`history`: earlier questions)."""
        return self.model.generate(self.condense_prompt.render(history=history, question=question))

    def prompt(self, base: Answer) -> str:
        """What the model is asked: the question, the numbered evidence, its disagreements."""
        return self.answer_prompt.render(
            evidence=evidence_block(base),
            disagreements=disagreement_block(base),
            question=base.question,
        )

    def answer(self, base: Answer, conflict_lines: list[str]) -> Iterator[str | Answer]:
        """Stream the model's tokens, then yield the checked Answer (or the extractive one)."""
        started = time.perf_counter()
        evidence = {c.id: c.quote for c in base.citations}
        parts: list[str] = []
        try:
            for token in self.model.stream(self.prompt(base)):
                parts.append(token)
                yield token
        except LLMError as exc:
            yield _fallback(base, f"language model unavailable: {exc}", started)
            return
        raw = "".join(parts).strip()
        if raw and is_refusal(raw, evidence):
            verdict = Verdict(False, "the model said the evidence does not answer")
        else:
            # both sides of exactly the disagreements the prompt listed
            verdict = check(raw, evidence, [(a, b) for a, b, _ in disagreements(base)])
        if not verdict.ok:
            yield _fallback(base, f"generated answer rejected: {verdict.reason}", started)
            return
        timings = {**base.timings_ms, "generate": (time.perf_counter() - started) * 1000}
        timings["total"] = base.timings_ms.get("total", 0.0) + timings["generate"]
        yield dataclasses.replace(
            base, answer="\n".join([raw, *conflict_lines]), mode="llm", timings_ms=timings
        )


def disagreements(answer: Answer) -> list[tuple[int, int, ConflictKind]]:
    """The detector's disagreements between two numbered pieces of evidence, each pair once:
    what the prompt lists and the check then asks both sides of. A name spelled two ways has
    no sides to give (the answer shows it anyway), nor has a side that is not cited."""
    seen: set[tuple[int, int]] = set()
    pairs = []
    for conflict in answer.conflicts:
        a, b = conflict.sides[0].citation, conflict.sides[1].citation
        if conflict.kind == ConflictKind.NAME_SPELLING or a is None or b is None or a == b:
            continue
        key = (min(a, b), max(a, b))
        if key not in seen:
            seen.add(key)
            pairs.append((a, b, conflict.kind))
    return pairs


def evidence_block(answer: Answer) -> str:
    """One numbered item per citation, its text on one line and its article's title below."""
    return "\n".join(
        f"[{c.id}] {' '.join(c.quote.split())}\n    (article: {' '.join(c.title.split())})"
        for c in answer.citations
    )


def disagreement_block(answer: Answer) -> str:
    pairs = disagreements(answer)
    if not pairs:
        return "None found."
    return "\n".join(
        f"- [{a}] and [{b}]: {_KIND_WORDS.get(kind, 'they disagree')}" for a, b, kind in pairs
    )


def _fallback(base: Answer, reason: str, started: float) -> Answer:
    elapsed = (time.perf_counter() - started) * 1000
    timings = {
        **base.timings_ms,
        "generate": elapsed,
        "total": base.timings_ms.get("total", 0.0) + elapsed,
    }
    return dataclasses.replace(base, mode="extractive_fallback", notice=reason, timings_ms=timings)
