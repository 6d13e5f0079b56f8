"""The grounding check every generated answer must pass before a user sees it.

Each sentence carries a citation; each citation exists; each sentence is supported by what it
cites (its numbers and names appear there, and most of its content words); nothing the
evidence only attributes to someone is stated as fact; and both sides of every disagreement
the prompt listed are cited. Anything else falls back to the extractive answer.

Citation markers belong to the sentence they end or follow: "... space. [1]", "... space [1].",
"[1][2]" and "[1, 2]" all cite. They are taken out before the answer is cut into sentences, so
a marker after a full stop never starts (or is) a sentence of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import syntok.segmenter as segmenter

from assistant.answer.attribution import quoted_regions
from assistant.conflicts.features import content_stems, reporter
from assistant.names import (
    CAPITALISED,
    MID_SENTENCE,
    NOT_NAMES,
    SPELLING_VARIANT,
    TITLES,
    name_key,
    name_keys,
    without_possessive,
)
from index.terms import STOPWORDS, one_edit

# One group of markers and the blanks before it: " [1]", "[1][2]", " [1, 2]", "[1], [3]".
_GROUP = r"\[\d+(?:\s*[,;]\s*\d+)*\]"
_MARKERS = re.compile(rf"[ \t]*{_GROUP}(?:[ \t]*,?[ \t]*{_GROUP})*")
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
_REFUSAL = re.compile(r"\b(articles do not say|do not say|does not say|not mentioned)\b", re.I)
_QUOTE_MARKS = '“”"‘'  # (’ is mostly an apostrophe)
_LINE = re.compile(r"[^\r\n]+")
_OPENS = re.compile(r"\s+[“\"‘(\[]?[A-Z]")  # white space, then a sentence's first capital
_NEXT_WORD = re.compile(rf"\s+({CAPITALISED.pattern})")
_FIRST_WORD = re.compile(rf"[“\"‘(\[]*({CAPITALISED.pattern})")
_NAME_PAIR = re.compile(rf"({CAPITALISED.pattern})\s+(?=({CAPITALISED.pattern}))")
_LOWER_START = re.compile(r"[“\"‘(\[]*[a-z]")
# Words that report speech or a claim whoever says them. (Not "reports", "states", "notes",
# "maintain": "a firm that reports on economies" reports nothing.)
_REPORTING = re.compile(
    r"\b(?:[Aa]ccording to|said|says|say|told|tells|claim(?:s|ed)?|alleg(?:es|ed|edly)|"
    r"reportedly|insist(?:s|ed)?|den(?:y|ies|ied)|tweet(?:s|ed)?|wrote|writes|added)\b"
)
SUPPORT = 0.6  # share of a sentence's content words that must be in what it cites
# Evidence that talks to the model is not evidence of anything (prompt injection).
_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|prompt|rules|above)\b"
    r"|\b(you must|you should|assistant,|system prompt|answer (that|with|only))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""


@dataclass
class Sentence:
    """One sentence of an answer, its markers taken out."""

    text: str
    quoted: bool  # inside quotation marks (perhaps opened in an earlier sentence)
    # (offset in `text`, cited numbers) per marker group, in order
    groups: list[tuple[int, list[int]]] = field(default_factory=list)

    @property
    def markers(self) -> list[int]:
        return [n for _, numbers in self.groups for n in numbers]

    def clauses(self) -> list[tuple[str, list[int]]]:
        """The text each marker group cites: up to it from the group before; text after
        the last group belongs to the last."""
        out: list[tuple[str, list[int]]] = []
        start = 0
        for offset, numbers in self.groups:
            out.append((self.text[start:offset], numbers))
            start = offset
        if out:
            out[-1] = (out[-1][0] + self.text[start:], out[-1][1])
        return out


@dataclass(frozen=True)
class _Source:
    """One sentence of a piece of evidence."""

    text: str
    stems: frozenset[str]
    attributed: bool  # reports speech or a claim, or sits inside a quotation
    who: str | None  # the speaker it names, folded


def sentences(answer: str) -> list[Sentence]:
    """The answer's sentences, each with the marker groups that end or follow it."""
    kept: list[str] = []
    marks: list[tuple[int, list[int]]] = []  # (offset in the text without markers, numbers)
    ends: set[int] = set()  # offsets where a marker ends a sentence: "... Ukraine [3] Asked"
    at = length = 0
    for match in _MARKERS.finditer(answer):
        kept.append(answer[at : match.start()])
        length += match.start() - at
        marks.append((length, [int(n) for n in re.findall(r"\d+", match.group(0))]))
        if _OPENS.match(answer, match.end()):
            ends.add(length)
        at = match.end()
    kept.append(answer[at:])
    text = "".join(kept)
    spans = []
    for a, b in _spans(text):  # cut where a marker ended a sentence with no full stop
        for cut in sorted(e for e in ends if a < e < b):
            spans.append((a, cut))
            a = cut + len(text[cut:b]) - len(text[cut:b].lstrip())
        spans.append((a, b))
    spans = [(a, b) for a, b in spans if any(ch.isalnum() for ch in text[a:b])]
    if not spans:
        return []
    groups: list[list[tuple[int, list[int]]]] = [[] for _ in spans]
    for offset, numbers in marks:
        # the last sentence starting at or before the marker: the one it ends or follows
        i = max([k for k, (a, _) in enumerate(spans) if a <= offset] or [0])
        groups[i].append((offset, numbers))
    # A sentence cut off before a lower-case start ("years. [years]. I write ...") where
    # the writer put no marker is one sentence with what follows: the segmenter erred.
    k = 0
    while k + 1 < len(spans):
        if not groups[k] and _LOWER_START.match(text, spans[k + 1][0]):
            spans[k : k + 2] = [(spans[k][0], spans[k + 1][1])]
            groups[k : k + 2] = [groups[k + 1]]
        else:
            k += 1
    regions = quoted_regions(text)
    out = []
    for (a, b), found in zip(spans, groups, strict=True):
        quoted = any(q in text[a:b] for q in _QUOTE_MARKS) or any(
            lo < b and a < hi for lo, hi in regions
        )
        clipped = [(min(max(offset - a, 0), b - a), numbers) for offset, numbers in found]
        out.append(Sentence(text[a:b], quoted, clipped))
    return out


def _spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans as syntok finds them, cut at line breaks too (and never merged)."""
    spans = []
    for line in _LINE.finditer(text):
        for paragraph in segmenter.analyze(line.group(0)):
            starts = [s[0].offset for s in paragraph if s]
            for start, end in zip(starts, [*starts[1:], len(line.group(0))], strict=True):
                piece = line.group(0)[start:end]
                a = line.start() + start + (len(piece) - len(piece.lstrip()))
                b = line.start() + start + len(piece.rstrip())
                if a < b:
                    spans.append((a, b))
    return spans


def is_refusal(text: str, evidence: dict[int, str] | None = None) -> bool:
    """Does the model say, in words of its own, that the evidence does not answer? A
    sentence that says so and cites evidence saying the same ("Kirby does not say who
    decides") is a quotation, not a refusal."""
    found = sentences(text)
    if not found:
        return bool(_REFUSAL.search(text))
    evidence = evidence or {}
    for sentence in found:
        said = _REFUSAL.search(sentence.text)
        if said and not any(
            said.group(0).lower() in evidence.get(n, "").lower() for n in sentence.markers
        ):
            return True
    return False


def attributed_evidence(quote: str) -> bool:
    """Does this text report speech or a claim (rather than state a fact): a quotation, a
    reporting word ("said", "according to"), or a named speaker? The answer's sentences are
    held to the same test, so a copy of the evidence passes it."""
    return any(q in quote for q in '“”"') or bool(_REPORTING.search(quote) or reporter(quote))


@lru_cache(maxsize=4096)
def _sources(quote: str) -> tuple[_Source, ...]:
    """The sentences of a piece of evidence; one inside a quotation opened in an earlier
    sentence counts as quoted even where it has no quotation mark of its own."""
    regions = quoted_regions(quote)
    out = []
    for a, b in _spans(quote):
        text = quote[a:b]
        inside = any(lo < a and b <= hi for lo, hi in regions)
        out.append(
            _Source(text, content_stems(text), inside or attributed_evidence(text), reporter(text))
        )
    return tuple(out)


def check(answer: str, evidence: dict[int, str], conflicts: list[tuple[int, int]]) -> Verdict:
    """Is `answer` grounded in `evidence` ({citation number: quoted text})? `conflicts`: the
    pairs of evidence numbers the prompt listed as disagreeing; both of each must be cited."""
    text = answer.strip()
    found = sentences(text)
    if not found:
        return Verdict(False, "the model returned an empty answer")
    full_names = _full_names(" ".join(evidence.values()))
    cited_anywhere: set[int] = set()
    previous: set[str] = set()  # who the sentence before reported
    for sentence in found:
        body = sentence.text
        short = body if len(body) < 80 else body[:77] + "..."
        markers = sentence.markers
        if not markers:
            return Verdict(False, f"a sentence has no citation: “{short}”")
        unknown = [n for n in markers if n not in evidence]
        if unknown:
            return Verdict(False, f"cites [{unknown[0]}], which is not among the evidence")
        if all(_INSTRUCTION.search(evidence[n]) for n in markers):
            return Verdict(False, f"cites only evidence that gives instructions: “{short}”")
        cited_anywhere.update(markers)
        cited = " ".join(evidence[n] for n in dict.fromkeys(markers))
        problem = _unsupported(body, cited, full_names)
        if problem:
            return Verdict(False, f"{problem} in “{short}”")
        who = _reporters(sentence)
        if not who and (sentence.quoted or attributed_evidence(body)):
            who = previous  # "He added ...", or a quotation that goes on
        for clause, numbers in sentence.clauses():
            source = _best_source(clause or body, [evidence[n] for n in numbers])
            if source and source.attributed and not _attributes(sentence, who, source):
                return Verdict(False, f"states as fact what the evidence attributes: “{short}”")
        previous = who
    for a, b in conflicts:
        if not {a, b} <= cited_anywhere:
            return Verdict(
                False,
                f"the sources disagree ([{a}] vs [{b}]) but the answer does not give both sides",
            )
    return Verdict(True)


def _unsupported(body: str, cited: str, full_names: set[tuple[str, str]]) -> str | None:
    cited_numbers = {n.replace(",", "") for n in _NUMBER.findall(cited)}
    for number in _NUMBER.findall(body):
        if number.replace(",", "").rstrip(".") not in cited_numbers:
            return f"the number {number} is not in the cited text"
    cited_names = name_keys(cited)
    text = body.strip()
    for word, end in _names(text):
        name = name_key(word)
        if not name or name in STOPWORDS or name in TITLES:
            continue  # "Is", "The", "Mr": capitalised, but no name
        if _named_in(name, cited_names):
            continue
        # a first name put before a surname the cited text has, as the evidence writes the
        # person in full elsewhere ("Elon Musk" for the "Musk" of [2])
        after = _NEXT_WORD.match(text, end)
        surname = name_key(after.group(1)) if after else ""
        if (name, surname) in full_names and _named_in(surname, cited_names):
            continue
        return f"the name {word} is not in the cited text"
    own = content_stems(body)
    if own:
        found = own & content_stems(cited)
        if len(found) < SUPPORT * len(own):
            return "most of it is not in the cited text"
    return None


def _names(text: str) -> list[tuple[str, int]]:
    """(word, where it ends) for the capitalised words of a sentence that are names: those
    after its first word, and the first word too when a possessive or another capitalised
    word ("Hunter Musk") shows it is one."""
    found = [(m.group(0), m.end()) for m in MID_SENTENCE.finditer(text)]
    first = _FIRST_WORD.match(text)
    if first and first.group(1).lower() not in NOT_NAMES:
        word = first.group(1)
        if without_possessive(word) != word or _NEXT_WORD.match(text, first.end()):
            found.insert(0, (word, first.end()))
    return found


def _full_names(text: str) -> set[tuple[str, str]]:
    """(first, last) name keys of the capitalised word pairs the evidence writes."""
    return {(name_key(m.group(1)), name_key(m.group(2))) for m in _NAME_PAIR.finditer(text)}


def _named_in(name: str, cited: set[str]) -> bool:
    """Is the name written in the cited text: as it is, part by part ("Al-Jazeera", "Al
    Jazeera"), or one letter off for a long name ("Bremer", "Bremmer")?"""
    if name in cited or all(part in cited for part in name.split("-") if part):
        return True
    return len(name) >= SPELLING_VARIANT and any(one_edit(name, w) for w in cited)


def _best_source(clause: str, quotes: list[str]) -> _Source | None:
    """The evidence sentence a clause draws on most (the most content words shared, for
    their number on both sides); None when it shares none."""
    own = content_stems(clause)
    best, score = None, 0.0
    for quote in quotes:
        for source in _sources(quote):
            shared = len(own & source.stems)
            if shared:
                f1 = 2 * shared / (len(own) + len(source.stems))
                if f1 > score:
                    best, score = source, f1
    return best


def _reporters(sentence: Sentence) -> set[str]:
    """Who the sentence reports, in the whole or in any clause ("Bremer claimed ... [2];
    Musk denied it ... [1]")."""
    parts = [sentence.text, *(c for c, _ in sentence.clauses()), *sentence.text.split(";")]
    return {who for part in parts if (who := reporter(part))}


def _attributes(sentence: Sentence, who: set[str], source: _Source) -> bool:
    """Does the sentence say who said it: the evidence's speaker (when it names one) as the
    speaker the sentence reports, or else a reporting word or a quotation?"""
    if source.who:
        return any(_same_person(source.who, w) for w in who)
    return sentence.quoted or attributed_evidence(sentence.text)


def _same_person(a: str, b: str) -> bool:
    a, b = a.split()[-1], b.split()[-1]
    return a == b or (min(len(a), len(b)) >= SPELLING_VARIANT and one_edit(a, b))
