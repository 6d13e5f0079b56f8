"""Keep reported speech attributed.

A sentence lifted from inside a quotation ("Elon Musk told me he spoke with Putin.") would read
as fact once cut from the `... Bremer wrote.` that follows it. These rules find such sentences
and the speaker named in the same paragraph, so the answer can say who said it.
"""

from __future__ import annotations

import re

from assistant.names import SPEAKER

_VERBS = (
    r"said|says|say|told|tells|wrote|writes|tweeted|tweets|posted|added|adds|claimed|claims|"
    r"alleged|alleges|denied|denies|insisted|insists|argued|argues|stated|states|reiterated|"
    r"reiterates|maintained|maintains|asserted|asserts|suggested|suggests|reported|reports|"
    r"announced|announces|noted|notes|explained|recalled|hinted|echoed|warned|warns|admitted|"
    r"acknowledged|confirmed|testified|replied|responded|declared|contended|countered"
)
# Case-sensitive on purpose: "United States" is not the verb "states".
_ATTRIBUTED = re.compile(rf"\b(?:{_VERBS})\b|\b[Aa]ccording to\b|\b[Rr]eportedly\b")
_SPEAKER_PATTERNS = (
    # “...,” Bremer wrote / ” Kirby said
    re.compile(rf"[”\"],?\s+(?P<who>{SPEAKER})\s+(?P<verb>{_VERBS})\b"),
    # Bremer wrote: “... / Musk tweeted, “...
    re.compile(rf"(?P<who>{SPEAKER})\s+(?P<verb>{_VERBS})\s*[:,]?\s*[“\"]"),
    # ...,” said Kirby
    re.compile(rf"[”\"],?\s+(?P<verb>{_VERBS})\s+(?P<who>{SPEAKER})"),
    # Bremer wrote in a note on Monday:   (the quotation follows in the next paragraph)
    re.compile(rf"(?P<who>{SPEAKER})\s+(?P<verb>{_VERBS})\b[^“”\"]*:\s*$"),
)
_OPEN, _CLOSE = "“", "”"
_QUOTES = "“”\"‘’' "


def is_attributed(sentence: str) -> bool:
    """Does the sentence itself say who is speaking (a reporting verb or 'according to')?"""
    return bool(_ATTRIBUTED.search(sentence))


def quoted_regions(paragraph: str) -> list[tuple[int, int]]:
    """Spans of a paragraph that are inside quotation marks.

    A closing mark with no opening one quotes everything before it: news copy often drops
    the opening mark of a quotation that starts the paragraph.
    """
    regions: list[tuple[int, int]] = []
    opened: int | None = None
    straight: int | None = None
    for i, ch in enumerate(paragraph):
        if ch == _OPEN and opened is None:
            opened = i
        elif ch == _CLOSE:
            start = opened if opened is not None else (regions[-1][1] if regions else 0)
            regions.append((start, i + 1))
            opened = None
        elif ch == '"':
            if straight is None:
                straight = i
            else:
                regions.append((straight, i + 1))
                straight = None
    for start in (opened, straight):
        if start is not None:  # a quotation that runs on into the next paragraph
            regions.append((start, len(paragraph)))
    return regions


def outside_quotes(paragraph: str, start: int, end: int) -> tuple[str, bool]:
    """The narrator's words of `paragraph[start:end]`, and whether any of it is quoted."""
    keep = [True] * (end - start)
    quoted = False
    for lo, hi in quoted_regions(paragraph):
        a, b = max(lo, start), min(hi, end)
        if a < b:
            quoted = True
            keep[a - start : b - start] = [False] * (b - a)
    narrator = "".join(ch if k else " " for ch, k in zip(paragraph[start:end], keep, strict=True))
    return narrator, quoted


def speaker(paragraph: str) -> tuple[str, str] | None:
    """(who, verb) of the quotation in a paragraph, when a named speaker is given."""
    for pattern in _SPEAKER_PATTERNS:
        for match in pattern.finditer(paragraph):
            who = match.group("who").strip().rstrip(".,;:")
            if who.lower() not in {"he", "she", "they", "it", "i", "we", "but", "and"}:
                return who, match.group("verb")
    return None


def attributed(sentence: str, paragraphs: list[str], start: int, title: str) -> str:
    """The sentence as the answer should state it: verbatim, or with its speaker named.

    `paragraphs` is the sentence's own paragraph first, then the ones before it (nearest
    first): a quotation often runs on from a paragraph that named the speaker.
    """
    narrator, quoted = outside_quotes(paragraphs[0], start, start + len(sentence))
    if not quoted or is_attributed(narrator):
        return sentence
    inner = sentence.strip().strip(_QUOTES)
    found = next((who for p in paragraphs if (who := speaker(p))), None)
    if found:
        who, verb = found
        return f"{who} {verb}: “{inner}”"
    return f"As quoted in “{title}”: “{inner}”"
