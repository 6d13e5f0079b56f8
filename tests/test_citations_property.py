"""Property: for generated articles, every citation is an exact span of its article."""

from __future__ import annotations

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
