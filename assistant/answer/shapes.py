"""Question shapes: whether a sentence holds the kind of answer a question asks for ("when": a
time, "how many": a number), one of the signals of the hand confidence. (The push towards
sentences of the asked shape that once lived here changed no cross-validated figure once the
learned scorer ranked the sentences, and was removed.)"""

from __future__ import annotations

import re

from assistant.answer.types import asked_part

_WHEN = re.compile(r"^\s*(when|what (date|day|year|month|time))\b", re.I)
_HOW_MANY = re.compile(r"^\s*how (many|much|long|old)\b", re.I)
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


def shape_found(question: str, sentence: str) -> bool:
    """Does the sentence hold the kind of answer the question asks for (when a time, how
    many a number)? True when the question asks for no particular kind."""
    question = asked_part(question)
    if _WHEN.search(question):
        return bool(_TIME.search(sentence))
    if _HOW_MANY.search(question):
        return bool(_NUMBER.search(sentence))
    return True
