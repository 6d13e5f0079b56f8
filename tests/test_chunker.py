"""Chunks and sentences always point at exact spans, whatever the text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from index.chunker import chunk_article, sentence_at, split_sentences
from index.records import Article

WORDS = st.sampled_from(
    [
        "Musk",
        "said",
        "“peace”",
        "plan",
        "—",
        "18",
        "months",
        "ago.",
        "Kyiv’s",
        "\u00a0",
        "😀",
        "U.S.",
        "Dr.",
        "e.g.",
        "(1)",
        "…",
        '"quoted"',
        "end.",
        "Why?",
        "Yes!",
        "naïve",
    ]
)
SEPARATORS = st.sampled_from([" ", " ", "\n", "\r\n", "\r\n\r\n", "\n\n", "\t", "\u00a0"])


@st.composite
def article_texts(draw) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 80))):
        parts.append(draw(WORDS))
        parts.append(draw(SEPARATORS))
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(article_texts(), st.text(min_size=1, max_size=400)))
def test_chunk_and_sentence_offsets_are_exact(text):
    if not text.strip():
        return
    article = Article(source="gen.txt", title="t", text=text)
    for chunk in chunk_article(article, max_chars=120, overlap=1):
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.text.strip() == chunk.text and chunk.text
        for s in chunk.sentences:
            assert chunk.start <= s.start < s.end <= chunk.end
            assert text[s.start : s.end].strip() == text[s.start : s.end]


@settings(max_examples=200, deadline=None)
@given(text=article_texts())
def test_every_word_is_in_some_chunk(text):
    if not text.strip():
        return
    article = Article(source="gen.txt", title="t", text=text)
    chunks = chunk_article(article, max_chars=100, overlap=1)
    covered = set()
    for c in chunks:
        covered.update(range(c.start, c.end))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(article_texts(), st.text(min_size=1, max_size=300)))
def test_sentence_at_agrees_with_splitting_the_whole_text(text):
    spans = split_sentences(text, 60)
    holder = {o: s for s in spans for o in range(s.start, s.end)}
    for offset in range(len(text)):
        assert sentence_at(text, offset, 60) == holder.get(offset)


def test_chunk_ids_derive_from_content():
    a = Article(source="a.txt", title="t", text="One sentence here today. Another one follows it.")
    assert [c.id for c in chunk_article(a)] == [c.id for c in chunk_article(a)]
    b = Article(source="a.txt", title="t", text=a.text + " A third sentence is added now.")
    assert chunk_article(a)[0].id != chunk_article(b)[0].id


def test_sentences_of_news_prose():
    text = (
        "“I only spoke to Putin once,” Musk wrote. “The topic was space.” "
        "Kirby said nothing more about the matter."
    )
    spans = [text[s.start : s.end] for s in split_sentences(text)]
    # the four-word quotation stays with the sentence that says who spoke it
    assert spans[0] == "“I only spoke to Putin once,” Musk wrote. “The topic was space.”"
    assert spans[1] == "Kirby said nothing more about the matter."
