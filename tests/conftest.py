"""Shared fixtures: the real MiniLM model (loaded once) and real Chroma stores; for the fast
tier (tests/fast/), a deterministic fake embedder instead of the model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from index.embedder import Embedder, make_embedder

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "articles"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CNN = "000_16daae7c1b36e9cd.txt"
AMN = "002_ccb087069196d22c.txt"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return make_embedder()


@pytest.fixture(scope="session")
def fake_embedder() -> Embedder:
    """Hashed bag of words (tests/fakes.py): for logic tests, no model loaded."""
    from fakes import HashEmbedder

    return HashEmbedder()


@pytest.fixture
def fast_bot(fake_embedder) -> Assistant:
    """An empty assistant on an in-memory Chroma store, with the fake embedder."""
    return Assistant(Settings(store_path=None), embedder=fake_embedder)


@pytest.fixture
def memory_bot(embedder) -> Assistant:
    """An empty assistant with an in-memory Chroma store."""
    return Assistant(Settings(store_path=None), embedder=embedder)


@pytest.fixture(scope="session")
def sample_bot(embedder) -> Assistant:
    """The sample corpus indexed once, in memory, shared read-only by tests."""
    bot = Assistant(Settings(store_path=None), embedder=embedder)
    bot.index([str(SAMPLE)])
    return bot


@pytest.fixture
def sample_copy(tmp_path) -> Path:
    folder = tmp_path / "articles"
    shutil.copytree(SAMPLE, folder)
    return folder


def assert_exact(bot: Assistant, answer) -> None:
    """Every citation (and nearest passage) is an exact span of the stored article text."""
    for c in (*answer.citations, *answer.nearest):
        text = bot.article(c.source).text
        assert text[c.start : c.end] == c.quote, c


def free_port(first: int, last: int) -> int:
    """A free loopback port in [first, last): each test module keeps its own range."""
    from ui.app import port_free  # Gradio is imported only by the tests that serve

    for port in range(first, last):
        if port_free("127.0.0.1", port):
            return port
    raise RuntimeError("no free port")


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module (Playwright's sync API runs one at a time)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()
