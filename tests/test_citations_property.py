"""Property: for generated articles, every citation is an exact span of its article."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant import Assistant, Settings

SENTENCES = st.sampled_from(
    [
        "The council approved a “green” budget of 1,200 euros on Monday.",
        "Mayor Anna Kowalska said the plan was “a first step” — not the last.",
        "Critics\u00a0called it naïve 😀 and wasteful.",
        "The vote was 7\u20134, officials said.",
        "“We will appeal,” the opposition leader told reporters.\r\n",
        "Flooding closed the river road for 18 months.",
        "Dr. Lee, of the U.S. agency, disagreed.",
    ]
)
QUESTIONS = st.sampled_from(
    [
        "What budget did the council approve?",
        "What did the mayor say?",
        "How did the vote go?",
        "Who disagreed?",
        "What closed the river road?",
        "What is the price of gold?",
    ]
)


@st.composite
def articles(draw) -> str:
    body = [draw(SENTENCES) for _ in range(draw(st.integers(1, 12)))]
    seps = [draw(st.sampled_from([" ", "\n", "\r\n\r\n", "\n\n", " \u00a0"])) for _ in body]
    return "Local news\r\n\r\n" + "".join(s + sep for s, sep in zip(body, seps, strict=True))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(articles(), min_size=1, max_size=3), question=QUESTIONS)
def test_citations_are_exact(embedder, texts, question):
    bot = Assistant(Settings(store_path=None), embedder=embedder)
    for i, text in enumerate(texts):
        bot.add_document(text, source=f"gen-{i}.txt")
    answer = bot.ask(question)
    stored = {f"gen-{i}.txt": t for i, t in enumerate(texts)}
    for c in (*answer.citations, *answer.nearest):
        assert stored[c.source][c.start : c.end] == c.quote
        assert bot.article(c.source).text == stored[c.source]
    if answer.answerable:
        assert answer.citations
        for c in answer.citations:
            assert f"[{c.id}]" in answer.answer


EDITS = st.sampled_from(
    [
        ("1,200 euros", "1,500 euros"),
        ("Monday", "Tuesday"),
        ("Anna Kowalska", "Maria Nowak"),
        ("river road", "river bridge"),
        ("18 months", "8 months"),
        ("7\u20134", "6\u20135"),
        ("", ""),  # an identical copy
    ]
)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=articles(), edit=EDITS, question=QUESTIONS, crlf=st.booleans())
def test_citations_and_sides_are_exact_with_syndicated_copies(embedder, text, edit, question, crlf):
    """A report and a copy of it (edited in one figure, date, name or place, or not at all,
    and with other line endings): every citation and conflict side stays exact, and the copy
    is never cited as a second source agreeing with the same sentence."""
    copy = text.replace(*edit) if edit[0] else text
    if crlf:
        copy = copy.replace("\r\n", "\n")
    bot = Assistant(Settings(store_path=None), embedder=embedder)
    bot.add_document(text, source="report.txt")
    bot.add_document(copy, source="copy.txt")
    stored = {"report.txt": text, "copy.txt": copy}
    answer = bot.ask(question)
    sides = [s for c in answer.conflicts for s in c.sides]
    corpus_sides = [s for c in bot.conflicts() for s in c.sides]
    for c in (*answer.citations, *answer.nearest, *sides, *corpus_sides):
        assert stored[c.source][c.start : c.end] == c.quote
    # the answer's statements: no sentence is cited twice, once in each copy, as agreement
    cited = {c.id: " ".join(c.quote.split()) for c in answer.citations}
    for line in answer.answer.splitlines():
        if line.startswith(("Sources disagree:", "One report:")):
            continue
        quotes = [cited[int(n)] for n in re.findall(r"\[(\d+)\]", line) if int(n) in cited]
        assert len(quotes) == len(set(quotes)), answer.answer
