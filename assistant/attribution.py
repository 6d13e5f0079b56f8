"""Keep reported speech attributed.

A sentence lifted from inside a quotation ("Elon Musk told me he spoke with Putin.") would read
as fact once cut from the `... Bremer wrote.` that follows it. These rules find such sentences
and the speaker named in the same paragraph, so the answer can say who said it.
"""

from __future__ import annotations

import re

_VERBS = (
    r"said|says|say|told|tells|wrote|writes|tweeted|tweets|posted|added|adds|claimed|claims|"
    r"alleged|alleges|denied|denies|insisted|insists|argued|argues|stated|states|reiterated|"
    r"reiterates|maintained|maintains|asserted|asserts|suggested|suggests|reported|reports|"
    r"announced|announces|noted|notes|explained|recalled|hinted|echoed|warned|warns|admitted|"
    r"acknowledged|confirmed|testified|replied|responded|declared|contended|countered"
)
# Case-sensitive on purpose: "United States" is not the verb "states".
_ATTRIBUTED = re.compile(rf"\b(?:{_VERBS})\b|\b[Aa]ccording to\b|\b[Rr]eportedly\b")
_NAME = r"(?:[A-Z][\w’'.-]*\s){0,3}?[A-Z][\w’'.-]*"
_SPEAKER_PATTERNS = (
    # “...,” Bremer wrote / ” Kirby said
    re.compile(rf"[”\"],?\s+(?P<who>{_NAME})\s+(?P<verb>{_VERBS})\b"),
    # Bremer wrote: “... / Musk tweeted, “...
    re.compile(rf"(?P<who>{_NAME})\s+(?P<verb>{_VERBS})\s*[:,]?\s*[“\"]"),
    # ...,” said Kirby
    re.compile(rf"[”\"],?\s+(?P<verb>{_VERBS})\s+(?P<who>{_NAME})"),
)
_OPEN, _CLOSE = "“", "”"
_QUOTES = "“”\"‘’' "


def is_attributed(sentence: str) -> bool:
    """Does the sentence itself say who is speaking (a reporting verb or 'according to')?"""
    return bool(_ATTRIBUTED.search(sentence))


def inside_quotation(paragraph: str, start: int, end: int) -> bool:
    """Is `paragraph[start:end]` (part of) a direct quotation?"""
    before = paragraph[:start]
    sentence = paragraph[start:end]
    opened = before.count(_OPEN) - before.count(_CLOSE)
    straight_open = before.count('"') % 2 == 1
    starts_quoted = sentence.lstrip().startswith((_OPEN, '"'))
    ends_quoted = sentence.rstrip().endswith((_CLOSE, '"')) and _OPEN not in sentence
    return opened > 0 or straight_open or starts_quoted or ends_quoted


def speaker(paragraph: str) -> tuple[str, str] | None:
    """(who, verb) of the quotation in a paragraph, when a named speaker is given."""
    for pattern in _SPEAKER_PATTERNS:
        for match in pattern.finditer(paragraph):
            who = match.group("who").strip()
            if who.lower() not in {"he", "she", "they", "it", "i", "we", "but", "and"}:
                return who, match.group("verb")
    return None


def attributed(sentence: str, paragraphs: list[str], start: int, title: str) -> str:
    """The sentence as the answer should state it: verbatim, or with its speaker named.

    `paragraphs` is the sentence's own paragraph first, then the ones before it (nearest
    first): a quotation often runs on from a paragraph that named the speaker.
    """
    if is_attributed(sentence) or not inside_quotation(paragraphs[0], start, start + len(sentence)):
        return sentence
    inner = sentence.strip().strip(_QUOTES)
    found = next((who for p in paragraphs if (who := speaker(p))), None)
    if found:
        who, verb = found
        return f"{who} {verb}: “{inner}”"
    return f"As quoted in “{title}”: “{inner}”"
