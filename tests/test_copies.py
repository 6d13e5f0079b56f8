"""Syndicated copies: real articles (the sample corpus) and copies of them edited here.

Real parts: the real MiniLM model, real Chroma, the real answer and conflict stages. The six
near-copies are `bench/near_copies.py`'s cases, so the figures in the README are this test's.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import AMN, CNN, ROOT, SAMPLE

from assistant import Assistant, Settings
from assistant.conflicts.copies import aligned, difference, one_report
from index.duplicates import CopyGroups, estimate, group, shingles, signature, signatures

sys.path.insert(0, str(ROOT / "bench"))
import near_copies  # the benchmark's cases are the test's

ORIGINAL = (SAMPLE / CNN).read_text(encoding="utf-8")
OTHER = (SAMPLE / AMN).read_text(encoding="utf-8")


# -- finding copies ----------------------------------------------------------------------------


def test_copies_are_grouped_and_separate_reports_of_one_event_are_not():
    edited = ORIGINAL.replace("for the past 24 years", "for the past 19 years")
    extended = "From our wire service\n\n" + ORIGINAL + "\n\nThis report was updated."
    sigs = dict(
        zip(
            ["cnn.txt", "edited.txt", "extended.txt", "amn.txt"],
            signatures([ORIGINAL, edited, extended, OTHER]),
            strict=True,
        )
    )
    assert estimate(sigs["cnn.txt"], sigs["edited.txt"]) > 0.9
    assert estimate(sigs["cnn.txt"], sigs["amn.txt"]) < 0.2  # the same story, written twice
    groups = group(sigs, {"extended.txt": "2022-10-11", "cnn.txt": None})
    assert groups.groups == (("extended.txt", "cnn.txt", "edited.txt"),)  # the dated one leads
    assert groups.same_report("edited.txt", "extended.txt")
    assert not groups.same_report("cnn.txt", "amn.txt")
    assert groups.group_of("amn.txt") == ("amn.txt",)
    assert (signature(ORIGINAL) == sigs["cnn.txt"]).all()  # one text, one signature


def test_shingles_are_five_word_runs():
    assert shingles("One two three four five six") == {
        b"one two three four five",
        b"two three four five six",
    }
    assert shingles("Short text") == {b"short text"}


def test_grouping_stays_fast_at_the_size_of_a_100k_chunk_corpus():
    import time

    rng = np.random.default_rng(0)
    sigs = {f"a{i}": rng.integers(0, 2**32, 128).astype(np.uint64) for i in range(15_000)}
    for i in range(0, 15_000, 100):  # 150 copies, each with 20 of 128 values changed
        copy = sigs[f"a{i}"].copy()
        copy[:20] = rng.integers(0, 2**32, 20)
        sigs[f"a{i + 1}"] = copy
    started = time.perf_counter()
    groups = group(sigs, {})
    assert time.perf_counter() - started < 20  # about 1 s on two busy cores
    assert len(groups.groups) == 150


def test_sentence_differences_by_kind():
    a = "The Walrus ferry carried 312 passengers across the bay on Monday, Olaf Brandt said."
    assert difference(a, a) is None
    assert difference(a, a.replace("312", "450"))[0] == "numeric"
    assert difference(a, a.replace("Monday", "Tuesday"))[0] == "date"
    assert difference(a, a.replace("Olaf Brandt", "Mia Lund"))[0] == "factual"
    assert difference(a, a.replace("Brandt", "Brant"))[0] == "name_spelling"
    assert difference(a, a.replace(" said", " says")) is None  # wording only: no alarm
    assert difference(a, a.replace("carried", "did not carry"))[0] == "factual"
    assert aligned(a, a.replace("312", "450")) and not aligned(a, "Something else entirely.")


def test_one_report_drops_a_copy_of_a_better_sentence_only_within_a_group():
    from dataclasses import dataclass

    from index.records import Span

    @dataclass(frozen=True)
    class S:
        source: str
        span: Span
        text: str

    text = "The ferry carried 312 passengers."
    scored = [S("a", Span(0, 33), text), S("b", Span(0, 33), text), S("c", Span(0, 33), text)]
    groups = CopyGroups((("a", "b"),))
    assert [s.source for s in one_report(scored, groups)] == ["a", "c"]
    assert [s.source for s in one_report(scored, CopyGroups())] == ["a", "b", "c"]


# -- answers -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def measured(embedder):
    original, other = ORIGINAL, OTHER
    edited = [
        near_copies.run_case(embedder, c, c.question, original, other) for c in near_copies.CASES
    ]
    identical = [
        near_copies.run_case(embedder, None, c.question, original, other) for c in near_copies.CASES
    ]
    return edited, identical


def test_near_copies_are_flagged_and_never_cited_as_agreement(measured):
    edited, _ = measured
    assert [r["kind"] for r in edited if not r["flagged"]] == [], [r["answer"] for r in edited]
    assert [r["answer"] for r in edited if r["cited_as_agreement"]] == []
    assert (
        "Copies of one report differ: “24 years” in one, “19 years” in the other."
        in (edited[0]["answer"])
    )


def test_identical_copies_are_no_alarm_and_are_named_as_one_report(measured):
    _, identical = measured
    assert [r["answer"] for r in identical if r["alarm"]] == []
    assert [r["answer"] for r in identical if r["cited_as_agreement"]] == []
    for r in identical:
        assert "a copy of the same report; counted as one source" in r["answer"], r["answer"]


def test_corpus_wide_list_names_the_edit_and_nothing_between_identical_copies(embedder):
    bot = Assistant(Settings(store_path=None), embedder=embedder)
    bot.add_document(ORIGINAL, CNN)
    bot.add_document(ORIGINAL, "wire/identical.txt")
    assert not [
        c for c in bot.conflicts() if {s.source for s in c.sides} >= {CNN, "wire/identical.txt"}
    ]
    bot.add_document(ORIGINAL.replace("in Aspen, Colorado", "in Telluride, Colorado"), "wire/b.txt")
    edits = [c for c in bot.conflicts() if "Copies of one report differ" in c.summary]
    assert len(edits) == 1  # the edited copy against the report's lead, once
    for conflict in edits:
        assert "Telluride" in conflict.summary and "Aspen" in conflict.summary
        assert {s.source for s in conflict.sides} == {CNN, "wire/b.txt"}
        for side in conflict.sides:
            assert bot.article(side.source).text[side.start : side.end] == side.quote
    between = [
        c for c in bot.conflicts() if {s.source for s in c.sides} == {CNN, "wire/identical.txt"}
    ]
    assert not between


def test_copy_signatures_are_saved_beside_the_store_at_index_time(embedder, tmp_path):
    store = tmp_path / "store"
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "cnn.txt").write_text(ORIGINAL, encoding="utf-8")
    (folder / "copy.txt").write_text(ORIGINAL.replace("24 years", "19 years"), encoding="utf-8")
    (folder / "amn.txt").write_text(OTHER, encoding="utf-8")
    bot = Assistant(Settings(store_path=store), embedder=embedder)
    bot.index([str(folder)])
    saved = store / "assistant-cache" / "copies.json"
    assert saved.is_file()
    again = Assistant(Settings(store_path=store), embedder=embedder)
    groups = again.corpus.copy_groups()
    assert groups.groups == ((str(folder / "cnn.txt"), str(folder / "copy.txt")),)


def test_a_fresh_process_reads_the_groups_of_its_revision_and_regroups_after_a_change(
    embedder, tmp_path, monkeypatch
):
    import index.duplicates as duplicates
    from index.revisions import saved_path

    store, folder = tmp_path / "store", tmp_path / "news"
    folder.mkdir()
    (folder / "cnn.txt").write_text(ORIGINAL, encoding="utf-8")
    (folder / "copy.txt").write_text(ORIGINAL.replace("24 years", "19 years"), encoding="utf-8")
    Assistant(Settings(store_path=store), embedder=embedder).index([str(folder)])
    saved = saved_path(store / "assistant-cache", duplicates.GROUPS)
    assert saved.is_file()
    grouped: list[int] = []
    real_group = duplicates.group

    def counting(*args, **kwargs):
        grouped.append(1)
        return real_group(*args, **kwargs)

    monkeypatch.setattr(duplicates, "group", counting)
    cold = Assistant(Settings(store_path=store), embedder=embedder)
    pair = (str(folder / "cnn.txt"), str(folder / "copy.txt"))
    assert cold.corpus.copy_groups().groups == (pair,) and not grouped
    answer = cold.ask("How long did he serve?")
    assert not grouped and all(
        cold.article(c.source).text[c.start : c.end] == c.quote for c in answer.citations
    )
    # another process adds a third copy; the file is put back as it was before, so it holds
    # the groups of the old revision: they must not be taken for the new one
    before = saved.read_text(encoding="utf-8")
    (folder / "third.txt").write_text(ORIGINAL.replace("24 years", "20 years"), encoding="utf-8")
    Assistant(Settings(store_path=store), embedder=embedder).index([str(folder)])
    saved.write_text(before, encoding="utf-8")
    grouped.clear()
    fresh = Assistant(Settings(store_path=store), embedder=embedder)
    assert len(fresh.corpus.copy_groups().groups[0]) == 3
    assert grouped  # worked out again, not read from the file of another revision


def test_the_cli_names_copies_of_one_report_when_it_indexes_them(tmp_path):
    import os
    import subprocess

    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "a.txt").write_text(ORIGINAL, encoding="utf-8")
    (folder / "b.txt").write_text(ORIGINAL.replace("Aspen", "Telluride"), encoding="utf-8")
    exe = Path(sys.executable).with_name("assistant")
    env = {**os.environ, "ASSISTANT_STORE_PATH": str(tmp_path / "store")}
    done = subprocess.run(
        [str(exe), "index", str(folder)], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert f"One report in 2 copies: {folder / 'a.txt'}, {folder / 'b.txt'}" in done.stdout
    again = subprocess.run(
        [str(exe), "index", str(folder)], capture_output=True, text=True, env=env, timeout=300
    )
    assert "One report" not in again.stdout  # nothing new: the groups are not repeated
