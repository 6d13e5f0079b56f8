"""Issue 29, medium: text from articles is inert in a terminal. An article whose title and text
carry escape sequences (window title, screen clear, colours, an 8-bit CSI, a right-to-left
override) is printed by `assistant ask` with each control character as a visible escape; the
JSON output keeps the exact text, written with JSON escapes.

The real command as a subprocess, on a real store holding the real model's vectors.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from ui.terminal import inert, inert_json

EXE = Path(sys.executable).with_name("assistant")
TITLE = "Zorbland tram \x1b]0;pwned\x07 news\x1b[2J"
TEXT = (
    f"{TITLE}\n\nThe Zorbland tram line opened on Monday. \x1b[31mFAKE: the city is "
    "bankrupt.\x1b[0m The Zorbland tram carries 9,000 riders a day\x9b2J, says "
    "\u202eyaM ekim\u202c the driver.\r"
)
QUESTION = "How many riders does the Zorbland tram carry?"
# what a terminal would act on: C0 but tab and newline, DEL, C1, bidirectional controls
ACTIVE = [chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0))] + [
    "\u202e",
    "\u202c",
]


@pytest.fixture(scope="module")
def store(embedder, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("terminal") / "store"
    bot = Assistant(Settings(store_path=path), embedder=embedder)
    bot.add_document(TEXT, source="escapes.txt")
    return path


def _ask(store: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ASSISTANT_STORE_PATH": str(store)}
    return subprocess.run(
        [str(EXE), "ask", *args], capture_output=True, env=env, timeout=300
    )  # bytes: exactly what reaches the terminal or the file


def test_ask_prints_escape_codes_as_visible_text(store):
    done = _ask(store, QUESTION)
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode("utf-8")
    assert "9,000 riders" in out
    assert not [c for c in ACTIVE if c in out], [c for c in ACTIVE if c in out]
    assert "\\x1b]0;pwned\\x07" in out  # the window-title sequence, shown, not obeyed
    assert "\\x9b2J" in out and "\\u202eyaM ekim\\u202c" in out


def test_json_keeps_the_exact_text_in_json_escapes(store):
    done = _ask(store, "--json", QUESTION)
    assert done.returncode == 0, done.stderr
    raw = done.stdout.decode("utf-8")
    assert not [c for c in ACTIVE if c in raw]
    answer = json.loads(raw)
    cited = answer["citations"]
    assert cited and any("9,000" in c["quote"] for c in cited)
    for c in cited:
        assert TEXT[c["start"] : c["end"]] == c["quote"]  # exact, escapes and all
    assert any("\x9b" in c["quote"] for c in cited)
    assert cited[0]["title"] == " ".join(TITLE.split())


def test_inert_and_inert_json():
    assert inert("a\tb\nc\x1b[2Jd\x07\x9b\u2066") == "a\tb\nc\\x1b[2Jd\\x07\\x9b\\u2066"
    assert inert("café — “quoted” 東京") == "café — “quoted” 東京"
    document = json.dumps({"t": "x\x1b\x9b\u202e"}, ensure_ascii=False)
    safe = inert_json(document)
    assert json.loads(safe) == {"t": "x\x1b\x9b\u202e"}
    assert not any(c in safe for c in ACTIVE)
