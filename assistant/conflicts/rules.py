"""One rule per kind of disagreement between two claims.

Each rule is precise rather than eager: a false alarm costs the user's trust more than a miss.
Every rule first needs the two claims to be about the same thing: close in meaning, naming a
common person, place or organisation, and sharing a content word beyond that.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from assistant.conflicts.claims import Claim, quote_segments
from assistant.conflicts.features import BREAK, Features, content_stems, features, is_negator, near
from assistant.conflicts.kinds import ConflictKind
from assistant.names import without_possessive
from index.records import Span
from index.terms import fold, one_edit, words


@dataclass(frozen=True)
class Finding:
    kind: ConflictKind
    summary: str
    a: Span  # a side in claim a's article
    b: Span  # a side in claim b's article
    strength: float  # for ranking: how close the two claims are


# Cosine similarity two claims need, per rule: the more a rule reads into wording, the closer.
SAME_TOPIC = 0.45  # to be compared at all (numbers and dates)
_DISPUTE_SIM = 0.5
_NEGATION_SIM = 0.55
_LIST_SIM = 0.35
# Words two quotations share in order, as a share of both lengths (difflib's ratio): a reworded
# quotation keeps most of its words in their order and about its length; two quotations of one
# speaker on one theme share words in any order, a short one scattered through a long one. The
# sample's reworded pairs score 0.45-0.78, bbc_dev's different quotations of one speaker
# 0.17-0.24: the cut lies between.
_QUOTE_OVERLAP = 0.4
_TIMES_APART = 3  # "18 months ago" against "last month": times this far apart differ
_YEARS_APART = 3  # different years this close: the same fact reported differently
_DATES_APART = 2  # ... and full dates whose years are this close
_SAME_PERSON = 4  # letters a last name needs to match a one-letter variant ("Bremer")


def _shared(fa: Features, fb: Features) -> tuple[frozenset[str], frozenset[str]]:
    names = fa.names & fb.names
    name_stems = {w for n in names for w in content_stems(n)}
    return names, (fa.stems & fb.stems) - name_stems


def _surface(text: str, stems: set[str] | frozenset[str], limit: int = 4) -> str:
    """The words of `text` whose stems are in `stems`, as written, in order."""
    out: list[str] = []
    for word in re.findall(r"\w+(?:[’']\w+)*", text):
        s = content_stems(word)
        word = without_possessive(word)
        if s & stems and word not in out:
            out.append(word)
    return ", ".join(out[:limit])


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _who(f: Features) -> str:
    return f.speaker.title() if f.speaker else "a report"


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _different_voices(a: Claim, b: Claim, fa: Features, fb: Features) -> bool:
    """Could the two claims disagree? Two reports can; within one article only two named
    voices can (one voice's two statements, or the narration's, are about different things)."""
    if a.source != b.source:
        return True
    return bool(fa.speaker and fb.speaker) and not _same_person(fa.speaker, fb.speaker)


def _occurrences(f: Features, stem_: str) -> list[int]:
    """Token positions of `stem_`; where it is negated, only its negated occurrences."""
    negated = stem_ in f.negated
    return [
        i
        for i, (s, _) in enumerate(f.tokens)
        if s == stem_
        and (not negated or any(is_negator(t) for t, _ in f.tokens[max(0, i - 4) : i]))
    ]


def _object(f: Features, i: int, window: int = 6) -> set[str]:
    """Content stems after position `i`, up to the end of the clause."""
    out = set()
    for s, _ in f.tokens[i + 1 : i + 1 + window]:
        if s == BREAK:
            break
        out.add(s)
    return out & (f.stems | {w for n in f.names for w in content_stems(n)})


def _subject(f: Features, i: int, window: int = 8) -> str | None:
    """The nearest capitalised name before position `i`."""
    for s, is_name in reversed(f.tokens[max(0, i - window) : i]):
        if is_name:
            return s
    return None


def _said_of_same(fa: Features, fb: Features, stem_: str) -> bool:
    """Is `stem_` said of the same subject and a compatible object in both claims?"""
    for i in _occurrences(fa, stem_):
        for j in _occurrences(fb, stem_):
            sa, sb = _subject(fa, i), _subject(fb, j)
            if sa and sb and sa != sb:
                continue
            oa, ob = _object(fa, i), _object(fb, j)
            if not oa or not ob or oa & ob:
                return True
    return False


_DENIED = re.compile(
    r"\b(?:den(?:y|ies|ied|ying)|refut\w*|reject\w*|dismiss\w*)\b(?P<what>.*)", re.I | re.S
)


def disputed_claim(a: Claim, b: Claim, sim: float) -> Finding | None:
    """One party asserts what another denies: the asserting side states the denied proposition."""
    fa, fb = features(a.text), features(b.text)
    if fa.denial == fb.denial or fa.question or fb.question or sim < _DISPUTE_SIM:
        return None
    denier, claimer = (a, b) if fa.denial else (b, a)
    fd, fc = features(denier.text), features(claimer.text)
    if fc.negated & fd.stems:
        return None  # the other side negates too: it agrees with the denial
    if fd.speaker and fc.speaker and _same_person(fd.speaker, fc.speaker):
        return None  # the denier repeating himself
    if not (fc.claim or fc.speaker):
        return None  # an assertion must come from someone
    what = _DENIED.search(denier.text)
    proposition = content_stems(what.group("what")) if what else fd.stems
    shared = proposition & (fc.stems | {s for s, _ in fc.tokens})
    if len(shared) < 2 or len(shared) < 0.5 * len(proposition):
        return None
    names, _ = _shared(fd, fc)
    if not names and len(shared) < 3:
        return None
    about = _surface(claimer.text, shared - {"claim"})
    summary = f"{_upper_first(_who(fc))} asserts what {_who(fd)} denies (about {about})."
    return Finding(ConflictKind.DISPUTED_CLAIM, summary, a.span, b.span, sim)


def negation_flip(a: Claim, b: Claim, sim: float) -> Finding | None:
    """The same subject and predicate, stated in one claim and negated in the other."""
    fa, fb = features(a.text), features(b.text)
    if fa.question or fb.question or sim < _NEGATION_SIM or not _different_voices(a, b, fa, fb):
        return None
    names, stems = _shared(fa, fb)
    # negated in one, not in the other, and said of the same thing in both
    flipped = {
        s for s in stems if (s in fa.negated) != (s in fb.negated) and _said_of_same(fa, fb, s)
    }
    # about the same thing: a shared name and another shared word, or three shared words
    others = len(stems - flipped)
    same_thing = (names and (others >= 1 or len(names) >= 2)) or others >= 3
    if not flipped or not same_thing:
        return None
    cues = fa.denial or fb.denial or fa.claim or fb.claim
    kind = ConflictKind.DISPUTED_CLAIM if cues else ConflictKind.FACTUAL
    neg, pos = (a, b) if flipped & fa.negated else (b, a)
    summary = (
        f"One report negates what the other affirms ({_surface(pos.text, flipped)}): "
        f"“{_short(neg.text, 70)}” against “{_short(pos.text, 70)}”."
    )
    return Finding(kind, summary, a.span, b.span, sim)


def _days_conflict(fa: Features, fb: Features) -> tuple[float, float] | None:
    for da, lower_a in fa.days_ago:
        for db, lower_b in fb.days_ago:
            lo, hi = sorted((da, db))
            if (lower_a and da < db) or (lower_b and db < da):
                continue  # "over a year" is compatible with anything longer
            if lo > 0 and hi / lo >= _TIMES_APART:
                return da, db
    return None


def _days_label(days: float) -> str:
    for unit, size, floor in (("year", 365, 730), ("month", 30, 28), ("week", 7, 14)):
        if days >= floor:
            n = round(days / size)
            return f"about {n} {unit}{'s' if n != 1 else ''} ago"
    return f"about {round(days)} day{'s' if round(days) != 1 else ''} ago"


_TIME_WORDS = {"ago", "last", "past", "previous", "day", "week", "month", "year"}


def _same_event(fa: Features, fb: Features, names: frozenset[str], stems: frozenset[str]) -> bool:
    """A shared verb or noun with a shared name next to it and a time expression near it, in
    both claims ("spoke to Putin ... 18 months ago" / "conversation with Putin last month")."""
    name_stems = {t for n in names for t in content_stems(n)}
    return any(
        all(near(f, e, name_stems, 4) and near(f, e, _TIME_WORDS, 9) for f in (fa, fb))
        for e in stems - _TIME_WORDS
    )


def numbers_and_dates(a: Claim, b: Claim, sim: float) -> Finding | None:
    """Different times, years or quantities for the same slot."""
    fa, fb = features(a.text), features(b.text)
    if fa.question or fb.question or sim < SAME_TOPIC or not _different_voices(a, b, fa, fb):
        return None
    names, stems = _shared(fa, fb)
    if names and fa.dates and fb.dates and not fa.dates & fb.dates and _close_dates(fa, fb):
        summary = f"Different dates for the same thing: {_show_dates(fa)} versus {_show_dates(fb)}."
        return Finding(ConflictKind.DATE, summary, a.span, b.span, sim)
    if not names or not stems:
        return None
    days = _days_conflict(fa, fb)
    if days and _same_event(fa, fb, names, stems):
        summary = (
            f"The reports put the same event at different times: "
            f"{_days_label(days[0])} versus {_days_label(days[1])}."
        )
        return Finding(ConflictKind.DATE, summary, a.span, b.span, sim)
    years = {str(y) for y in fa.years | fb.years}
    same_slot = any(all(near(f, e, years, 8) for f in (fa, fb)) for e in stems)
    close = any(0 < abs(x - y) <= _YEARS_APART for x in fa.years for y in fb.years)
    if fa.years and fb.years and not fa.years & fb.years and close and same_slot:
        summary = (
            f"Different years for the same thing: {', '.join(map(str, sorted(fa.years)))} "
            f"versus {', '.join(map(str, sorted(fb.years)))}."
        )
        return Finding(ConflictKind.DATE, summary, a.span, b.span, sim)
    units_a = {u for u, _ in fa.quantities}
    for unit in sorted(units_a & {u for u, _ in fb.quantities}):
        va = {v for u, v in fa.quantities if u == unit}
        vb = {v for u, v in fb.quantities if u == unit}
        if not va & vb and (unit in stems or unit == "%" or len(stems) >= 2):
            # the unit as the first report writes it ("passengers"), not its stem
            shown = "%" if unit == "%" else f" {_surface(a.text, {unit}, 1) or unit}"
            summary = (
                f"Different figures for the same thing: "
                f"{', '.join(f'{v:g}{shown}' for v in sorted(va))} versus "
                f"{', '.join(f'{v:g}{shown}' for v in sorted(vb))}."
            )
            return Finding(ConflictKind.NUMERIC, summary, a.span, b.span, sim)
    return None


def _close_dates(fa: Features, fb: Features) -> bool:
    """Two dates a few days or years apart: the same fact reported differently."""
    return any(abs(x[0] - y[0]) <= _DATES_APART for x in fa.dates for y in fb.dates)


def _show_dates(f: Features) -> str:
    import datetime as dt

    return ", ".join(dt.date(*d).strftime("%-d %B %Y") for d in sorted(f.dates))


def differing_lists(a: Claim, b: Claim, sim: float) -> Finding | None:
    """Two lists of the same things (places, people) that do not match."""
    fa, fb = features(a.text), features(b.text)
    if sim < _LIST_SIM:
        return None
    for la in fa.lists:
        for lb in fb.lists:
            if len(la & lb) >= 2 and la != lb:

                def show(items: frozenset[str]) -> str:
                    return ", ".join(sorted(i.title() for i in items))

                summary = (
                    f"The lists differ: one names {len(la)} ({show(la)}), "
                    f"the other {len(lb)} ({show(lb)})."
                )
                strength = sim + 0.05 * len(fa.stems & fb.stems)
                return Finding(ConflictKind.FACTUAL, summary, a.span, b.span, strength)
    return None


def _in_order(wx: list[str], wy: list[str]) -> float:
    """Twice the words matched in order, over both lengths (0..1)."""
    return difflib.SequenceMatcher(a=wx, b=wy, autojunk=False).ratio()


def _excerpt(wx: list[str], wy: list[str]) -> bool:
    """Is one word list a run of the other: a shorter excerpt of the same quotation?"""
    short, long_ = sorted((wx, wy), key=len)
    n = len(short)
    return any(long_[i : i + n] == short for i in range(len(long_) - n + 1))


def _material_difference(x: str, y: str) -> bool:
    wx, wy = words(x), words(y)
    if _excerpt(wx, wy):
        return False
    only_x = [w for w in set(wx) - set(wy) if not any(one_edit(w, v) for v in wy)]
    only_y = [w for w in set(wy) - set(wx) if not any(one_edit(w, v) for v in wx)]
    return bool(only_x or only_y)


def quote_wording(a: Claim, b: Claim, sim: float) -> Finding | None:
    """The same quotation given in materially different words."""
    fa, fb = features(a.text), features(b.text)
    if fa.speaker and fb.speaker and not _same_person(fa.speaker, fb.speaker):
        return None
    text_a = {s: _article_slice(a, s) for s in quote_segments(a)}
    text_b = {s: _article_slice(b, s) for s in quote_segments(b)}
    best: tuple[float, Span, Span] | None = None
    for sa, qa in text_a.items():
        for sb, qb in text_b.items():
            overlap = _in_order(words(qa), words(qb))
            material = fold(qa) != fold(qb) and _material_difference(qa, qb)
            if overlap >= _QUOTE_OVERLAP and material and (best is None or overlap > best[0]):
                best = (overlap, sa, sb)
    if best is None:
        return None
    who = (fa.speaker or fb.speaker or "").title() or "the same speaker"
    qa, qb = text_a[best[1]], text_b[best[2]]
    summary = f"The reports quote {who} in different words: {_short(qa, 60)} / {_short(qb, 60)}"
    return Finding(ConflictKind.QUOTE_WORDING, summary, best[1], best[2], best[0])


def _article_slice(claim: Claim, span: Span) -> str:
    lo = span.start - claim.paragraph_start
    return claim.paragraph[lo : lo + span.end - span.start]


def _same_person(x: str, y: str) -> bool:
    """Same last name, allowing a one-letter spelling variant (Bremer / Bremmer)."""
    last_x, last_y = x.split()[-1], y.split()[-1]
    shortest = min(len(last_x), len(last_y))
    return last_x == last_y or (shortest >= _SAME_PERSON and one_edit(last_x, last_y))


RULES = (disputed_claim, numbers_and_dates, differing_lists, negation_flip, quote_wording)
