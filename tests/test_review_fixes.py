"""Regressions found in review: impossible dates, sync from '.', unreadable JSONL under
sync, str documents with bad Unicode, unreadable question files, history=None, dates given
to add_document, a stale article view."""

from __future__ import annotations

import os

import pytest
from conftest import assert_exact

from assistant import Assistant, InputError, Settings
from assistant.evaluate.questions import load_questions


def test_impossible_date_is_ignored_not_a_crash(memory_bot):
    memory_bot.add_document("A\n\nPutin met Biden in Geneva on 31 February 2021.", "a.txt")
    memory_bot.add_document("B\n\nPutin met Biden in Geneva on 16 June 2021.", "b.txt")
    # the same sentence with a real date is read as the publication date; the impossible one
    # is left unparsed rather than rolled over into March
    published = {a.source: a.published for a in memory_bot.articles()}
    assert published == {"a.txt": None, "b.txt": "2021-06-16"}
    for conflict in memory_bot.conflicts():
        for side in conflict.sides:
            assert memory_bot.article(side.source).text[side.start : side.end] == side.quote
    answer = memory_bot.ask("When did Putin meet Biden in Geneva?")
    assert answer.answerable and "Geneva" in answer.answer
    assert_exact(memory_bot, answer)


def test_sync_from_the_current_folder(memory_bot, tmp_path):
    (tmp_path / "a.txt").write_text("A\n\nThe harbour reopened on Monday.", "utf-8")
    (tmp_path / "b.txt").write_text("B\n\nThe bridge closed on Tuesday.", "utf-8")
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        memory_bot.index(["."], sync=True)
        (tmp_path / "b.txt").unlink()
        report = memory_bot.index(["."], sync=True)
    finally:
        os.chdir(here)
    assert report.removed == ("b.txt",)
    assert [a.source for a in memory_bot.articles()] == ["a.txt"]


def test_sync_keeps_entries_of_an_unreadable_jsonl(memory_bot, tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"title": "T1", "text": "One."}\n{"title": "T2", "text": "Two."}\n', "utf-8")
    memory_bot.index([tmp_path], sync=True)
    feed.write_text("{broken\n", "utf-8")
    report = memory_bot.index([tmp_path], sync=True)
    assert report.removed == () and len(report.skipped) == 1
    assert len(memory_bot.articles()) == 2


def test_add_document_rejects_bad_text_clearly(memory_bot):
    for text in ("A lone \ud800 surrogate.", "A NUL \x00 here.", None):
        with pytest.raises(InputError):
            memory_bot.add_document(text, "x.txt")
    with pytest.raises(InputError, match="not a date"):
        memory_bot.add_document("Fine text here.", "d.txt", published="soon")
    memory_bot.add_document("Fine text here.", "d.txt", published="March 3, 2024")
    assert memory_bot.articles()[0].published == "2024-03-03"


def test_unreadable_question_file(tmp_path):
    bad = tmp_path / "q.jsonl"
    bad.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(InputError, match="cannot read question file"):
        load_questions(bad)
    with pytest.raises(InputError, match="cannot read question file"):
        load_questions(tmp_path)


def test_history_none_is_no_history(sample_bot):
    assert sample_bot.ask("What kind of firm is Eurasia Group?", history=None).answerable


def test_answer_is_exact_after_another_process_replaces_an_article(embedder, tmp_path):
    settings = Settings(store_path=tmp_path / "store", store_refresh_seconds=60)
    reader, writer = (Assistant(settings, embedder=embedder) for _ in range(2))
    reader.add_document("Bridge news\n\nThe Harbour Bridge reopened on Monday.", "bridge.txt")
    reader.corpus.refresh()
    reader.ask("When did the Harbour Bridge reopen?")
    writer.add_document(
        "Bridge news, corrected version with a longer headline\n\n"
        "Officials now say the Harbour Bridge reopened to traffic on Tuesday.",
        "bridge.txt",
    )
    answer = reader.ask("When did the Harbour Bridge reopen?")  # reader's state is stale
    for c in (*answer.citations, *answer.nearest):
        assert reader.article(c.source).text[c.start : c.end] == c.quote
