"""Question shapes: what kind of answer a question asks for ("when": a time, "how many": a
number, "who is": a description), and a small push towards sentences of that shape."""

from __future__ import annotations

import re

from assistant.answer.types import asked_part
from assistant.names import FULL_NAME, PLACE

_WHEN = re.compile(r"^\s*(when|what (date|day|year|month|time))\b", re.I)
_HOW_MANY = re.compile(r"^\s*how (many|much|long|old)\b", re.I)
_WHO = re.compile(r"^\s*(who|whom|whose)\b", re.I)
_WHO_IS = re.compile(r"^\s*who (is|was|are|were)\b", re.I)
_WHERE = re.compile(r"^\s*where\b", re.I)
_DEFINES = re.compile(
    r"\b(who is|who was|is an?|is the|was an?|was the)\b|, (the |an? )?(president|founder|"
    r"ceo|chief|head|director|leader|spokes(man|woman|person)|minister|ambassador|official|"
    r"member|chair(man|woman)?)\b",
    re.I,
)
_TIME = re.compile(
    r"\b(\d{4}|\d+ (days?|weeks?|months?|years?)|yesterday|today|last (week|month|year)|"
    r"(mon|tues|wednes|thurs|fri|satur|sun)day|january|february|march|april|may|june|july|"
    r"august|september|october|november|december|ago)\b",
    re.I,
)
_NUMBER = re.compile(
    r"\b\d[\d,.]*\b|\b(one|two|three|four|five|six|seven|eight|nine|ten|dozens?|hundreds?|thousands?|millions?)\b",
    re.I,
)
_FRAGMENT_WORDS = 6  # shorter: a fragment, headline or byline
_FRAGMENT = -0.3
_FITS = 0.06  # the shape asked for
_MISFITS = -0.03  # not the shape asked for
_NAMES_SOMEONE = 0.03  # a "who" question met by a full name


def shape_found(question: str, sentence: str) -> bool:
    """Does the sentence hold the kind of answer the question asks for (when a time, how
    many a number)? True when the question asks for no particular kind."""
    question = asked_part(question)
    if _WHEN.search(question):
        return bool(_TIME.search(sentence))
    if _HOW_MANY.search(question):
        return bool(_NUMBER.search(sentence))
    return True


def shape_bonus(question: str, sentence: str) -> float:
    """A small push towards sentences of the shape the question asks for."""
    bonus = _FRAGMENT if len(sentence.split()) < _FRAGMENT_WORDS else 0.0
    return bonus + _question_type_bonus(question, sentence)


def _question_type_bonus(question: str, sentence: str) -> float:
    question = asked_part(question)
    if _WHERE.search(question):
        return _FITS if PLACE.search(sentence) else _MISFITS
    if _WHO_IS.search(question):
        return _FITS if _DEFINES.search(sentence) else 0.0
    if _WHEN.search(question) or _HOW_MANY.search(question):
        return _FITS if shape_found(question, sentence) else _MISFITS
    if _WHO.search(question):
        return _NAMES_SOMEONE if FULL_NAME.search(sentence) else 0.0
    return 0.0
