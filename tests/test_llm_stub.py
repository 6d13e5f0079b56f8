"""Generated answers against a stub OpenAI-compatible server on loopback (tests/llm_stub.py):
faithful answers are shown (`mode: llm`), unfaithful ones are replaced by the extractive answer
with a notice. The stub writes from the evidence in the prompt it receives, so it answers
every question of the project's question set; the false-rejection rates are measured there.
"""

from __future__ import annotations

import json
from collections import Counter

import openai
import pytest
from conftest import ROOT, SAMPLE, assert_exact
from llm_stub import (
    FAITHFUL_PARAPHRASE,
    FAITHFUL_VERBATIM,
    UNFAITHFUL,
    StubServer,
    parse_prompt,
)

from assistant import Answer, Assistant, Settings
from assistant.generate.generator import Generator, disagreements
from assistant.generate.grounding import check
from assistant.generate.models import language_model

QUESTIONS = [json.loads(line) for line in (ROOT / "data" / "questions.jsonl").open()]
CONFLICTED = "When did Musk last speak to Putin?"  # the evidence disagrees
# Why each unfaithful model must be blocked: the words of the notice.
BLOCKED_FOR = {
    "invent-number": "the number",
    "invent-name": "the name",
    "invent-first-name": "the name",
    "cite-missing": "which is not among the evidence",
    "claim-as-fact": "states as fact",
    "drop-side": "does not give both sides",
    "wrong-citation": "rejected",
}
# Targets: faithful answers blocked (share); unfaithful answers blocked (share).
VERBATIM_TARGET, PARAPHRASE_TARGET = 0.0, 0.10


@pytest.fixture(scope="module")
def stub():
    with StubServer() as server:
        yield server


@pytest.fixture(scope="module")
def llm_bot(embedder, stub) -> Assistant:
    """The sample corpus, answered by the stub's "verbatim-after" model: the assistant as
    `ASSISTANT_GENERATOR=openai ASSISTANT_LLM_BASE_URL=...` builds it."""
    bot = Assistant(
        Settings(
            store_path=None,
            generator="openai",
            llm_base_url=stub.base_url,
            llm_model="verbatim-after",
            llm_timeout=10,
        ),
        embedder=embedder,
    )
    bot.index([SAMPLE])
    return bot


def _playing(bot: Assistant, stub, model: str) -> Assistant:
    """The same assistant, its generator another of the stub's models."""
    return bot.replace(
        generator=Generator(language_model("openai", base_url=stub.base_url, model=model))
    )


def _generated(answer: Answer) -> str:
    """The model's text of a shown answer (the detector's lines follow it)."""
    return answer.answer.split("\nSources disagree:")[0]


def test_faithful_answer_is_shown_end_to_end(llm_bot, stub):
    """Assistant built from Settings(generator="openai"), streaming through the openai
    backend: the user sees what the model wrote, its citations exact, the detector's
    disagreements after it; the prompt listed those disagreements by evidence number."""
    bot = llm_bot
    tokens, final = [], None
    for event in bot.ask_stream(CONFLICTED):
        if isinstance(event, str):
            tokens.append(event)
        else:
            final = event
    assert final is not None and final.mode == "llm", final.notice
    reply = stub.replies[-1]
    assert _generated(final) == reply.text == "".join(tokens).strip()
    assert "Sources disagree:" in final.answer and final.conflicts
    assert_exact(bot, final)
    listed = parse_prompt(reply.prompt).pairs
    assert listed and listed == [(a, b) for a, b, _ in disagreements(final)]
    assert check(reply.text, {c.id: c.quote for c in final.citations}, listed).ok
    assert final.timings_ms["generate"] > 0 and final.notice == ""
    assert json.loads(json.dumps(final.to_dict()))["mode"] == "llm"


@pytest.mark.parametrize("model", [*FAITHFUL_VERBATIM, *FAITHFUL_PARAPHRASE])
def test_each_faithful_model_is_shown(llm_bot, stub, model):
    bot = _playing(llm_bot, stub, model)
    for question in (CONFLICTED, "What kind of firm is Eurasia Group?"):
        answer = bot.ask(question)
        assert answer.mode == "llm", (model, answer.notice, stub.replies[-1].text)
        assert _generated(answer) == stub.replies[-1].text  # the text the model wrote


@pytest.mark.parametrize("model", UNFAITHFUL)
def test_each_unfaithful_model_is_blocked(llm_bot, stub, model):
    answer = _playing(llm_bot, stub, model).ask(CONFLICTED)
    assert stub.replies[-1].applied
    assert answer.mode == "extractive_fallback", stub.replies[-1].text
    assert "generated answer rejected" in answer.notice
    assert BLOCKED_FOR[model] in answer.notice, answer.notice
    assert stub.replies[-1].text not in answer.answer  # the extractive answer instead


def test_rates_over_the_question_set(sample_bot, stub, capsys):
    """Every question of data/questions.jsonl that reaches a model (the answerable ones),
    against every stub model. Targets: no verbatim answer blocked, at most 10% of the
    paraphrases blocked, every unfaithful answer blocked (for its own reason)."""
    bases = [sample_bot.ask(q["question"]) for q in QUESTIONS]
    bases = [b for b in bases if b.answerable]
    shown: dict[str, Counter] = {}
    wrong_reason: list[str] = []
    for model in (*FAITHFUL_VERBATIM, *FAITHFUL_PARAPHRASE, *UNFAITHFUL):
        generator = Generator(language_model("openai", base_url=stub.base_url, model=model))
        counts = shown[model] = Counter()
        for base in bases:
            final = list(generator.answer(base, []))[-1]
            if not stub.replies[-1].applied:  # this evidence gave the fault no opening
                counts["not applicable"] += 1
                continue
            counts[final.mode] += 1
            if model in UNFAITHFUL and BLOCKED_FOR[model] not in final.notice:
                wrong_reason.append(f"{model}: {final.notice or 'shown'}")
            if model not in UNFAITHFUL and final.mode != "llm":
                wrong_reason.append(f"{model}: {final.notice}")

    def blocked(models) -> tuple[int, int]:
        n = sum(shown[m]["llm"] + shown[m]["extractive_fallback"] for m in models)
        return sum(shown[m]["extractive_fallback"] for m in models), n

    lines = [f"grounding check over {len(bases)} answerable questions of {len(QUESTIONS)}:"]
    for model in (*FAITHFUL_VERBATIM, *FAITHFUL_PARAPHRASE, *UNFAITHFUL):
        b, n = blocked([model])
        skipped = shown[model]["not applicable"]
        lines.append(
            f"  {model:18} blocked {b:3}/{n:<3} ({b / n:6.1%})"
            + (f"  [{skipped} without an opening for the fault]" if skipped else "")
        )
    verbatim_blocked, verbatim_n = blocked(FAITHFUL_VERBATIM)
    paraphrase_blocked, paraphrase_n = blocked(FAITHFUL_PARAPHRASE)
    unfaithful_blocked, unfaithful_n = blocked(UNFAITHFUL)
    lines.append(
        f"  false rejections: verbatim {verbatim_blocked}/{verbatim_n} "
        f"({verbatim_blocked / verbatim_n:.1%}), paraphrase {paraphrase_blocked}/{paraphrase_n} "
        f"({paraphrase_blocked / paraphrase_n:.1%}); unfaithful blocked "
        f"{unfaithful_blocked}/{unfaithful_n} ({unfaithful_blocked / unfaithful_n:.1%})"
    )
    with capsys.disabled():
        print("\n" + "\n".join(lines))

    assert verbatim_blocked / verbatim_n <= VERBATIM_TARGET, wrong_reason
    assert paraphrase_blocked / paraphrase_n <= PARAPHRASE_TARGET, wrong_reason
    assert unfaithful_blocked == unfaithful_n, wrong_reason
    assert not [r for r in wrong_reason if not r.startswith(("verbatim", "paraphrase"))]
    for model in UNFAITHFUL:  # each fault was really tried, on many questions
        assert shown[model]["extractive_fallback"] >= 10, (model, shown[model])


def test_stub_speaks_the_openai_protocol(stub):
    """The stub answers /v1/chat/completions and /v1/completions, streaming and not, as the
    openai client calls them (it is the server every test above relies on)."""
    client = openai.OpenAI(base_url=stub.base_url, api_key="none", max_retries=0)
    prompt = (
        "Evidence:\n[1] Eurasia Group is a political risk firm.\n    (article: A)\n\n"
        "Disagreements:\nNone found.\n\nQuestion: What is Eurasia Group?\nAnswer:"
    )
    expected = "Eurasia Group is a political risk firm [1]."
    chat = client.chat.completions.create(
        model="verbatim-before", messages=[{"role": "user", "content": prompt}]
    )
    assert chat.choices[0].message.content == expected
    streamed = client.chat.completions.create(
        model="verbatim-before", messages=[{"role": "user", "content": prompt}], stream=True
    )
    assert "".join(c.choices[0].delta.content or "" for c in streamed) == expected
    completion = client.completions.create(model="verbatim-before", prompt=prompt)
    assert completion.choices[0].text == expected
    parts = client.completions.create(model="verbatim-before", prompt=prompt, stream=True)
    assert "".join(c.choices[0].text for c in parts) == expected
    assert {m.id for m in client.models.list()} >= set(UNFAITHFUL)
    with pytest.raises(openai.NotFoundError):
        client.completions.create(model="no-such-model", prompt=prompt)
