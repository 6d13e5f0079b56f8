"""Names shown with the letters that only look Latin marked.

`stаle.txt` with a Cyrillic `а` sits beside `stale.txt` in the article list and looks the same.
A word that mixes Latin letters with letters of another script is almost never written that
way on purpose, so in such a word each letter that is not Latin is shown with its code point:
`st⟨а U+0430⟩le.txt`. Words wholly in one script (`Москва`, `東京`, `café`) are left as they are.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W\d_]+")  # a run of letters


def _latin(letter: str) -> bool:
    return unicodedata.name(letter, "").startswith("LATIN ")


def _mark_word(match: re.Match) -> str:
    word = match.group(0)
    kinds = {_latin(letter) for letter in word}
    if kinds != {True, False}:
        return word
    return "".join(
        letter if _latin(letter) else f"⟨{letter} U+{ord(letter):04X}⟩" for letter in word
    )


def mark_confusables(name: str) -> str:
    """`name` with each non-Latin letter of a word that also has Latin letters marked."""
    if name.isascii():
        return name
    return _WORD.sub(_mark_word, name)


def has_confusables(name: str) -> bool:
    return mark_confusables(name) != name
