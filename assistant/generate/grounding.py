"""The grounding check every generated answer must pass before a user sees it.

Each sentence carries a citation; each citation exists; each sentence is supported by what it
cites (its numbers and names appear there, and most of its content words); nothing the
evidence only attributes to someone is stated as fact; and where the evidence conflicts, both
sides are cited. Anything else falls back to the extractive answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answer.attribution import is_attributed
from assistant.conflicts.features import content_stems, features, reporter
from assistant.names import MID_SENTENCE, SPELLING_VARIANT, without_possessive
from index.chunker import split_sentences
from index.terms import STOPWORDS, fold, one_edit, words

_MARKER = re.compile(r"\[(\d+)\]")
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
_REFUSAL = re.compile(r"\b(articles do not say|do not say|does not say|not mentioned)\b", re.I)
_QUOTES = '“”"‘’'
SUPPORT = 0.6  # share of a sentence's content words that must be in what it cites
# Evidence that talks to the model is not evidence of anything (prompt injection).
_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|prompt|rules|above)\b"
    r"|\b(you must|you should|assistant,|system prompt|answer (that|with|only))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""


def is_refusal(text: str) -> bool:
    return bool(_REFUSAL.search(text))


def attributed_evidence(quote: str) -> bool:
    """Does this evidence report speech or a claim (rather than state a fact)?"""
    return any(q in quote for q in '“”"') or features(quote).claim or bool(reporter(quote))


def check(answer: str, evidence: dict[int, str], conflicts: list[tuple[int, int]]) -> Verdict:
    """Is `answer` grounded in `evidence` ({citation number: quoted text})?"""
    text = answer.strip()
    if not text:
        return Verdict(False, "the model returned an empty answer")
    sentences = [text[s.start : s.end] for s in split_sentences(text)]
    cited_anywhere: set[int] = set()
    for sentence in sentences:
        markers = [int(n) for n in _MARKER.findall(sentence)]
        short = sentence if len(sentence) < 80 else sentence[:77] + "..."
        if not markers:
            return Verdict(False, f"a sentence has no citation: “{short}”")
        unknown = [n for n in markers if n not in evidence]
        if unknown:
            return Verdict(False, f"cites [{unknown[0]}], which is not among the evidence")
        if all(_INSTRUCTION.search(evidence[n]) for n in markers):
            return Verdict(False, f"cites only evidence that gives instructions: “{short}”")
        cited_anywhere.update(markers)
        body = _MARKER.sub(" ", sentence)
        cited = " ".join(evidence[n] for n in markers)
        problem = _unsupported(body, cited)
        if problem:
            return Verdict(False, f"{problem} in “{short}”")
        speakers = [n for n in markers if attributed_evidence(evidence[n])]
        if speakers and not any(_attributes(body, evidence[n]) for n in speakers):
            return Verdict(False, f"states as fact what the evidence attributes: “{short}”")
    for a, b in conflicts:
        if not {a, b} <= cited_anywhere:
            return Verdict(
                False,
                f"the sources disagree ([{a}] vs [{b}]) but the answer does not give both sides",
            )
    return Verdict(True)


def _unsupported(body: str, cited: str) -> str | None:
    cited_numbers = {n.replace(",", "") for n in _NUMBER.findall(cited)}
    for number in _NUMBER.findall(body):
        if number.replace(",", "").rstrip(".") not in cited_numbers:
            return f"the number {number} is not in the cited text"
    cited_words = set(words(cited))
    for match in MID_SENTENCE.finditer(body.strip()):
        name = fold(without_possessive(match.group(0)))
        if name in STOPWORDS:
            continue  # "Is", "The": capitalised, but no name
        if name not in cited_words and not any(
            len(name) >= SPELLING_VARIANT and one_edit(name, w) for w in cited_words
        ):
            return f"the name {match.group(0)} is not in the cited text"
    own = content_stems(body)
    if own:
        found = own & content_stems(cited)
        if len(found) < SUPPORT * len(own):
            return "most of it is not in the cited text"
    return None


def _attributes(body: str, evidence: str) -> bool:
    """Does the sentence say who said it: the evidence's speaker (when named) with a
    reporting word, or a quotation?"""
    who = reporter(evidence)
    if who:
        said_by = reporter(body)  # the sentence must report the same speaker
        if not said_by:
            return False
        a, b = who.split()[-1], said_by.split()[-1]
        return a == b or (min(len(a), len(b)) >= SPELLING_VARIANT and one_edit(a, b))
    return is_attributed(body) or any(q in body for q in _QUOTES)
