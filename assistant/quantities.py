"""Times, dates, years and figures stated in a sentence: read by the numeric and date conflict
rules, and by the answer composer (a sentence backs another only if its figures agree).

"18 months ago" and "last month", "14 October 2022", "1,200 troops" and "1200 troops": each is
read into a value that can be compared, so "the same figure written two ways" is no conflict.
"""

from __future__ import annotations

import datetime as dt
import re

from index.terms import STOPWORDS, stem

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
_UNIT_ALIASES = {"yrs": "year", "yr": "year", "percent": "%", "per cent": "%", "km": "kilometer"}


def years(text: str) -> frozenset[int]:
    return frozenset(int(y) for y in _YEAR.findall(text))


def full_dates(text: str) -> frozenset[tuple[int, int, int]]:
    """(year, month, day) of each full date stated; "31 February" is none."""
    out = set()
    for d1, m1, y1, m2, d2, y2 in _FULL_DATE.findall(text):
        day, month, year = (d1, m1, y1) if d1 else (d2, m2, y2)
        try:
            when = dt.date(int(year), _MONTHS.index(month.lower()) + 1, int(day))
        except ValueError:
            continue
        out.add((when.year, when.month, when.day))
    return frozenset(out)


_MONTH_ABBREVIATIONS = frozenset("jan feb mar apr jun jul aug sep sept oct nov dec".split())
_ORDINALS = frozenset({"st", "nd", "rd", "th"})
_DAY_MONTH = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b|\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b"
)


def day_months(text: str) -> frozenset[tuple[int, int]]:
    """(month, day) of each day of a month stated, with or without its year ("24 March")."""
    out = set()
    for d1, m1, m2, d2 in _DAY_MONTH.findall(text):
        day, month = (d1, m1) if d1 else (d2, m2)
        if 1 <= int(day) <= 31:
            out.add((_MONTHS.index(month.lower()) + 1, int(day)))
    return frozenset(out)


_MONTH_YEAR = re.compile(rf"\b{_MONTH},?\s+(\d{{4}})\b")


def month_years(text: str) -> frozenset[tuple[int, int]]:
    """(year, month) of each month stated with its year: "April 1993", "May, 2005"."""
    return frozenset(
        (int(year), _MONTHS.index(month.lower()) + 1) for month, year in _MONTH_YEAR.findall(text)
    )


def _number(token: str) -> float:
    token = token.lower()
    return float(_NUMWORDS[token]) if token in _NUMWORDS else float(token)


def days_ago(text: str) -> tuple[tuple[float, bool], ...]:
    """(days, is a lower bound) of each time stated relative to now ("over a year": a bound)."""
    out = [(_number(n) * _UNIT_DAYS[u.lower()], False) for n, u in _AGO.findall(text)]
    out += [(float(_UNIT_DAYS[u.lower()]), False) for u in _LAST.findall(text)]
    out += [(_number(n) * _UNIT_DAYS[u.lower()], True) for n, u in _OVER.findall(text)]
    return tuple(out)


def quantities(text: str) -> frozenset[tuple[str, float]]:
    """(unit stem, value) of each figure; "1,200" and "1200" are one value."""
    out = set()
    for value, unit in _QUANTITY.findall(text):
        unit = unit.lower()
        if _YEAR.fullmatch(value) and unit not in ("%",):
            continue  # a year, handled as a date
        if unit in _MONTHS or unit in _MONTH_ABBREVIATIONS or unit in _ORDINALS:
            continue  # "24 March", "3 Jan", "24th": a day of a month (see `day_months`)
        unit = _UNIT_ALIASES.get(unit, unit)
        if unit in STOPWORDS and unit != "%":
            continue
        number = _number(value) if value.lower() in _NUMWORDS else float(value.replace(",", ""))
        out.add((stem(unit) if unit != "%" else "%", number))
    return frozenset(out)


_SCALED = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?(k|thousand|m|mn|million|bn|billion)\b", re.I
)
_SCALES = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6}
_SCALES.update({"bn": 1e9, "billion": 1e9})


def scaled_figures(text: str) -> frozenset[int]:
    """Figures written with a scale, as numbers: "4m" and "4 million" are both 4,000,000."""
    # rounded: "1.07bn" and "1,070m" are one figure, whatever the floats make of them
    return frozenset(
        round(float(n.replace(",", "")) * _SCALES[scale.lower()])
        for n, scale in _SCALED.findall(text)
    )


def agree(x: str, y: str) -> bool:
    """Do two statements give the same figures, dates and years wherever both give one (for
    figures: of the same unit, or both written with a scale)? A near-copy with another figure
    is a disagreement, not corroboration. (Scaled figures are compared whatever they count:
    two that share none are not taken for agreement, which errs towards citing less.)"""
    qx, qy = quantities(x), quantities(y)
    for unit in {u for u, _ in qx} & {u for u, _ in qy}:
        if not {v for u, v in qx if u == unit} & {v for u, v in qy if u == unit}:
            return False
    sx, sy = scaled_figures(x), scaled_figures(y)
    if sx and sy and not sx & sy:
        return False
    for found in (full_dates, day_months, years):
        fx, fy = found(x), found(y)
        if fx and fy and not fx & fy:
            return False
    return True


_TOKEN = re.compile(r"\d[\d,.]*\d|[\w’'-]+")
_QUALIFIER_REACH = 6  # words either side of a figure that say what, where or when it is


def qualifiers(text: str, unit: str) -> set[str]:
    """Names and years within a few words of the figures of `unit` (a stem, or "%"): what
    the figure is of ("16.1% of the vote at the European elections": European, Union...).
    Words that open the sentence are left out: their capital proves nothing."""
    tokens = list(_TOKEN.finditer(text))
    out: set[str] = set()
    for m in _QUANTITY.finditer(text):
        found_unit = _UNIT_ALIASES.get(m.group(2).lower(), m.group(2).lower())
        if (stem(found_unit) if found_unit != "%" else "%") != unit:
            continue
        # the token where this figure stands (by position: a figure may occur twice)
        at = next((i for i, t in enumerate(tokens) if t.end() > m.start()), None)
        if at is None:
            continue
        for t in tokens[max(0, at - _QUALIFIER_REACH) : at + _QUALIFIER_REACH + 1]:
            word = t.group(0)
            if t.start() > 0 and (word[0].isupper() or _YEAR.fullmatch(word)):
                out.add(re.sub(r"[’']s$", "", word))
    return out


def same_slot(x: str, y: str) -> bool:
    """Are the differing figures of two statements figures of the same thing? Not when a name
    or year beside a figure in one is never mentioned in the other ("31% of the vote in
    Erewash" / "16.1% of the vote at the European elections")."""
    qx, qy = quantities(x), quantities(y)
    for unit in {u for u, _ in qx} & {u for u, _ in qy}:
        if _unmatched(qualifiers(x, unit), y) or _unmatched(qualifiers(y, unit), x):
            return False
    return True


def _unmatched(names: set[str], other: str) -> set[str]:
    """The names `other` never mentions (days, months and titles aside)."""
    said = {re.sub(r"[’']s$", "", w) for w in _TOKEN.findall(other)}
    return {n for n in names if n not in said and n.lower() not in _NOT_QUALIFIERS}


_NOT_QUALIFIERS = frozenset(
    "mr mrs ms dr monday tuesday wednesday thursday friday saturday sunday january february "
    "march april may june july august september october november december".split()
)
