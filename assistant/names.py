"""Names in text: the patterns that find people, places and organisations, and the capitalised
words that are no names (question words, sentence openers, weekdays).

Every stage that looks for names uses these. They differ on purpose, each by what its caller
needs: a follow-up carries whole names over ("Elon Musk"), a spelling check compares single
words of letters only, an attribution allows initials ("J. Kirby").
"""

from __future__ import annotations

import re

from index.terms import fold, terms

# A capitalised word: "Musk", "O’Brien", "Al-Jazeera".
_WORD = r"[A-Z][\w’'-]+"

CAPITALISED = re.compile(rf"\b{_WORD}")
# Capitalised words in a run, as one name: "Elon Musk", "Vladimir Putin".
NAME_RUN = re.compile(rf"\b{_WORD}(?:\s+{_WORD})*")
# A capitalised word that does not open a sentence (the opener's capital proves nothing).
MID_SENTENCE = re.compile(rf"(?<![.!?]\s)(?<!^)\b{_WORD}")
# A first and a last name.
FULL_NAME = re.compile(r"\b[A-Z][a-z]+ [A-Z][a-z]+\b")
# A place: a capitalised word after "in", "at", "near" or "from".
PLACE = re.compile(r"\b(in|at|near|from) (the )?[A-Z][a-z]+")
# One word of letters only, possessive kept: what the spelling check compares.
LETTERS_ONLY = re.compile(r"\b[A-Z][a-z]+(?:[’']s)?\b")
# A capitalised word with a lower-case letter in it: a name, not an acronym.
MIXED_CASE = re.compile(r"\b[A-Z][\w’'-]*[a-z][\w’'-]*")
# A capital after a lower-case word or a comma: a name, wherever the sentence starts.
AFTER_LOWER = re.compile(r"(?<=[a-z,;] )[A-Z][\w’'-]*")

# Letters a name needs for a one-letter difference to be a variant spelling of it ("Bremer",
# "Bremmer"); shorter names one letter apart are mostly different names.
SPELLING_VARIANT = 5

# Patterns for use inside other patterns (reported speech, lists of names):
PERSON = rf"{_WORD}(?:\s{_WORD})?"  # one or two words
SPEAKER = r"[A-Z][\w’'.-]*(?:\s[A-Z][\w’'.-]*){0,3}"  # up to four words, initials allowed

QUESTION_WORDS = frozenset(
    "what when where which who whom whose why how did does do is are was were can could "
    "should would will has have had according".split()
)
# Capitalised for being first, or for being a day, a month or a title: no name.
NOT_NAMES = frozenset(
    "the a an in on at but and or if he she it they we i his her its their this that these "
    "those when while after before as according speaking asked based last next since until "
    "monday tuesday wednesday thursday friday saturday sunday mr mrs ms dr "
    # months too: kept as names they pair unrelated figures ("31 March" / "March 2005"); the
    # price is that "Theresa May" loses "May"
    "january february march april may june july august september october november december".split()
)


def without_possessive(name: str) -> str:
    """'Musk’s' -> 'Musk'."""
    return re.sub(r"[’']s$", "", name)


# A word as it may be written in a name, any case: "Bremmer’s", "F-off", "O'Brien", "‘not’".
NAME_WORD = re.compile(r"\w[\w’'-]*")
_EDGES = "“”\"‘’'-"  # quotation marks, apostrophes and hyphens around a word


# Titles before a name ("Mr. Zelensky"): capitalised, but no name of their own.
TITLES = frozenset({"mr", "mrs", "ms", "dr"})


def name_key(word: str) -> str:
    """A name word as names are matched, whatever its apostrophes and quotes: quotation
    marks around it and a possessive dropped, folded ('‘Bremmer’s’' and "Bremmer's" ->
    'bremmer', "Russians’" -> 'russians')."""
    return fold(without_possessive(word.strip(_EDGES))).strip(_EDGES)


def name_keys(text: str) -> set[str]:
    """Every word of `text` as a name key, and each part of a hyphenated one ('F-off' gives
    'f-off', 'f' and 'off')."""
    keys = set()
    for match in NAME_WORD.finditer(text):
        key = name_key(match.group(0))
        keys.add(key)
        keys.update(part for part in key.split("-") if part)
    return keys


def fold_name(name: str) -> str:
    """A name as names are compared: possessive dropped, lower case, accents removed."""
    return fold(without_possessive(name.strip()))


def question_names(question: str) -> set[str]:
    """Stems of the capitalised words of a question (its people, places, organisations).

    The first word is capitalised because it comes first ("Roughly how many..."), so it only
    counts when it could be nothing but a name: an acronym or "McCain", "Kilroy-Silk".
    """
    first = question.lstrip(" \t\"'‘“(")
    tokens = [
        m.group(0)
        for m in CAPITALISED.finditer(first)
        if m.start() > 0 or any(ch.isupper() for ch in m.group(0)[1:])
    ]
    return {t for tok in tokens if tok.lower() not in QUESTION_WORDS for t in terms(tok)}


def is_question_word(name: str) -> bool:
    """Does this name start with a question word ("What", "Did Musk")?"""
    return name.split()[0].lower() in QUESTION_WORDS
