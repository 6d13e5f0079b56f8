"""What the conflict rules compare about a sentence: its words, names, speaker, denials and
claims, negations, times, dates, figures and lists.

Everything here is plain regular expressions over the exact sentence text, cached by text:
cheap enough to run on every question's evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant import quantities
from assistant.answer.attribution import speaker
from assistant.names import AFTER_LOWER, MIXED_CASE, NOT_NAMES, PERSON, fold_name
from index.terms import STOPWORDS, fold, stem, words

# Communication verbs and nouns name the same event ("spoke", "talked", "conversation").
_SYNONYMS = {"talk": "speak", "convers": "speak", "discuss": "speak", "chat": "speak"}
NEGATORS = frozenset(
    {"not", "no", "never", "neither", "nor", "without", "none", "cannot", "excluding", "except"}
)
# Words that frame a statement (who said or denied it) rather than say what it is about.
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
# Who the narrator reports: "Musk said ...", "Musk has denied ...", "according to Bremmer".
_REPORTING = (
    r"(?:has\s+|had\s+|also\s+|then\s+|is\s+|was\s+)?"
    r"(?:said|says|told|wrote|writes|tweeted|tweets|denied|denies|claimed|claims|insisted|"
    r"insists|added|reiterated|stated|argued|maintained|suggested|(?:sticking|standing) by)\b"
)
_REPORTER = re.compile(
    rf"(?P<who>{PERSON})(?:,\s(?P<app>[^,]{{1,80}}),)?,?\s+{_REPORTING}"
    rf"|\b[Aa]ccording to (?P<who2>{PERSON})"
)
_PERSON_ONLY = re.compile(rf"{PERSON}$")
_LIST = re.compile(rf"{PERSON}(?:,\s{PERSON})*,?\s(?:and|or)\s{PERSON}")


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
            days_ago=quantities.days_ago(text),
            years=quantities.years(text),
            dates=quantities.full_dates(text),
            quantities=quantities.quantities(text),
            lists=tuple(
                frozenset(fold_name(i) for i in re.split(r",\s|,?\s(?:and|or)\s", m.group(0)))
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
        return fold_name(found[0])
    for match in _REPORTER.finditer(text):
        app = match.group("app")
        # "Ian Bremer, president of ..., claimed" / "ambassador to Germany, Andrei Melnik, wrote"
        name = app if app and _PERSON_ONLY.match(app) else match.group("who") or match.group("who2")
        who = fold_name(name or "")
        if who and who.split()[-1] not in NOT_NAMES:
            return who
    return None


BREAK = "|"  # stands for clause punctuation in `Features.tokens`


def _tokens(text: str) -> list[tuple[str, bool]]:
    """(stem, is a name) per word, BREAK per clause mark. A capital at the start of the
    sentence or after a quotation mark proves nothing, so such a word is no name there
    unless it is capitalised elsewhere in the sentence too."""
    out = []
    capitalised_later = {m.group(0) for m in AFTER_LOWER.finditer(text)}
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
            and folded not in NOT_NAMES
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


def _names(text: str) -> frozenset[str]:
    out = set()
    for match in MIXED_CASE.finditer(text):
        name = fold_name(match.group(0))
        if name not in NOT_NAMES and len(name) > 1:
            out.add(name)
    return frozenset(out)


_NEGATOR_STEMS = frozenset(stem(w) for w in NEGATORS)


def is_negator(token: str) -> bool:
    """Is this word (or stem) a negation?"""
    return token in NEGATORS or token in _NEGATOR_STEMS or token.endswith("n't")


_COPULAS = frozenset({"remain", "stay", "seem", "become", "appear", "even", "yet", "really"})
_NEGATED_REACH = 4  # words after a negator searched for the word it negates


def _negated(text: str) -> frozenset[str]:
    """Stems of the word each negator negates (the first content word after it)."""
    tokens = re.findall(r"\w+n't|\w+", fold(text))
    out = set()
    for i, token in enumerate(tokens):
        if is_negator(token) and not (token == "not" and tokens[i + 1 : i + 2] == ["only"]):
            for nxt in tokens[i + 1 : i + 1 + _NEGATED_REACH]:
                if nxt not in STOPWORDS and nxt not in _COPULAS:
                    s = stem(nxt)
                    out.add(_SYNONYMS.get(s, s))
                    break
    return frozenset(out)
