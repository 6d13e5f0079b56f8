"""Expected answer types: what kind of value a question asks for ("how many": a number, "when":
a date, "who": a name), and the values of that kind a sentence states that the question does
not already hold.

Regular expressions rather than a statistical tagger: spaCy's small English model finds the
same numbers, money, dates and names here, but tagging every candidate sentence at question
time cost about 10 ms a sentence on this machine, ten times the rest of `ask`, and tagging at
index time would change the store's format. The patterns are generic English (no corpus
words), and the wh-word rules are the textbook answer types.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from assistant.names import NAME_RUN, NOT_NAMES, QUESTION_WORDS
from assistant.quantities import days_ago, full_dates, month_years, years
from index.terms import stem


class AnswerType(Enum):
    NUMBER = "number"  # how many, how much (not money), what majority, what score
    MONEY = "money"  # how much did it cost, what price
    PERCENT = "percent"  # what share
    DATE = "date"  # when, what year, which day
    DURATION = "duration"  # how long, how often
    NAME = "name"  # who, which film / company / constituency


# Leading words that do not change what is asked: "And who beat him?", "According to X, how".
_LEAD = re.compile(r"^\s*(?:(?:and|but|so|then|also)\b[\s,]*|according to [^,?]+,\s*)+", re.I)
_AUXILIARIES = "did|does|do|is|are|was|were|can|could|has|have|had|will|would|should"
# the words a question opens with ("according" opens a lead, stripped before)
_ASKING = rf"(?:{'|'.join(sorted(QUESTION_WORDS - {'according'}))})\b"
_QUESTION_START = re.compile(rf"^{_ASKING}", re.I)
# A statement before the question ("X is a journalist. When was X born?"): up to the last
# sentence end that a question word follows. The stop must follow three lower-case letters, an
# acronym ("the BBC."), a digit or a bracket, so "Dr. Who" and "Mrs. Hogg" end no sentence.
_PREAMBLE = re.compile(
    rf"^.*(?:(?-i:[a-z]{{3}}|[A-Z]{{2,}})|\d|\))[.!;:]\s+(?={_ASKING})", re.I | re.S
)
_MONEY_WORDS = re.compile(
    r"\b(money|cost|costs|price|pay|paid|spend|spent|fee|fees|earn|earned|earnings|make|made|"
    r"take|taken|takings|took|worth|raise|raised|collect|collected|prize money|budget|sell for|"
    r"sold for|charge|charged|fine)\b",
    re.I,
)
# "What is the maximum height of ...?" asks for a measurement, a figure like "how far". (Not
# "range" or "area": "the range of products", "which area".)
_MEASURED = (
    r"\b(?:what|which) (?:is|was|are|were) (?:the |its |their )?(?:\w+ ){0,2}(?:height|length|"
    r"width|depth|weight|distance|speed|population|capacity|diameter|altitude)\b"
)
_HOW_MEASURED = r"\bhow (?:big|large|far|high|tall|wide|deep|heavy|fast)\b"
_MEASUREMENT = re.compile(rf"{_HOW_MEASURED}|{_MEASURED}", re.I)


def is_measurement(question: str) -> bool:
    """Does the question ask for a measurement ("how tall")? Its figures are not compared:
    without the unit, "330m" (metres) and "330 metres" would differ."""
    return bool(_MEASUREMENT.search(question))


# "What is the name of his father?", "What was her birth name?" ask for a name.
_NAME_OF = re.compile(
    r"^(?:what|which) (?:is|was|are|were) (?:the )?(?:\w+ ){0,2}names? of\b|"
    r"^(?:what|which) (?:is|was|are|were) (?:(?!of\b)[\w'’.-]+ ){0,4}(?:birth|real|full|maiden|"
    r"stage|pen) name\s*\??\s*$",
    re.I,
)
_RULES: tuple[tuple[AnswerType, re.Pattern[str]], ...] = (
    (AnswerType.PERCENT, re.compile(r"\b(what|which) (share|percentage|proportion)\b", re.I)),
    (AnswerType.DURATION, re.compile(r"\bhow (long|often)\b", re.I)),
    (
        AnswerType.MONEY,
        re.compile(
            r"\bwhat (price|fee|fine|cost|salary)\b|\bwhat (is|was|will be) the (price|fee|fine|"
            r"cost)\b|\bwhat does .+ cost\b",
            re.I,
        ),
    ),
    (
        AnswerType.NUMBER,
        re.compile(
            rf"\bhow (many|much|old)\b|{_HOW_MEASURED}|\bby (how much|what margin)\b|"
            r"\bwhat (size|majority|number|total|figure|amount|score|margin|age)\b|"
            rf"\bwhat (was|is|were) the (score|margin|total|figure|size)\b|{_MEASURED}",
            re.I,
        ),
    ),
    (
        AnswerType.DATE,
        re.compile(
            r"^(when|by when|since when)\b|\b(what|which) (date|day|year|month|time)\b|"
            r"\bwhat was the (last|first) day\b",
            re.I,
        ),
    ),
    (AnswerType.NAME, re.compile(r"^(who|whom|whose)\b|\bwho\b", re.I)),
    (AnswerType.NAME, _NAME_OF),
    (
        AnswerType.NAME,
        re.compile(
            rf"^(which|what) (?!(?:{_AUXILIARIES}|happened|happens)\b)(\w+\s){{0,3}}?(film|movie|"
            r"company|firm|council|party|team|"
            r"programme|program|show|constituency|seat|country|city|town|club|newspaper|channel|"
            r"band|album|song|book|game|player|actor|actress|designer|minister|leader|analyst|"
            r"organisation|organization|group|agency|network|court|judge|director|mp|politician|"
            r"candidate|spokesman|spokeswoman|chairman|chairwoman|executive|boss|coach|manager|"
            r"captain|president|singer|writer|author|artist|winner)s?\b",
            re.I,
        ),
    ),
)


def expected_type(question: str) -> AnswerType | None:
    """The kind of value the question asks for; None for "what", "why", yes/no and the rest."""
    asked = asked_part(question)
    for kind, pattern in _RULES:
        if pattern.search(asked):
            if kind is AnswerType.NUMBER and re.search(r"\bhow much\b", asked, re.I):
                return AnswerType.MONEY if _MONEY_WORDS.search(asked) else kind
            return kind
    return None


@lru_cache(maxsize=64)  # shapes ask it once per candidate sentence of the same question
def asked_part(question: str) -> str:
    """The question itself, without a statement before it or words that change nothing."""
    asked = _LEAD.sub("", question.strip())
    if _QUESTION_START.match(asked):  # "Who wrote Brexit: What Happens Next?" is one question
        return asked
    return _LEAD.sub("", _PREAMBLE.sub("", asked))


_YES_NO = re.compile(rf"^(?:{_AUXILIARIES})\b", re.I)


def is_yes_no(question: str) -> bool:
    """Is it a yes/no question ("Was he born in 1213?")? Not when it asks for a value: "Can you
    tell me who won?" wants a name."""
    return bool(_YES_NO.match(asked_part(question))) and expected_type(question) is None


_SCALE = r"(?:\s?(?:m|bn|k|million|billion|trillion|thousand)\b)?"
_AMOUNT = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred dozen half"
).split()
_WORDS = "|".join(_NUMBER_WORDS)
# a count said roughly ("dozens of people"): it answers "how many" but compares with nothing
_ROUGH = ("dozens", "scores", "hundreds", "thousands", "millions")
_ROUGHLY = re.compile(rf"\b(?:{'|'.join(_ROUGH)})(?= of\b)", re.I)
_MONEY = re.compile(
    rf"[£$€¥]\s?(?:{_AMOUNT}){_SCALE}|\b(?:{_AMOUNT}){_SCALE}\s?(?:pounds|dollars|euros|yen)\b",
    re.I,
)
_PERCENT = re.compile(rf"\b(?:{_AMOUNT})\s?(?:%|per ?cent\b)", re.I)
_NUMBER = re.compile(
    rf"(?<![\w£$€¥.,])(?:{_AMOUNT}){_SCALE}(?![\w%])|\b(?:{_WORDS})(?:[\s-](?:{_WORDS}))*"
    rf"(?:\s(?:million|billion|thousand|hundred))?\b",
    re.I,
)
# Month names only capitalised: "may" and "march" are verbs.
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_CLOCK = r"\b\d{1,2}:\d\d\b|\b\d{3,4} (?i:gmt|bst)\b"  # a time of day
_DATE = re.compile(  # a time of day first: "1700 GMT" is no year
    rf"{_CLOCK}|"
    rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?\s)?(?:{_MONTHS})(?:\s\d{{1,2}}(?:st|nd|rd|th)?)?"
    rf"(?:,?\s\d{{4}})?\b|\b(?:1[5-9]\d\d|20\d\d)\b|(?i:\b(?:{_DAYS})\b|\b(?:yesterday|"
    rf"today|tomorrow|tonight)\b|\b(?:last|next|this) (?:week|month|year|spring|summer|autumn|"
    rf"winter)\b|\b(?:the )?end of (?:the )?(?:year|month)\b)|\b(?:the )?[Ee]nd of (?:{_MONTHS})\b"
)
_DURATION = re.compile(
    rf"\b(?:{_AMOUNT}|{_WORDS}|a|an|a few|several)\s(?:seconds?|minutes?|hours?|days?|weeks?|"
    rf"months?|years?|decades?)\b|\bevery (?:\w+ ){{0,2}}(?:seconds?|minutes?|hours?|days?|"
    rf"weeks?|months?|years?)\b",
    re.I,
)
_PATTERNS = {
    AnswerType.MONEY: (_MONEY,),
    AnswerType.PERCENT: (_PERCENT,),
    AnswerType.NUMBER: (_MONEY, _PERCENT, _NUMBER, _ROUGHLY),
    AnswerType.DATE: (_DATE,),
    AnswerType.DURATION: (_DURATION, _DATE),
}
# "How often?" asks for a rate ("every 10 seconds", "twice a year"), not a span of time
_HOW_OFTEN = re.compile(r"\bhow often\b", re.I)
_RATE = re.compile(
    r"\bevery (?:\w+ ){0,2}(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?)\b|"
    rf"\b(?:once|twice|(?:\d+|{_WORDS}) times) (?:a|an|per|every) (?:\w+ )?(?:seconds?|minutes?|"
    r"hours?|days?|weeks?|months?|years?|decades?|season|term)\b|"
    r"\b(?:hourly|daily|weekly|monthly|yearly|annually)\b",
    re.I,
)
# "What day?", "which date?" ask for a day, not a time of day ("by 1700 GMT")
_ASKS_DAY = re.compile(
    r"^(?!.*\btime\b).*(?:\b(?:what|which) (?:day|date)\b|\b(?:last|first) day\b)", re.I
)
_WORD = re.compile(r"[\w£$€%]+")
_POSSESSIVE = re.compile(r"['’]s\b")


def _words(text: str) -> list[str]:
    """Lower-case words; a possessive "'s" is no word of its own ("Apple's" is "apple")."""
    return [w.lower() for w in _WORD.findall(_POSSESSIVE.sub("", text))]


# the kinds that are figures (compared by value; a date inside a sentence is none of them)
FIGURE_TYPES = (AnswerType.NUMBER, AnswerType.MONEY, AnswerType.PERCENT)
# the kinds of value an answer states and sources are compared on: figures, dates and spans
VALUE_TYPES = (*FIGURE_TYPES, AnswerType.DATE, AnswerType.DURATION)


@dataclass(frozen=True)
class Value:
    """A value of the asked-for kind, where it stands in the sentence."""

    text: str
    start: int
    end: int
    kind: AnswerType
    # False for a value that answers but is not compared: the whole a part is counted in ("two"
    # in "one of its two members", asked "how many of"), a rate, a measurement ("330m": metres
    # or millions?)
    compared: bool = True

    @property
    def key(self) -> str | None:
        """The value as compared across sentences ("£4bn" and "£4 bn" are one value); None
        when it cannot be compared safely ("the end of March" against "a few months")."""
        if not self.compared:
            return None
        if self.kind in FIGURE_TYPES:
            return None if self.text.lower() in _ROUGH else normalise(self.text)
        if self.kind is AnswerType.NAME:
            return " ".join(self.text.lower().replace("-", " ").split())
        if self.kind is AnswerType.DURATION:
            days = days_ago(f"{self.text} ago")
            return f"{days[0][0]:g} days" if days else None
        dates, years_ = full_dates(self.text), years(self.text)
        if dates:
            year, month, day = min(dates)
            return f"{year}-{month:02d}-{day:02d}"
        months = month_years(self.text)
        if months:  # "April 1993"
            year, month = min(months)
            return f"{year}-{month:02d}"
        return str(min(years_)) if years_ and self.text.strip().isdigit() else None


# "How many" asks for a count: a measurement ("six kilometres", "31%", "$5m") counts no things,
# unless the question asks for things of that measure ("how many minutes").
_HOW_MANY = re.compile(r"\bhow many\b", re.I)
_MEASURE = re.compile(
    r"\s?(?:%|per ?cent\b|(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|"
    r"centur(?:y|ies)|(?:kilo|centi|milli)?met(?:re|er)s?|km|miles?|feet|foot|inch(?:es)?|yards?|"
    r"(?:kilo)?grams?|kg|tonnes?|tons?|pounds|lbs?|ounces?|litres?|liters?|gallons?|acres?|"
    r"hectares?|degrees?|mph|kph|mbps|kbps|gb|mb|tb|ghz|mhz|megabytes?|gigabytes?|"
    r"megabits?|watts?|volts?|yen|dollars?|euros?|pence|cents?)\b)",
    re.I,
)


_HOW_MANY_OF = re.compile(r"\bhow many of\b", re.I)
# "world number one", "No 2 seed": a place in a ranking, not a count
_RANK = re.compile(r"\b(?:number|no\.?)\s$", re.I)


def after_rank(text: str, start: int) -> bool:
    """Does the figure starting at `start` follow "number" or "No" (a rank, or a name)?"""
    return bool(_RANK.search(text, 0, start))


# "one of its two members", "three of the 12 judges": the figure after "of" is the whole
_PART_OF = re.compile(
    rf"\b(?:\d+|{_WORDS}) of (?:its|their|his|her|our|the|all|those|these)?\s?$", re.I
)


def _counts_things(sentence: str, end: int, asked: set[str]) -> bool:
    """Is the figure ending at `end` a count, not a measurement the question does not ask?
    `asked`: the stems of the question's words (by stem: "one day" answers "how many days")."""
    after = _MEASURE.match(sentence, end)
    return not after or bool({stem(w) for w in _words(after.group(0))} & asked)


def values(sentence: str, question: str, kind: AnswerType | None) -> list[Value]:
    """The values of `kind` the sentence states that the question does not already state."""
    if kind is None:
        return []
    asked = set(_words(question))
    found: list[Value] = []
    # "how many of the members...": the part is asked, so the whole is not compared
    partitive = kind is AnswerType.NUMBER and bool(_HOW_MANY_OF.search(question))
    how_often = _HOW_OFTEN.search(question) is not None
    uncompared = how_often or is_measurement(question)
    if kind is AnswerType.NAME:
        matches = [m for m in NAME_RUN.finditer(sentence) if _is_name(m.group(0))]
    elif kind is AnswerType.NUMBER and _HOW_MANY.search(question):
        asked_stems = {stem(w) for w in asked}
        matches = [
            m
            for p in (_NUMBER, _ROUGHLY)
            for m in p.finditer(sentence)
            if _counts_things(sentence, m.end(), asked_stems)
            and not after_rank(sentence, m.start())
        ]
    elif kind is AnswerType.DURATION and how_often:
        matches = list(_RATE.finditer(sentence))
    else:
        matches = [m for p in _PATTERNS[kind] for m in p.finditer(sentence)]
    if kind is AnswerType.DATE and _ASKS_DAY.search(question):
        matches = [m for m in matches if not re.fullmatch(_CLOCK, m.group(0))]
    if matches and kind in FIGURE_TYPES:  # no number word of a name, no day or year of a date
        dates = [m.span() for m in _DATE.finditer(sentence)]
        matches = [
            m
            for m in matches
            if not _in_a_name(sentence, m)
            and not any(a < m.end() and m.start() < b for a, b in dates)
        ]
    for m in sorted(matches, key=lambda m: (m.start(), -m.end())):
        words = _words(m.group(0))
        if not words or all(w in asked for w in words):
            continue  # the question's own value ("in 2005", "Kilroy-Silk") answers nothing
        if found and m.start() < found[-1].end:
            continue  # inside a longer match already taken
        whole = partitive and bool(_PART_OF.search(sentence, 0, m.start()))
        found.append(Value(m.group(0), m.start(), m.end(), kind, not (whole or uncompared)))
    return found


def _in_a_name(sentence: str, m: re.Match[str]) -> bool:
    """Is a number word part of a name ("the Six Nations", "Formula One")? Written with a
    capital inside the sentence, it is; opening the sentence, its capital proves nothing, and
    "Six Britons were killed" is a count."""
    if not m.group(0)[:1].isupper():
        return False
    return bool(sentence[: m.start()].strip(" \"'“‘("))


def _is_name(run: str) -> bool:
    words = run.split()
    return not (len(words) == 1 and (words[0].lower() in NOT_NAMES | QUESTION_WORDS))


_SCALES = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "million": 1e6,
    "bn": 1e9,
    "billion": 1e9,
    "trillion": 1e12,
}
_UNITS_WORDS = dict(zip(_NUMBER_WORDS[:19], range(1, 20), strict=True))
_UNITS_WORDS.update({"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60})
_UNITS_WORDS.update({"seventy": 70, "eighty": 80, "ninety": 90, "dozen": 12})
_CURRENCY_WORDS = {"pound": "£", "dollar": "$", "euro": "€", "yen": "¥"}


def normalise(text: str) -> str:
    """A comparable form: numbers as one figure ("4m", "four million", "4,000,000" agree;
    "£4bn" and "4 billion pounds" too), everything else lower case with single spaces."""
    low = " ".join(text.lower().replace("-", " ").split())
    m = re.search(r"(\d[\d,]*(?:\.\d+)?)\s?(k|thousand|m|million|bn|billion|trillion)?\b", low)
    if m:
        number = float(m.group(1).replace(",", "")) * _SCALES.get(m.group(2) or "", 1)
    else:
        number = _spelled(low)
        if number is None:
            return low
    unit = "%" if "%" in low or "per cent" in low or "percent" in low else ""
    currency = next((c for c in "£$€¥" if c in low), "")
    currency = currency or next((c for w, c in _CURRENCY_WORDS.items() if w in low), "")
    return f"{currency}{number!r}{unit}"


def _spelled(low: str) -> float | None:
    """A number written in words: "three hundred thousand" -> 300000.0."""
    total = current = 0.0
    seen = False
    for word in low.split():
        if word in _UNITS_WORDS:
            current += _UNITS_WORDS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        elif word in ("thousand", "million", "billion", "trillion"):
            total += (current or 1) * _SCALES[word]
            current = 0.0
        elif word == "half":
            current += 0.5
        else:
            continue
        seen = True
    return total + current if seen else None
