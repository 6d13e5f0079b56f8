"""HTML for the web chat, built from escaped text only.

Every piece of article text, every question and every answer goes through `html.escape`
before it meets markup, so an article containing `<script>` or `<img onerror=...>` is shown
as those characters and runs nothing. The only markup is what this module writes.
"""

from __future__ import annotations

import re
from collections import Counter
from html import escape
from pathlib import Path

from assistant import Answer, Citation, Conflict, ConflictKind, ConflictSide
from index.loader import strip_bidi
from ui.confusables import mark_confusables

CONTEXT = 220  # characters of article shown on each side of a quoted span
_MARKER = re.compile(r"\[(\d+)\]")
_BLANKS = re.compile(r"\s*\n\s*")  # context lines are shown without the blank lines
KIND_LABEL = {
    ConflictKind.DISPUTED_CLAIM: "Disputed claim",
    ConflictKind.FACTUAL: "Factual disagreement",
    ConflictKind.NUMERIC: "Different figures",
    ConflictKind.DATE: "Different dates or times",
    ConflictKind.OUTDATED: "Outdated report",
    ConflictKind.QUOTE_WORDING: "Quote worded differently",
    ConflictKind.NAME_SPELLING: "Name spelled differently",
}

CSS = """
.na-turn { margin: 0 0 1.2em 0; }
.na-q { font-weight: 600; margin-bottom: .3em; white-space: pre-wrap; }
.na-a { white-space: pre-wrap; line-height: 1.5; }
.na-a a.na-cite { font-weight: 600; text-decoration: none; padding: 0 1px; }
.na-passage { border-left: 3px solid #999; padding: .3em .6em; margin: .4em 0;
  white-space: pre-wrap; font-size: .92em; }
.na-passage:target, .na-passage.na-active { outline: 3px solid #f0a020; }
.na-passage mark { background: #ffe28a; color: inherit; }
.na-meta { font-size: .85em; opacity: .8; }
.na-conflicts { border: 2px solid #d9534f; border-radius: 6px; padding: .5em .8em; margin: .6em 0; }
.na-conflicts h4 { margin: 0 0 .4em 0; color: #d9534f; }
.na-sides { display: flex; gap: .8em; flex-wrap: wrap; }
.na-sides > div { flex: 1 1 18em; min-width: 0; }
.na-refused { font-style: italic; }
"""


def display_source(source: str) -> str:
    """How a source is shown: an absolute path below the working folder relative to it, any
    other absolute path as its file name, anything else as given; never with bidirectional
    control characters (a right-to-left override can make "x\u202etxt.exe" read as another
    name).

    A source is the article's id and stays exact in the API; on screen, the layout of the
    machine serving the chat is of no use to the reader and should not be shown to them.
    Letters that only look Latin are marked (`st⟨а U+0430⟩le.txt`, see `ui.confusables`).
    """
    return mark_confusables(strip_bidi(_shown_path(source)))


def display_title(title: str) -> str:
    """A title as shown: without bidirectional control characters."""
    return strip_bidi(title)


# an absolute path in a message: starts with "/" not preceded by a word, a dot, ":" or "/"
_ABSOLUTE = re.compile(r"(?<![\w.:/~])/[^\s:;,'\"()<>]+")


def scrub_paths(message: str) -> str:
    """A message with every absolute path in it shown as `display_source` shows a source
    (relative to the working folder, or the bare name), so errors do not show the layout of
    the serving machine."""
    return _ABSOLUTE.sub(lambda m: display_source(m.group(0)), strip_bidi(message))


def _shown_path(source: str) -> str:
    path = Path(source)
    if not path.is_absolute():
        return source
    try:
        here = Path.cwd()
    except OSError:  # the working folder was deleted
        return path.name or source
    if path.is_relative_to(here) and path != here:
        return str(path.relative_to(here))
    return path.name or source


def source_choices(sources: list[str]) -> list[tuple[str, str]]:
    """(label, source) pairs for a picker; a label two sources share is replaced by the full
    source, so the reader can still tell them apart."""
    labels = [display_source(s) for s in sources]
    shared = Counter(labels)
    return [
        (label if shared[label] == 1 else source, source)
        for label, source in zip(labels, sources, strict=True)
    ]


def _meta(title: str, published: str | None, source: str) -> str:
    date = f" · {escape(published)}" if published else ""
    shown = escape(display_source(source))
    return f'<div class="na-meta"><b>{escape(display_title(title))}</b>{date} · {shown}</div>'


def passage(text: str, start: int, end: int) -> str:
    """The quoted span highlighted within its surrounding text, all escaped."""
    lo, hi = max(0, start - CONTEXT), min(len(text), end + CONTEXT)
    before, quote, after = text[lo:start], text[start:end], text[end:hi]
    lead = "…" if lo > 0 else ""
    tail = "…" if hi < len(text) else ""
    before, after = _BLANKS.sub("\n", before), _BLANKS.sub("\n", after)
    return f"{lead}{escape(before)}<mark>{escape(quote)}</mark>{escape(after)}{tail}"


def answer_text(answer: Answer, anchor: str) -> str:
    """The answer, escaped, with each [n] a link to its passage."""
    ids = {c.id for c in answer.citations}

    def link(match: re.Match) -> str:
        n = int(match.group(1))
        if n not in ids:
            return match.group(0)
        return f'<a class="na-cite" href="#{anchor}-c{n}" data-cite="{anchor}-c{n}">[{n}]</a>'

    return _MARKER.sub(link, escape(answer.answer))


def citation_block(c: Citation, text: str, anchor: str) -> str:
    return (
        f'<div class="na-passage" id="{anchor}-c{c.id}"><b>[{c.id}]</b> '
        f"{_meta(c.title, c.published, c.source)}{passage(text, c.start, c.end)}</div>"
    )


def side_block(side: ConflictSide, text: str, title: str, published: str | None) -> str:
    marker = f"<b>[{side.citation}]</b> " if side.citation else ""
    return (
        f'<div class="na-passage">{marker}{_meta(title, published, side.source)}'
        f"{passage(text, side.start, side.end)}</div>"
    )


def conflicts_block(conflicts: list[Conflict] | tuple[Conflict, ...], article) -> str:
    """The clearly marked disagreement panel: kind, summary, both sides side by side."""
    if not conflicts:
        return ""
    parts = ['<div class="na-conflicts"><h4>⚠ Sources disagree</h4>']
    for c in conflicts:
        sides = []
        for side in c.sides:
            view = article(side.source)
            sides.append(f"<div>{side_block(side, view.text, view.title, view.published)}</div>")
        parts.append(
            f'<div class="na-conflict"><div><b>{escape(KIND_LABEL[c.kind])}</b>: '
            f'{escape(c.summary)}</div><div class="na-sides">{"".join(sides)}</div></div>'
        )
    parts.append("</div>")
    return "".join(parts)


def turn(question: str, answer: Answer, article, anchor: str) -> str:
    """One question and its answer, with sources (and disagreements) under it."""
    cls = "na-a" if answer.answerable else "na-a na-refused"
    body = [
        f'<div class="na-turn"><div class="na-q">Q: {escape(question)}</div>',
        f'<div class="{cls}">{answer_text(answer, anchor)}</div>',
        mode_note(answer),
    ]
    cited = answer.citations or answer.nearest
    if cited:
        label = "Sources" if answer.citations else "Nearest passages"
        body.append(f"<details open><summary>{label} ({len(cited)})</summary>")
        for c in cited:
            body.append(citation_block(c, article(c.source).text, anchor))
        body.append("</details>")
    body.append(conflicts_block(answer.conflicts, article))
    body.append("</div>")
    return "".join(body)


def pending(question: str, partial: str = "") -> str:
    """A turn still being answered: the tokens so far, or a search note."""
    body = (
        f"{escape(partial)}<i> (writing; checked against the sources when done)</i>"
        if partial
        else "<i>Searching the articles…</i>"
    )
    return (
        f'<div class="na-turn"><div class="na-q">Q: {escape(question)}</div>'
        f'<div class="na-a">{body}</div></div>'
    )


def mode_note(answer: Answer) -> str:
    if answer.mode == "llm":
        return (
            '<div class="na-meta">Written by the language model; checked against the sources.</div>'
        )
    if answer.mode == "extractive_fallback":
        return (
            '<div class="na-meta">The generated answer was replaced by quoted sentences: '
            f"{escape(answer.notice)}</div>"
        )
    return ""


NOTHING_INDEXED = (
    "<p>No articles are indexed yet, so there is nothing to compare. Upload some in the "
    "Articles tab, then press Refresh.</p>"
)


def corpus_conflicts(conflicts: list[Conflict], article, indexed: bool = True) -> str:
    """The Disagreements tab; `indexed` is False when the corpus holds no article at all."""
    if not indexed:
        return NOTHING_INDEXED
    if not conflicts:
        return "<p>No disagreements found between the indexed articles.</p>"
    out, kind = [], None
    for c in conflicts:
        if c.kind != kind:
            kind = c.kind
            out.append(f"<h3>{escape(KIND_LABEL[kind])}</h3>")
        out.append(conflicts_block([c], article))
    return "".join(out)
