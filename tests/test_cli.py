"""The `assistant` command, run as a user runs it (a subprocess, real model, real store)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SAMPLE

EXE = Path(sys.executable).with_name("assistant")


def run(*args: str, store: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "ASSISTANT_STORE_PATH": str(store)}
    return subprocess.run(
        [str(EXE), *args], input=stdin, capture_output=True, text=True, env=env, timeout=300
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "store"
    done = run("index", str(SAMPLE), store=path)
    assert done.returncode == 0, done.stderr
    assert "2 added" in done.stdout
    assert f"chunks written to the store at {path}\n" in done.stdout, done.stdout
    return path


def _check_shape(obj: dict) -> None:
    assert set(obj) >= {
        "question",
        "answer",
        "answerable",
        "mode",
        "citations",
        "conflicts",
        "timings_ms",
    }
    assert isinstance(obj["answerable"], bool) and obj["mode"] == "extractive"
    for c in obj["citations"]:
        assert set(c) >= {"id", "source", "title", "start", "end", "quote"}
        text = Path(c["source"]).read_text(encoding="utf-8")
        assert text[c["start"] : c["end"]] == c["quote"]
    assert set(obj["timings_ms"]) >= {"retrieve", "answer", "conflicts", "total"}


def test_ask_json(store):
    done = run("ask", "What did Musk say about Taiwan?", "--json", store=store)
    assert done.returncode == 0, done.stderr
    obj = json.loads(done.stdout)
    _check_shape(obj)
    assert obj["answerable"] and obj["citations"]
    assert "Taiwan" in obj["answer"]


def test_ask_batch_from_stdin(store):
    questions = "Who is Ian Bremmer?\n\nWhat is Tesla's share price?\n"
    done = run("ask", "-", "--json", store=store, stdin=questions)
    assert done.returncode == 0, done.stderr
    objs = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o["question"] for o in objs] == ["Who is Ian Bremmer?", "What is Tesla's share price?"]
    for o in objs:
        _check_shape(o)
    assert objs[0]["answerable"] and not objs[1]["answerable"]


def test_reindex_reports_unchanged(store):
    done = run("index", str(SAMPLE), store=store)
    assert done.returncode == 0 and "0 added" in done.stdout and "2 unchanged" in done.stdout


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("ask", ""), None, "the question is empty"),
        (("ask", "   \t "), None, "the question is empty"),
        (("ask", "x" * 2001), None, "limit is 2000"),
        (("ask", "?!?"), None, "no words"),
        (("ask", "-"), "Fine question?\n   \n" + "y" * 3000 + "\n", "question 2"),
        (("ask", "-"), "", "no questions"),
        (("index", "/no/such/folder"), None, "no such file or folder"),
    ],
)
def test_bad_input_is_one_line_error(store, args, stdin, message):
    done = run(*args, store=store, stdin=stdin)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = [ln for ln in done.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and message in lines[0], done.stderr


def test_missing_store(tmp_path):
    done = run("ask", "Who is Ian Bremmer?", store=tmp_path / "none")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "no store at" in done.stderr and "assistant index" in done.stderr


def test_bad_setting_names_the_value(store):
    env = {**os.environ, "ASSISTANT_STORE_PATH": str(store), "ASSISTANT_TOP_K": "0"}
    done = subprocess.run(
        [str(EXE), "ask", "Who?"], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "top_k" in done.stderr and "0" in done.stderr


def test_conflicts_json(store):
    done = run("conflicts", "--json", store=store)
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["count"] == len(payload["conflicts"]) > 0
    assert sum(payload["by_kind"].values()) == payload["count"]
    for c in payload["conflicts"]:
        assert c["kind"] in (
            "disputed_claim",
            "factual",
            "numeric",
            "date",
            "quote_wording",
            "name_spelling",
            "outdated",
        )
        assert c["summary"] and len(c["sides"]) >= 2  # a disputed statement groups all sides
        for side in c["sides"]:
            text = Path(side["source"]).read_text(encoding="utf-8")
            assert text[side["start"] : side["end"]] == side["quote"]
    human = run("conflicts", store=store)
    assert human.returncode == 0 and "== disputed claim ==" in human.stdout


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cli-empty")
    (root / "nothing").mkdir()
    path = root / "store"
    done = run("index", str(root / "nothing"), store=path)
    assert done.returncode == 0, done.stderr
    assert f"0 chunks written to the store at {path}\n" in done.stdout
    assert path.exists()
    return path


def test_ask_on_an_empty_store_says_nothing_is_indexed(empty_store):
    from assistant.answer.compose import NOTHING_INDEXED

    done = run("ask", "Who is Ian Bremmer?", store=empty_store)
    assert done.returncode == 0, done.stderr
    assert NOTHING_INDEXED in done.stdout and "assistant index PATH" in done.stdout
    assert "do not say" not in done.stdout
    as_json = run("ask", "Who is Ian Bremmer?", "--json", store=empty_store)
    obj = json.loads(as_json.stdout)
    _check_shape(obj)
    assert obj["answer"] == NOTHING_INDEXED and not obj["answerable"] and obj["nearest"] == []


def test_conflicts_on_an_empty_store_reads_naturally(empty_store):
    done = run("conflicts", store=empty_store)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"error: the store at {empty_store} has no articles yet" in done.stderr
    assert "assistant index PATH" in done.stderr
