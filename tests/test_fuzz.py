"""Fuzzing with hypothesis: the loader and chunker on random bytes and Unicode, and the
question path on random strings. Every input indexes, is skipped with a reason, or gets a
clear error; nothing else escapes."""

from __future__ import annotations

import json
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant import InputError
from index.chunker import chunk_article
from index.errors import LoadError
from index.loader import SUPPORTED_SUFFIXES, parse_bytes
from index.records import Article

SUFFIXES = st.sampled_from(SUPPORTED_SUFFIXES)


def _check(articles: list[Article]) -> None:
    for article in articles:
        article.text.encode("utf-8")  # the store can keep it
        for chunk in chunk_article(article, max_chars=300):
            assert article.text[chunk.start : chunk.end] == chunk.text
            for s in chunk.sentences:
                assert chunk.start <= s.start < s.end <= chunk.end


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=2000), suffix=SUFFIXES)
def test_loader_on_random_bytes(raw, suffix):
    try:
        _check(parse_bytes(raw, f"fuzz{suffix}", suffix))
    except LoadError as exc:
        assert str(exc)


LINE_ENDS = st.sampled_from(["\n", "\r\n", "\r", "\u2028", "\x0b", "\x1c", "\x85"])


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.tuples(st.text(max_size=80), LINE_ENDS), max_size=20), suffix=SUFFIXES)
def test_loader_on_random_unicode_with_mixed_line_ends(parts, suffix):
    text = "".join(t + e for t, e in parts)
    raw = text.encode("utf-8", "surrogatepass")
    try:
        _check(parse_bytes(raw, f"fuzz{suffix}", suffix))
    except LoadError as exc:
        assert str(exc)


@settings(max_examples=100, deadline=None)
@given(title=st.text(max_size=30), body=st.text(max_size=200))
def test_json_with_any_escapes_including_lone_surrogates(title, body):
    raw = json.dumps({"title": title, "text": body}).encode("ascii")  # \\udXXX escapes survive
    try:
        _check(parse_bytes(raw, "fuzz.json", ".json"))
    except LoadError as exc:
        assert str(exc)


def test_lone_surrogate_and_nul_are_refused():
    raw = b'{"title": "t", "text": "bad \\ud800 text"}'
    try:
        parse_bytes(raw, "s.json", ".json")
        raise AssertionError("accepted a lone surrogate")
    except LoadError as exc:
        assert "lone surrogate" in str(exc)
    try:
        parse_bytes(b'{"title": "t", "text": "nul \\u0000 here"}', "n.json", ".json")
        raise AssertionError("accepted NUL")
    except LoadError as exc:
        assert "NUL" in str(exc)


def test_one_megabyte_single_line_is_chunked_quickly():
    line = ("word " * 200_000).encode()  # 1 MB, no line break, no full stop
    started = time.perf_counter()
    articles = parse_bytes(line, "big.txt", ".txt")
    chunks = chunk_article(articles[0], max_chars=600)
    assert time.perf_counter() - started < 60
    assert chunks and all(len(c.text) <= 600 for c in chunks)
    assert articles[0].text[chunks[-1].start : chunks[-1].end] == chunks[-1].text


QUESTIONS = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "",
            "   ",
            "?!?",
            "…",
            "\x00\x01",
            "x" * 100_000,
            "Что сказал Маск?",
            "マスクは何と言いましたか",
            "ماذا قال ماسك؟",
            "👍👍",
            "\ud800 lone",
        ]
    ),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(question=QUESTIONS)
def test_any_question_gets_an_answer_or_a_clear_error(sample_bot, question):
    try:
        answer = sample_bot.ask(question)
    except InputError as exc:
        assert str(exc)
        return
    for c in (*answer.citations, *answer.nearest):
        assert sample_bot.article(c.source).text[c.start : c.end] == c.quote
    for conflict in answer.conflicts:
        for side in conflict.sides:
            assert sample_bot.article(side.source).text[side.start : side.end] == side.quote
