"""Word-level normalisation shared by the keyword index and sentence scoring.

PyStemmer (Snowball, C) is used so "denied" meets "denies" and "territories" meets
"territory"; it is the stemmer bm25s is designed to take.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

_WORD = re.compile(r"\w+(?:['’]\w+)*", re.UNICODE)
_STEMMER = Stemmer.Stemmer("english")

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves also s t ve ll d re m says said say tell told according article articles report
    reports""".split()
)
# Words that carry the question's meaning even though they are short or common.
_KEEP = frozenset({"not", "no", "never", "only"})


def fold(text: str) -> str:
    """Lower case, accents removed, curly apostrophes straightened."""
    text = text.replace("’", "'")
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text).lower()
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


# Snowball leaves irregular past forms alone; news prose is full of them.
_IRREGULAR = {
    "spoke": "speak",
    "spoken": "speak",
    "told": "tell",
    "said": "say",
    "wrote": "write",
    "written": "write",
    "met": "meet",
    "went": "go",
    "gone": "go",
    "began": "begin",
    "begun": "begin",
    "took": "take",
    "taken": "take",
    "gave": "give",
    "given": "give",
    "made": "make",
    "sent": "send",
    "sought": "seek",
    "thought": "think",
    "won": "win",
    "lost": "lose",
    "left": "leave",
    "held": "hold",
    "led": "lead",
    "paid": "pay",
    "sold": "sell",
    "bought": "buy",
    "brought": "bring",
    "knew": "know",
    "known": "know",
    "saw": "see",
    "seen": "see",
    "heard": "hear",
    "found": "find",
    "fought": "fight",
    "struck": "strike",
    "rose": "rise",
    "risen": "rise",
    "fell": "fall",
    "fallen": "fall",
    "chose": "choose",
    "chosen": "choose",
    "drove": "drive",
    "driven": "drive",
    "ran": "run",
    "became": "become",
    "came": "come",
    "stood": "stand",
    "built": "build",
    "kept": "keep",
}


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    if word.endswith("'s"):
        word = word[:-2]
    return _STEMMER.stemWord(_IRREGULAR.get(word, word))


def terms(text: str, keep_negation: bool = False) -> list[str]:
    """Content-word stems of `text`, in order (stop words dropped)."""
    return list(_terms(text, keep_negation))


@lru_cache(maxsize=32768)
def _terms(text: str, keep_negation: bool) -> tuple[str, ...]:
    return tuple(
        stem(word)
        for word in words(text)
        if word not in STOPWORDS or (keep_negation and word in _KEEP)
    )


def one_edit(a: str, b: str) -> bool:
    """Are `a` and `b` at most one insertion, deletion or substitution apart?"""
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)) :] == b[i + 1 :]
