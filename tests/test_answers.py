"""Questions on the sample corpus: right evidence cited, unanswerable ones refused."""

from __future__ import annotations

import pytest
from conftest import AMN, CNN, assert_exact

# (question, [(article, a phrase one citation's quote must contain)]): any one listed evidence
# suffices, since either article may carry the fact.
ANSWERABLE = [
    (
        "Who is Ian Bremmer?",
        [
            (AMN, "founder of the foreign policy"),
            (CNN, "political scientist Ian Bremer"),
            (AMN, "Political scientist Ian Bremmer"),
        ],
    ),
    (
        "What did Musk say was the topic of his conversation with Putin?",
        [(CNN, "The topic was space"), (AMN, "their conversation was about space")],
    ),
    (
        "How long ago did Musk say he last spoke to Putin?",
        [(CNN, "about 18 months ago"), (AMN, "was 18 months ago")],
    ),
    (
        "Where did Musk speak at The Weekend festival?",
        [(CNN, "Aspen, Colorado")],
    ),
    (
        "What did the Ukrainian ambassador to Germany reply to Musk?",
        [(AMN, "my very diplomatic reply"), (CNN, "very diplomatic response")],
    ),
    (
        "Which news outlet obtained a copy of Bremmer's subscriber email?",
        [(AMN, "According to Vice News")],
    ),
    (
        "What did Kremlin spokesman Dmitri Peskov say about Musk's proposal?",
        [(AMN, "looking for a peaceful way out"), (AMN, "without fulfilling Russia")],
    ),
    (
        "What did Musk suggest for Taiwan?",
        [(CNN, "special administrative region for Taiwan"), (CNN, "handed over to Beijing")],
    ),
    (
        "What has Starlink allowed Ukraine to do?",
        [(CNN, "maintain access to the Internet")],
    ),
    (
        "How long has Bremmer been writing his newsletter?",
        [(AMN, "for 24 yrs"), (CNN, "past 24 years")],
    ),
    (
        "What did John Kirby say about Musk representing the US government?",
        [
            (CNN, "not speaking on behalf of the Biden administration"),
            (CNN, "not representing the United States government"),
        ],
    ),
    (
        "What did Musk's peace plan say about Crimea?",
        [
            (CNN, "Crimea is an official part of Russia"),
            (CNN, "recognition that Crimea is officially part of Russia"),
            (AMN, "recognize Crimea as Russian territory"),
        ],
    ),
    (
        "What did Bremmer tweet about Musk being a geopolitics expert?",
        [(AMN, "he’s not a geopolitics expert"), (CNN, "He is not an expert in geopolitics")],
    ),
]

UNANSWERABLE = [
    "What is Tesla's current share price?",
    "Who won the 2022 FIFA World Cup?",
    "How many satellites does SpaceX operate?",
    "What is the capital of Australia?",
    "How much did Twitter cost Musk?",
    pytest.param(
        "What did Zelensky say about Bremmer's newsletter?",
        # The learned scorer is sure the newsletter sentences answer it, and the confidence's
        # check of the question's names does not outweigh it: a known miss since issue 28
        # (sample refusal recall 80% -> 70%), kept visible until a learned refusal fixes it.
        marks=pytest.mark.xfail(strict=True, reason="answered since the learned scorer"),
    ),
]


@pytest.mark.parametrize(("question", "evidence"), ANSWERABLE, ids=[q for q, _ in ANSWERABLE])
def test_answer_cites_the_evidence(sample_bot, question, evidence):
    answer = sample_bot.ask(question)
    assert answer.answerable, answer.answer
    assert_exact(sample_bot, answer)
    cited = [(c.source.rsplit("/", 1)[-1], c.quote) for c in answer.citations]
    assert any(
        src == article and phrase in quote for article, phrase in evidence for src, quote in cited
    ), f"{answer.answer}\n{cited}"
    # every [n] in the text is a citation, and every citation is used in the text
    for c in answer.citations:
        assert f"[{c.id}]" in answer.answer


@pytest.mark.parametrize("question", UNANSWERABLE)
def test_unanswerable_is_refused_with_nearest_passages(sample_bot, question):
    answer = sample_bot.ask(question)
    assert not answer.answerable, answer.answer
    assert "do not say" in answer.answer
    assert answer.citations == ()
    assert answer.nearest, "the nearest passages are shown"
    assert_exact(sample_bot, answer)


def test_reported_speech_stays_attributed(sample_bot):
    # The sentence "Elon Musk told me he spoke directly with Putin ..." sits inside Bremer's
    # quotation; the answer must say who claims it.
    answer = sample_bot.ask("Who told Bremer that he spoke directly with Putin and the Kremlin?")
    assert answer.answerable
    for c in answer.citations:
        if c.quote.startswith("Elon Musk told me"):
            assert "Bremer wrote" in answer.answer or "Bremmer tweeted" in answer.answer
    assert any(w in answer.answer for w in ("wrote", "tweeted", "claimed", "According to"))


def test_answer_is_deterministic(sample_bot):
    q = "What did Musk's peace plan say about Crimea?"
    assert sample_bot.ask(q).to_dict()["answer"] == sample_bot.ask(q).to_dict()["answer"]


def test_empty_corpus_says_nothing_is_indexed(memory_bot, sample_bot):
    from assistant.answer.compose import NOTHING_INDEXED

    answer = memory_bot.ask("When did Musk last speak to Putin?")
    assert answer.answer == NOTHING_INDEXED
    assert "No articles are indexed yet" in answer.answer and "Articles tab" in answer.answer
    assert "assistant index PATH" in answer.answer
    assert not answer.answerable and answer.citations == answer.nearest == ()
    # the JSON keeps the shape of every other answer
    answered = sample_bot.ask("When did Musk last speak to Putin?").to_dict()
    assert list(answer.to_dict()) == list(answered)
    assert set(answer.to_dict()["timings_ms"]) == set(answered["timings_ms"])
    # with one article in, the same question is an ordinary refusal, and emptied, it says so again
    memory_bot.add_document("Ferry strike\n\nFerry workers in Tallinn went on strike.", "f.txt")
    refused = memory_bot.ask("When did Musk last speak to Putin?")
    assert "do not say" in refused.answer and refused.nearest
    memory_bot.remove("f.txt")
    assert memory_bot.ask("When did Musk last speak to Putin?").answer == NOTHING_INDEXED


def test_a_share_is_no_answer_to_how_many(memory_bot, monkeypatch):
    from assistant.answer import compose as composer

    memory_bot.add_document(
        "Poll\n\nThe Greens won 31% of the vote in Tolvik on Friday, their best result yet.",
        "poll.txt",
    )
    memory_bot.add_document(
        "Library\n\nThe town library in Tolvik opened a reading room for children on Monday.",
        "library.txt",
    )
    question = "How many votes did the Greens win in Tolvik?"
    refused = memory_bot.ask(question)
    assert not refused.answerable and refused.nearest
    monkeypatch.setattr(composer, "TYPED_REQUIRED", False)
    assert memory_bot.ask(question).answerable  # what the rule stops: a share for a count
    monkeypatch.setattr(composer, "TYPED_REQUIRED", True)
    memory_bot.add_document(
        "Count\n\nThe Greens won 4,210 votes in Tolvik on Friday, the returning officer said.",
        "count.txt",
    )
    answer = memory_bot.ask(question)
    assert answer.answerable and "4,210" in answer.answer
    assert_exact(memory_bot, answer)
