"""Sentence-level claims and the features the conflict rules compare.

Everything here is plain regular expressions over the exact sentence text, cached by text:
cheap enough to run on every question's evidence.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from assistant.attribution import quoted_regions, speaker
from index.records import Span
from index.terms import STOPWORDS, fold, stem, words


@dataclass(frozen=True, eq=False)
class Claim:
    """A sentence of an article, with what the rules need to know about it."""

    source: str
    span: Span
    text: str
    vector: np.ndarray
    title: str = ""
    published: str | None = None
    paragraph: str = ""  # the line holding the sentence
    paragraph_start: int = 0  # its offset in the article


# Communication verbs and nouns name the same event ("spoke", "talked", "conversation").
_SYNONYMS = {"talk": "speak", "convers": "speak", "discuss": "speak", "chat": "speak"}
NEGATORS = frozenset(
    {"not", "no", "never", "neither", "nor", "without", "none", "cannot", "excluding", "except"}
)
_CUE_STEMS = frozenset(
    {
        "deni",
        "claim",
        "reject",
        "dismiss",
        "refut",
        "fals",
        "untru",
        "insist",
        "stand",
        "stick",
        "reiter",
        "maintain",
        "alleg",
        "assert",
        "tweet",
        "wrote",
        "write",
        "ad",
        "add",
        "state",
    }
)
_DENIAL = re.compile(
    r"\b(?:den(?:y|ies|ied|ying|ial)|refut\w*|untrue|not true|false(?:ly)?|"
    r"(?:reject|dismiss)\w*\s+(?:the |his |her |their |these |those )?"
    r"(?:claim|report|allegation|account|suggestion|assertion|stor(?:y|ies))s?)\b",
    re.IGNORECASE,
)
_DENIED_CLAIM = re.compile(r"\bden\w+\s+(?:the |his |her |their )?\w*\s?claims?\s+that\b", re.I)
_CLAIM = re.compile(
    r"\b(?:claim(?:s|ed)? that|claimed|told (?:me|him|her|us|them)|insist\w*|"
    r"(?:stand|stick)\w* by|reiterat\w*|maintain\w*|alleg\w* that|assert\w*|"
    r"according to)\b",
    re.IGNORECASE,
)
_PERSON = r"[A-Z][\w’'-]+(?:\s[A-Z][\w’'-]+)?"
# Who the narrator reports: "Musk said ...", "Musk has denied ...", "according to Bremmer".
_REPORTING = (
    r"(?:has\s+|had\s+|also\s+|then\s+|is\s+|was\s+)?"
    r"(?:said|says|told|wrote|writes|tweeted|tweets|denied|denies|claimed|claims|insisted|"
    r"insists|added|reiterated|stated|argued|maintained|suggested|(?:sticking|standing) by)\b"
)
_REPORTER = re.compile(
    rf"(?P<who>{_PERSON})(?:,\s(?P<app>[^,]{{1,80}}),)?,?\s+{_REPORTING}"
    rf"|\b[Aa]ccording to (?P<who2>{_PERSON})"
)
_PERSON_ONLY = re.compile(rf"{_PERSON}$")
_NUMWORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "eighteen": 18,
    "twenty": 20,
    "several": 3,
    "few": 3,
}
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365, "decade": 3650}
_NUM = r"\d+(?:\.\d+)?|" + "|".join(_NUMWORDS)
_AGO = re.compile(rf"\b({_NUM})\s+(day|week|month|year|decade)s?\s+ago\b", re.I)
_LAST = re.compile(r"\b(?:last|past|previous)\s+(week|month|year)\b", re.I)
_OVER = re.compile(rf"\b(?:in\s+)?(?:over|more than)\s+({_NUM})\s+(day|week|month|year)s?\b", re.I)
_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
_MONTHS = (
    "january february march april may june july august september october november december"
).split()
_MONTH = r"(January|February|March|April|May|June|July|August|September|October|November|December)"
_FULL_DATE = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+(\d{{4}})\b"
    rf"|\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b"
)
_COUNT_WORDS = "two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|hundred"
_QUANTITY = re.compile(
    rf"(?<![\w.])(\d{{1,3}}(?:,\d{{3}})+|\d+(?:\.\d+)?|{_COUNT_WORDS})\s*"
    r"(%|percent\b|per cent\b|[a-z]+)",
    re.I,
)
_NAME_ITEM = r"[A-Z][\w’'-]+(?:\s[A-Z][\w’'-]+)?"
_LIST = re.compile(rf"{_NAME_ITEM}(?:,\s{_NAME_ITEM})*,?\s(?:and|or)\s{_NAME_ITEM}")
_CAPITAL = re.compile(r"\b[A-Z][\w’'-]*[a-z][\w’'-]*")
_COMMON_CAPITALS = frozenset(
    "the a an in on at but and or if he she it they we i his her its their this that these "
    "those when while after before as according speaking asked based last next since until "
    "monday tuesday wednesday thursday friday saturday sunday mr mrs ms dr".split()
)
_UNIT_ALIASES = {"yrs": "year", "yr": "year", "percent": "%", "per cent": "%", "km": "kilometer"}


def content_stems(text: str) -> frozenset[str]:
    """Content-word stems, communication words folded into one ('spoke' ~ 'conversation')."""
    out = set()
    for word in words(text):
        if word in STOPWORDS or word.isdigit() or len(word) < 3:
            continue
        s = stem(word)
        out.add(_SYNONYMS.get(s, s))
    return frozenset(out)


@lru_cache(maxsize=8192)
def features(text: str) -> Features:
    return Features.of(text)


@dataclass(frozen=True)
class Features:
    stems: frozenset[str]
    names: frozenset[str]  # folded capitalised words (people, places, organisations)
    denial: bool
    claim: bool
    days_ago: tuple[tuple[float, bool], ...]  # (days, is_lower_bound)
    years: frozenset[int]
    dates: frozenset[tuple[int, int, int]]  # full dates stated (year, month, day)
    quantities: frozenset[tuple[str, float]]  # (unit, value)
    lists: tuple[frozenset[str], ...]
    negated: frozenset[str]  # stems with a negator just before them
    speaker: str | None  # the last name of who is speaking or reported, if named
    question: bool
    tokens: tuple[tuple[str, bool], ...]  # (stem, is capitalised name) in order

    @staticmethod
    def of(text: str) -> Features:
        denial = bool(_DENIAL.search(text))
        claim = bool(_CLAIM.search(_DENIED_CLAIM.sub(" ", text)))
        return Features(
            stems=content_stems(text) - _CUE_STEMS,
            names=_names(text),
            denial=denial,
            claim=claim,
            days_ago=_days_ago(text),
            years=frozenset(int(y) for y in _YEAR.findall(text)),
            dates=_full_dates(text),
            quantities=_quantities(text),
            lists=tuple(
                frozenset(_fold_name(i) for i in re.split(r",\s|,?\s(?:and|or)\s", m.group(0)))
                for m in _LIST.finditer(text)
            ),
            negated=_negated(text),
            speaker=reporter(text),
            question="?" in text,
            tokens=tuple(_tokens(text)),
        )


def reporter(text: str) -> str | None:
    """The (folded) name of the person a sentence quotes or reports, when it names one."""
    found = speaker(text)
    if found:
        return _fold_name(found[0])
    for match in _REPORTER.finditer(text):
        app = match.group("app")
        # "Ian Bremer, president of ..., claimed" / "ambassador to Germany, Andrei Melnik, wrote"
        name = app if app and _PERSON_ONLY.match(app) else match.group("who") or match.group("who2")
        who = _fold_name(name or "")
        if who and who.split()[-1] not in _COMMON_CAPITALS:
            return who
    return None


_TIME_WORDS = frozenset({"ago", "last", "past", "previous", "day", "week", "month", "year"})


BREAK = "|"  # stands for clause punctuation in `Features.tokens`


def _tokens(text: str) -> list[tuple[str, bool]]:
    """(stem, is a name) per word, BREAK per clause mark. A capital at the start of the
    sentence or after a quotation mark proves nothing, so such a word is no name there
    unless it is capitalised elsewhere in the sentence too."""
    out = []
    capitalised_later = {m.group(0) for m in re.finditer(r"(?<=[a-z,;] )[A-Z][\w’'-]*", text)}
    for match in re.finditer(r"\w+(?:[’']\w+)*|[,;:.!?()“”\"—–]", text):
        word = match.group(0)
        if not word[0].isalnum() and word[0] != "_":
            out.append((BREAK, False))
            continue
        folded = fold(word)
        s = stem(folded)
        opening = not out or out[-1][0] == BREAK
        is_name = (
            word[0].isupper()
            and folded not in _COMMON_CAPITALS
            and (not opening or word in capitalised_later)
        )
        out.append((_SYNONYMS.get(s, s), is_name))
    return out


def near(f: Features, stem_: str, targets: set[str], window: int) -> bool:
    """Is some token in `targets` within `window` tokens of an occurrence of `stem_`?"""
    positions = [i for i, (s, _) in enumerate(f.tokens) if s == stem_]
    return any(
        f.tokens[j][0] in targets
        for i in positions
        for j in range(max(0, i - window), min(len(f.tokens), i + window + 1))
    )


def _fold_name(name: str) -> str:
    name = re.sub(r"[’']s$", "", name.strip())
    return fold(name)


def _names(text: str) -> frozenset[str]:
    out = set()
    for match in _CAPITAL.finditer(text):
        name = _fold_name(match.group(0))
        if name not in _COMMON_CAPITALS and len(name) > 1:
            out.add(name)
    return frozenset(out)


def _full_dates(text: str) -> frozenset[tuple[int, int, int]]:
    out = set()
    for d1, m1, y1, m2, d2, y2 in _FULL_DATE.findall(text):
        day, month, year = (d1, m1, y1) if d1 else (d2, m2, y2)
        try:  # "31 February" is no date
            when = dt.date(int(year), _MONTHS.index(month.lower()) + 1, int(day))
        except ValueError:
            continue
        out.add((when.year, when.month, when.day))
    return frozenset(out)


def _number(token: str) -> float:
    token = token.lower()
    return float(_NUMWORDS[token]) if token in _NUMWORDS else float(token)


def _days_ago(text: str) -> tuple[tuple[float, bool], ...]:
    out = [(_number(n) * _UNIT_DAYS[u.lower()], False) for n, u in _AGO.findall(text)]
    out += [(float(_UNIT_DAYS[u.lower()]), False) for u in _LAST.findall(text)]
    out += [(_number(n) * _UNIT_DAYS[u.lower()], True) for n, u in _OVER.findall(text)]
    return tuple(out)


def _quantities(text: str) -> frozenset[tuple[str, float]]:
    out = set()
    for value, unit in _QUANTITY.findall(text):
        unit = unit.lower()
        if _YEAR.fullmatch(value) and unit not in ("%",):
            continue  # a year, handled as a date
        unit = _UNIT_ALIASES.get(unit, unit)
        if unit in STOPWORDS and unit != "%":
            continue
        number = _number(value) if value.lower() in _NUMWORDS else float(value.replace(",", ""))
        out.add((stem(unit) if unit != "%" else "%", number))
    return frozenset(out)


_NEGATOR_STEMS = frozenset(stem(w) for w in NEGATORS)


def is_negator(token: str) -> bool:
    """Is this word (or stem) a negation?"""
    return token in NEGATORS or token in _NEGATOR_STEMS or token.endswith("n't")


_COPULAS = frozenset({"remain", "stay", "seem", "become", "appear", "even", "yet", "really"})


def _negated(text: str) -> frozenset[str]:
    """Stems of the word each negator negates (the first content word after it)."""
    tokens = re.findall(r"\w+n't|\w+", fold(text))
    out = set()
    for i, token in enumerate(tokens):
        if is_negator(token) and not (token == "not" and tokens[i + 1 : i + 2] == ["only"]):
            for nxt in tokens[i + 1 : i + 5]:
                if nxt not in STOPWORDS and nxt not in _COPULAS:
                    s = stem(nxt)
                    out.add(_SYNONYMS.get(s, s))
                    break
    return frozenset(out)


def quote_segments(claim: Claim, min_words: int = 6) -> list[Span]:
    """Quotations of at least `min_words` words overlapping the claim, as article spans."""
    return list(_quote_segments(claim.paragraph, claim.paragraph_start, claim.span, min_words))


@lru_cache(maxsize=8192)
def _quote_segments(paragraph: str, base: int, span: Span, min_words: int) -> tuple[Span, ...]:
    out = []
    claim = Claim("", span, "", np.zeros(0), paragraph=paragraph, paragraph_start=base)
    for lo, hi in quoted_regions(claim.paragraph):
        a, b = base + lo, base + hi
        if b <= claim.span.start or a >= claim.span.end:
            continue
        inner = claim.paragraph[lo:hi]
        if len(inner.split()) >= min_words:
            out.append(Span(a, b))
    return tuple(out)
