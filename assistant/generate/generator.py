"""`Generator`: optional LLM answers. The model writes from the same numbered evidence the
extractive answer cites, and the grounding check decides whether the user sees it."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator

from assistant.conflicts.kinds import ConflictKind
from assistant.generate.grounding import Verdict, check, is_refusal
from assistant.generate.models import LanguageModel, LLMError
from assistant.generate.prompts import Prompt, load_prompt
from assistant.records import Answer


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

    def answer(self, base: Answer, conflict_lines: list[str]) -> Iterator[str | Answer]:
        """Stream the model's tokens, then yield the checked Answer (or the extractive one)."""
        started = time.perf_counter()
        evidence = {c.id: c.quote for c in base.citations}
        # the detector's disagreements, which the answer must present with both sides
        pairs = [
            (c.sides[0].citation, c.sides[1].citation)
            for c in base.conflicts
            if c.kind != ConflictKind.NAME_SPELLING and c.sides[0].citation and c.sides[1].citation
        ]
        parts: list[str] = []
        prompt = self.answer_prompt.render(evidence=evidence_block(base), question=base.question)
        try:
            for token in self.model.stream(prompt):
                parts.append(token)
                yield token
        except LLMError as exc:
            yield _fallback(base, f"language model unavailable: {exc}", started)
            return
        raw = "".join(parts).strip()
        if raw and is_refusal(raw):
            verdict = Verdict(False, "the model said the evidence does not answer")
        else:
            verdict = check(raw, evidence, pairs)
        if not verdict.ok:
            yield _fallback(base, f"generated answer rejected: {verdict.reason}", started)
            return
        timings = {**base.timings_ms, "generate": (time.perf_counter() - started) * 1000}
        timings["total"] = base.timings_ms.get("total", 0.0) + timings["generate"]
        yield dataclasses.replace(
            base, answer="\n".join([raw, *conflict_lines]), mode="llm", timings_ms=timings
        )


def evidence_block(answer: Answer) -> str:
    return "\n".join(f"[{c.id}] ({c.title}) {' '.join(c.quote.split())}" for c in answer.citations)


def _fallback(base: Answer, reason: str, started: float) -> Answer:
    elapsed = (time.perf_counter() - started) * 1000
    timings = {
        **base.timings_ms,
        "generate": elapsed,
        "total": base.timings_ms.get("total", 0.0) + elapsed,
    }
    return dataclasses.replace(base, mode="extractive_fallback", notice=reason, timings_ms=timings)
