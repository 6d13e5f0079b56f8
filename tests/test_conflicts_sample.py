"""Conflicts on the sample corpus, per question and corpus-wide, with exact sides."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant import Assistant, Settings
from assistant.conflicts.kinds import KIND_ORDER


def _exact(bot, conflicts) -> None:
    for c in conflicts:
        assert len(c.sides) >= 2  # two per answer; a corpus-wide group may hold more
        for side in c.sides:
            assert bot.article(side.source).text[side.start : side.end] == side.quote


def _answer_with(bot, question: str, kind: str):
    answer = bot.ask(question)
    _exact(bot, answer.conflicts)
    found = [c for c in answer.conflicts if c.kind == kind]
    assert found, f"no {kind} in {[c.kind for c in answer.conflicts]}\n{answer.answer}"
    by_id = {c.id: c for c in answer.citations}
    for c in answer.conflicts:
        for side in c.sides:  # each side is cited, and the answer names both markers
            cited = by_id[side.citation]
            assert cited.source == side.source
            assert cited.start <= side.start and side.end <= cited.end
        line = f"[{c.sides[0].citation}] vs [{c.sides[1].citation}]"
        assert "Sources disagree:" in answer.answer and line in answer.answer
    return found


def test_corpus_wide_list_has_one_entry_per_disputed_statement(sample_bot):
    conflicts = sample_bot.conflicts()
    _exact(sample_bot, conflicts)
    # a statement disputed several times is one entry, led by that statement
    leads = [(c.kind, c.sides[0].source, c.sides[0].start) for c in conflicts if len(c.sides) > 2]
    assert len(leads) == len(set(leads))
    for c in conflicts:
        for other in conflicts:
            if other is not c and len(other.sides) > 2 and other.kind == c.kind:
                lead = other.sides[0]
                assert not (len(c.sides) == 2 and lead in c.sides), c.summary
    musk_denial = [c for c in conflicts if c.kind == "disputed_claim" and len(c.sides) > 2]
    assert musk_denial, "Bremmer's claim and Musk's denial are one entry with every side"
    assert len(conflicts) < 20


def test_claim_and_denial(sample_bot):
    found = _answer_with(sample_bot, "When did Musk last speak to Putin?", "disputed_claim")
    quotes = " | ".join(s.quote for c in found for s in c.sides)
    assert "claimed that Musk told him" in quotes
    assert any(w in quotes for w in ("denies", "denied", "had not spoken"))


def test_time_of_the_conversation(sample_bot):
    answer = sample_bot.ask("When did Musk last speak to Putin?")
    corpus = [c for c in sample_bot.conflicts() if c.kind == "date"]
    assert corpus and "18 months" in corpus[0].summary and "month" in corpus[0].summary
    assert answer.conflicts


def test_territorial_lists_differ(sample_bot):
    found = _answer_with(
        sample_bot, "Which territories did Putin demand, according to Bremmer's email?", "factual"
    )
    assert any("Zaporizhzhia" in c.summary and "Luhansk" in c.summary for c in found)


def test_neutrality_tweet_against_the_plan(sample_bot):
    found = _answer_with(
        sample_bot, "Does the peace plan call for Ukraine to remain neutral?", "factual"
    )
    quotes = [s.quote for c in found for s in c.sides]
    assert any("does not remain neutral" in q for q in quotes)
    assert any("neutrality" in q for q in quotes)


def test_quote_in_two_wordings_and_name_spelled_two_ways(sample_bot):
    q = "What did the Ukrainian ambassador to Germany reply to Musk?"
    wording = _answer_with(sample_bot, q, "quote_wording")
    assert {"F-off", "Fuck off"} <= {
        w for c in wording for s in c.sides for w in ("F-off", "Fuck off") if w in s.quote
    }
    spelling = _answer_with(sample_bot, q, "name_spelling")
    assert "Melnik" in spelling[0].summary and "Melnyk" in spelling[0].summary


def test_bremmer_spelled_two_ways(sample_bot):
    found = _answer_with(
        sample_bot, "How long has Bremmer been writing his newsletter?", "name_spelling"
    )
    assert "Bremer" in found[0].summary and "Bremmer" in found[0].summary


@pytest.mark.parametrize(
    "question",
    [
        "What is Eurasia Group?",
        "What did Kremlin spokesman Dmitri Peskov say about Musk's proposal?",
        "Where did Musk speak at The Weekend festival?",
        "What did Kirby say about Zelensky?",
        "What did Musk say about Taiwan?",
        "What has Starlink allowed Ukraine to do?",
    ],
)
def test_consistent_evidence_raises_no_conflict(sample_bot, question):
    answer = sample_bot.ask(question)
    assert answer.answerable
    assert [c for c in answer.conflicts if c.kind != "name_spelling"] == [], answer.answer


def test_corpus_wide_conflicts_cover_each_kind(sample_bot):
    conflicts = sample_bot.conflicts()
    _exact(sample_bot, conflicts)
    kinds = [c.kind for c in conflicts]
    for kind in ("disputed_claim", "factual", "date", "quote_wording", "name_spelling"):
        assert kind in kinds
    assert kinds == sorted(kinds, key=KIND_ORDER.index)  # most important first
    # nothing pairs a report with itself over the same span
    for c in conflicts:
        for i, a in enumerate(c.sides):
            for b in c.sides[i + 1 :]:
                assert not (a.source == b.source and a.start < b.end and b.start < a.end)


def test_outdated_report_is_named(embedder):
    bot = Assistant(Settings(store_path=None), embedder=embedder)
    bot.add_document(
        "Plant news\n\nAcme Corp employs 1,200 workers at its Ohio plant.",
        "old.txt",
        published="2019-03-01",
    )
    bot.add_document(
        "Plant update\n\nAcme Corp employs 900 workers at its Ohio plant.",
        "new.txt",
        published="2023-05-02",
    )
    answer = bot.ask("How many workers does Acme Corp employ at its Ohio plant?")
    assert [c.kind for c in answer.conflicts] == ["outdated"]
    c = answer.conflicts[0]
    assert c.sides[0].source == "new.txt" and "2023-05-02" in c.summary
    _exact(bot, answer.conflicts)


CLAIMS = st.sampled_from(
    [
        "Mayor Anna Kowalska denied that the council sold the harbour to Acme.",
        "Councillor Piotr Nowak said the council sold the harbour to Acme in May.",
        "The harbour deal was worth 40 million euros, officials said.",
        "The harbour deal was worth 25 million euros.",
        "“We will never sell the harbour,” Kowalska said.\u00a0",
        "“We would never sell our harbour,” Kowalska said.",
        "The port of Gdynia did not reopen on Monday.",
        "The port of Gdynia reopened on Monday 😀.",
    ]
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.lists(CLAIMS, min_size=1, max_size=5), min_size=2, max_size=3),
    st.sampled_from(["\n", "\r\n\r\n", " "]),
)
def test_conflict_sides_are_exact_on_generated_articles(embedder, articles, sep):
    bot = Assistant(Settings(store_path=None), embedder=embedder)
    for i, sentences in enumerate(articles):
        bot.add_document("Harbour news" + sep + sep.join(sentences), f"gen{i}.txt")
    _exact(bot, bot.conflicts())
    answer = bot.ask("Did the council sell the harbour?")
    _exact(bot, answer.conflicts)
    for c in answer.citations:
        assert bot.article(c.source).text[c.start : c.end] == c.quote


def test_near_copy_with_another_figure_is_the_other_side_not_agreement(embedder):
    # the same sentence in two reports, one figure changed, the speaker named in both
    sentence = (
        "The Walrus ferry carried {} passengers across the bay on Monday, harbour master "
        "Olaf Brandt said."
    )
    bot = Assistant(Settings(store_path=None), embedder=embedder)
    bot.add_document(f"Ferry news\n\n{sentence.format(312)}", "a.txt")
    bot.add_document(f"Harbour report\n\n{sentence.format(450)}", "b.txt")
    answer = bot.ask("How many passengers did the Walrus ferry carry?")
    _exact(bot, answer.conflicts)
    numeric = [c for c in answer.conflicts if c.kind == "numeric"]
    assert numeric, answer.answer
    assert {s.source for s in numeric[0].sides} == {"a.txt", "b.txt"}
    summary = numeric[0].summary  # the best-ranked report's figure comes first
    assert "312 passengers" in summary and "450 passengers" in summary and "versus" in summary
    first_line = answer.answer.splitlines()[0]
    assert "[1][2]" not in first_line  # the other figure is not cited as agreement
    assert any(c.kind == "numeric" for c in bot.conflicts())


def test_a_figure_written_with_another_scale_word_is_no_agreement(embedder, monkeypatch):
    # "4m" and "2.8 million": one unit written two ways, two different figures. The coverage
    # gate is fitted on news; in a two-article corpus every word is rare, so it is opened here:
    # this checks the comparison of the figures, not the gate.
    from assistant.conflicts import answers

    monkeypatch.setattr(answers, "MIN_COVERAGE", 0.0)
    bot = Assistant(Settings(store_path=None), embedder=embedder)
    bot.add_document(
        "Console sales\n\nSince going on sale in Japan, Tandem has sold almost 4m Fizz "
        "consoles, the firm said.",
        "a.txt",
    )
    bot.add_document(
        "Handheld figures\n\nSince going on sale in Japan, Tandem has sold 2.8 million Fizz "
        "consoles, the firm said.",
        "b.txt",
    )
    answer = bot.ask("How many Fizz consoles has Tandem sold?")
    assert answer.answerable, answer.answer
    assert answer.answer.splitlines()[0].endswith(". [1]")  # not cited as agreement
    # the other report is cited only as the other side of the disagreement
    assert len(answer.conflicts) == 1
    assert {s.source for s in answer.conflicts[0].sides} == {"a.txt", "b.txt"}
    assert "4m" in answer.conflicts[0].summary and "2.8 million" in answer.conflicts[0].summary
    _exact(bot, answer.conflicts)


def test_each_sources_own_answer_is_compared(embedder):
    """Two reports answer the question with different figures in different words; the later
    report is named. (Margin and coverage given explicitly: their fitted values belong to the
    development data, this checks the comparison itself.)"""
    from assistant.conflicts.answers import answer_disagreements

    bot = Assistant(Settings(store_path=None), embedder=embedder)
    bot.add_document(
        "Console launch\n\nSony shipped 200,000 PSP consoles to Japanese shops for the launch "
        "on Sunday, and queues formed overnight.",
        "a.txt",
        published="2004-12-12",
    )
    bot.add_document(
        "Handheld rush\n\nFans in Tokyo queued for hours. Only 150,000 PSP consoles were "
        "shipped to shops in Japan for the launch, retailers said.",
        "b.txt",
        published="2004-12-14",
    )
    question = "How many PSP consoles were shipped to Japanese shops for the launch?"
    vector = bot.corpus.embed_query(question)
    candidates = bot.retriever.retrieve(question, bot.answerer.candidates, vector)
    scored = bot.answerer.score(question, vector, candidates)
    found = answer_disagreements(question, scored, bot.corpus.article, 0.2, 0.2)
    assert len(found) == 1
    conflict = found[0]
    assert conflict.kind == "outdated"
    assert [s.source for s in conflict.sides] == ["b.txt", "a.txt"]  # the later report first
    assert "200,000" in conflict.summary and "150,000" in conflict.summary
    assert "later one of 2004-12-14" in conflict.summary
    _exact(bot, found)
    # one source alone disagrees with nobody
    same = answer_disagreements(question, scored[:1] * 2, bot.corpus.article, 0.2, 0.2)
    assert same == []


def _own_answers(embedder, docs: list[str], question: str):
    from assistant.conflicts.answers import answer_disagreements

    bot = Assistant(Settings(store_path=None), embedder=embedder)
    for i, text in enumerate(docs):
        bot.add_document(text, f"{i}.txt")
    vector = bot.corpus.embed_query(question)
    candidates = bot.retriever.retrieve(question, bot.answerer.candidates, vector)
    scored = bot.answerer.score(question, vector, candidates)
    found = answer_disagreements(question, scored, bot.corpus.article, 0.3, 0.2)
    _exact(bot, found)
    return found


def test_names_are_compared_word_by_word(embedder):
    question = "Which film was favourite to win best picture at the Oscars?"
    rival = [
        "Awards race\n\nBoxing drama Million Dollar Baby is favourite to win best picture at "
        "the Oscars.",
        "Awards race\n\nThe Aviator is favourite to win best picture at the Oscars, "
        "bookmakers said.",
    ]
    found = _own_answers(embedder, rival, question)
    assert len(found) == 1 and found[0].kind == "factual"
    assert "Million Dollar Baby" in found[0].summary and "The Aviator" in found[0].summary
    same = [
        "Awards race\n\nBoxing drama Million Dollar Baby is favourite to win best picture at "
        "the Oscars.",
        "Awards race\n\nEastwood's Baby is favourite to win best picture at the Oscars, "
        "bookmakers said.",
    ]
    assert _own_answers(embedder, same, question) == []  # "Baby" names the same film


def test_a_date_agrees_with_a_more_precise_one_inside_it(embedder):
    question = "When did mass production of the Toyota Supra begin?"
    month_apart = [
        "Supra history\n\nMass production of the Toyota Supra began in April 1993.",
        "Supra history\n\nMass production of the Toyota Supra began in May 1993 at Tahara.",
    ]
    found = _own_answers(embedder, month_apart, question)
    assert len(found) == 1 and "April 1993" in found[0].summary
    nested = [
        "Supra history\n\nMass production of the Toyota Supra began in April 1993.",
        "Supra history\n\nMass production of the Toyota Supra began on 12 April 1993 at Tahara.",
    ]
    assert _own_answers(embedder, nested, question) == []


def test_a_follow_up_s_earlier_names_are_no_answer_of_their_own(embedder, monkeypatch):
    """Compared on the standalone query, "Rena Holt" (named by the earlier question) is not
    one report's answer to "And who beat her?" against the other's "Mia Sorel"."""
    from assistant.answer.followup import standalone_query
    from assistant.conflicts.answers import answer_disagreements

    bot = Assistant(Settings(store_path=None, min_confidence=0.1), embedder=embedder)
    bot.add_document(
        "Open\n\nRena Holt was knocked out of the event by a teenager in the first round.", "a.txt"
    )
    bot.add_document("Upset\n\nMia Sorel beat the top seed in the first round in Doha.", "b.txt")
    question = "And who beat her in the first round?"
    query = standalone_query(question, ["How did Rena Holt do in Doha?"])
    vector = bot.corpus.embed_query(query)
    candidates = bot.retriever.retrieve(query, bot.answerer.candidates, vector)
    scored = bot.answerer.score(query, vector, candidates)
    # the old way, with gates open enough for both reports' sentences to be compared
    assert answer_disagreements(question, scored, bot.corpus.article, 1.0, 0.0)
    assert not answer_disagreements(query, scored, bot.corpus.article, 1.0, 0.0)
    # through `ask`, with gates that let both reports' sentences be compared
    from assistant.conflicts import answers

    monkeypatch.setattr(answers, "MARGIN", 1.0)
    monkeypatch.setattr(answers, "MIN_COVERAGE", 0.0)
    answer = bot.ask(question, history=["How did Rena Holt do in Doha?"])
    assert answer.answerable, answer.answer
    assert not [c for c in answer.conflicts if c.kind == "factual"], answer.answer
