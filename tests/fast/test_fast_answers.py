"""Fast tier: composing answers through the facade, with the fake embedder (no model)."""

from __future__ import annotations

from conftest import assert_exact

from assistant import (
    Answerer,
    Assistant,
    ConflictFinder,
    Corpus,
    DenseRetriever,
    HybridRetriever,
    Settings,
)
from assistant.answer.compose import NOT_ANSWERED, NOTHING_INDEXED
from index.chroma_store import ChromaStore

FERRY = (
    "Ferry returns\n\nThe Marrow Gull ferry resumed service to Hessel Island on Thursday. "
    "The crossing to Hessel Island now takes 47 minutes, its captain said."
)
LIBRARY = "Library\n\nThe town library in Tolvik opened a reading room for children on Monday."


def _scored(bot: Assistant, question: str) -> list:
    """The question's sentences, scored as the answerer scores them, best first."""
    vector = bot.corpus.embed_query(question)
    found = bot.retriever.retrieve(question, 5, vector)
    return bot.answerer.score(question, vector, found)


def test_answer_cites_exact_spans(fast_bot):
    fast_bot.add_document(FERRY, "ferry.txt")
    fast_bot.add_document(LIBRARY, "library.txt")
    answer = fast_bot.ask("How long does the crossing to Hessel Island take?")
    assert answer.answerable and "47 minutes" in answer.answer
    assert answer.citations and answer.citations[0].source == "ferry.txt"
    assert "[1]" in answer.answer
    assert_exact(fast_bot, answer)
    assert set(answer.timings_ms) == {"retrieve", "answer", "conflicts", "total"}


def test_unanswerable_is_refused_with_the_nearest_passages(fast_bot):
    fast_bot.add_document(FERRY, "ferry.txt")
    answer = fast_bot.ask("What is the price of green tea in Kyoto?")
    assert not answer.answerable and answer.answer == NOT_ANSWERED
    assert answer.nearest and not answer.citations
    assert_exact(fast_bot, answer)


def test_empty_corpus_says_nothing_is_indexed(fast_bot):
    answer = fast_bot.ask("Who runs the ferry?")
    assert not answer.answerable and answer.answer == NOTHING_INDEXED


def test_built_from_stages_answers_as_from_settings(fake_embedder):
    shorthand = Assistant(Settings(store_path=None), embedder=fake_embedder)
    corpus = Corpus(ChromaStore(None), fake_embedder)
    built = Assistant(corpus, HybridRetriever(corpus), Answerer(corpus), ConflictFinder(corpus))
    for bot in (shorthand, built):
        bot.add_document(FERRY, "ferry.txt")
        bot.add_document(LIBRARY, "library.txt")
    question = "When did the library in Tolvik open its reading room?"
    assert built.ask(question).to_dict()["answer"] == shorthand.ask(question).answer
    explicit = Assistant.from_settings(Settings(store_path=None), embedder=fake_embedder)
    assert type(explicit.retriever) is HybridRetriever


def test_one_stage_swapped_the_others_shared(fast_bot):
    fast_bot.add_document(FERRY, "ferry.txt")
    dense = fast_bot.replace(retriever=DenseRetriever(fast_bot.corpus))
    assert isinstance(dense.retriever, DenseRetriever)
    assert dense.corpus is fast_bot.corpus and dense.answerer is fast_bot.answerer
    assert dense.conflict_finder is fast_bot.conflict_finder
    answer = dense.ask("How long does the crossing to Hessel Island take?")
    assert "47 minutes" in answer.answer
    assert_exact(dense, answer)


def test_follow_up_carries_the_subject(fast_bot):
    assert fast_bot.standalone("What did she say?", ["What did Anna Kowalska open?"]) == (
        "What did she say? (Anna Kowalska)"
    )


def test_retrieval_ties_go_to_article_and_place_not_to_the_path_derived_id(fast_bot, monkeypatch):
    from index.records import Chunk, Span

    def chunk(source: str, cid: str) -> Chunk:
        return Chunk(cid, source, "sha", 0, 4, "text", (Span(0, 4),))

    # the ids sort the other way from the sources: the id must not decide a tie
    first, second = chunk("corpus/a.txt", "ff"), chunk("corpus/b.txt", "00")
    retriever = HybridRetriever(fast_bot.corpus)
    monkeypatch.setattr(retriever, "dense_chunks", lambda vector: [second, first])
    monkeypatch.setattr(
        fast_bot.corpus.catalogue, "search", lambda query, k: [(first, 2.0), (second, 1.0)]
    )
    found = retriever.retrieve("anything", 2, vector=None)
    assert found[0].score == found[1].score  # a tie in reciprocal ranks
    assert [r.chunk.source for r in found] == ["corpus/a.txt", "corpus/b.txt"]


def test_a_figure_question_needs_a_figure_of_its_kind_to_be_sure(fast_bot, monkeypatch):
    from assistant.answer import scoring

    fast_bot.add_document("Poll\n\nThe Greens won 31% of the vote in Tolvik on Friday.", "poll.txt")
    question = "How many votes did the Greens win in Tolvik?"

    def best():
        return _scored(fast_bot, question)[0]

    monkeypatch.setattr(scoring, "TYPED_SHAPE", False)
    any_number = best()
    monkeypatch.setattr(scoring, "TYPED_SHAPE", True)
    a_count = best()
    assert any_number.shape_found and not a_count.shape_found  # a share counts no votes
    assert scoring.confidence(a_count) < scoring.confidence(any_number)


def test_keyword_ties_come_in_catalogue_order(fast_bot):
    both = "Notice\n\nThe ferry to Hessel Island sails at noon on Thursday."
    one = "Timetable\n\nThe ferry sails at noon on Thursday from the old pier."
    for n in range(12, 0, -1):
        fast_bot.add_document(one if n % 3 == 0 else both, f"{n:02d}.txt")
    fast_bot.add_document(LIBRARY, "library.txt")  # so the ferry's words are not in every chunk
    fast_bot.corpus.refresh()
    catalogue = fast_bot.corpus.catalogue
    order = [c.source for c in catalogue.chunks]
    found = catalogue.search("ferry Hessel", 6)
    assert len({score for _, score in found}) < len(found)  # there are ties
    for score in {score for _, score in found}:
        tied = [chunk.source for chunk, s in found if s == score]
        assert tied == sorted(tied, key=order.index)


def test_a_sentence_that_adds_the_asked_value_is_no_echo(fast_bot):
    # Its only new word is the year asked for; without it the sentence is a mere echo.
    fast_bot.add_document(
        "Novel\n\nThe Tolvik poet Ansel Merk wrote for the stage.\n\n"
        "Ansel Merk's novel Grauben appeared in 1919.",
        "merk.txt",
    )
    answer = fast_bot.ask("When did Ansel Merk's novel Grauben first appear?")
    assert answer.answerable and "1919" in answer.answer
    assert_exact(fast_bot, answer)


def test_a_value_question_is_answered_only_with_a_value(fast_bot, monkeypatch):
    from assistant.answer import compose as composer
    from assistant.answer import scoring

    # the fake embedder's similarities mean nothing: rank by the learned scorer alone
    monkeypatch.setattr(scoring, "DENSE_WEIGHT", 0.0)
    monkeypatch.setattr(scoring, "HAND_WEIGHT", 0.0)
    fast_bot.add_document("Poll\n\nThe Greens won 31% of the vote in Tolvik on Friday.", "poll.txt")
    question = "How many votes did the Greens win in Tolvik?"

    def composed():
        return composer.compose(_scored(fast_bot, question), fast_bot.corpus.article, 0.0, 3)

    monkeypatch.setattr(composer, "TYPED_REQUIRED", False)
    assert composed().answerable  # the share, for want of anything better
    monkeypatch.setattr(composer, "TYPED_REQUIRED", True)
    refused = composed()
    assert not refused.answerable and refused.text == NOT_ANSWERED and refused.nearest
    # a count does answer it
    fast_bot.add_document("Count\n\nThe Greens won 4,210 votes in Tolvik on Friday.", "count.txt")
    answer = composed()
    assert answer.answerable and "4,210" in answer.text


def test_a_yes_no_question_is_answered_by_the_sentence_it_echoes(fast_bot):
    # "Was Merk born in 1887?" is answered by the sentence that says just that.
    fast_bot.add_document(
        "Poet\n\nThe Tolvik poet Ansel Merk wrote for the stage.\n\nAnsel Merk was born in 1887.",
        "merk.txt",
    )
    answer = fast_bot.ask("Was Ansel Merk born in 1887?")
    assert answer.answerable and "born in 1887" in answer.answer
    assert_exact(fast_bot, answer)


def test_the_headline_names_the_story_for_a_later_passage(fast_bot):
    from assistant.answer.scoring import score_sentences

    filler = " ".join(
        f"Guest number {n} arrived by ferry from Hessel Island and sat down." for n in range(30)
    )
    fast_bot.add_document(
        f"Tolvik Prize night\n\n{filler}\n\nAnsel Merk took the poetry award.", "prize.txt"
    )
    question = "Who took the poetry award at the Tolvik Prize?"
    corpus = fast_bot.corpus
    vector = corpus.embed_query(question)
    found = fast_bot.retriever.retrieve(question, 20, vector)
    corpus.read(r.chunk.source for r in found)
    units = corpus.unit_vectors([r.chunk for r in found])

    def merk(**title):
        scored = score_sentences(
            question, vector, found, units, corpus.catalogue.idf, fast_bot.answerer.scorer, **title
        )
        return next(s for s in scored if "Merk" in s.text)

    assert "Tolvik" not in next(r.chunk.text for r in found if "Merk" in r.chunk.text)
    assert merk().entity_coverage < 1.0  # its passage never names the prize
    headline = merk(title=lambda source: corpus.article(source).title)
    assert headline.entity_coverage == 1.0
    scored = fast_bot.answerer.score(question, vector, found)  # the stage passes headlines
    assert next(s for s in scored if "Merk" in s.text).entity_coverage == 1.0


def test_a_who_question_needs_no_new_name_to_be_answered(fast_bot):
    # TYPED_REQUIRED is for figures, dates and spans of time: "who" is often answered
    # without a name ("A 15-year-old boy was arrested").
    fast_bot.add_document(
        "boy held\n\nA 15-year-old boy was arrested after the fire at the Tolvik mill.", "mill.txt"
    )
    answer = fast_bot.ask("Who was arrested after the fire at the Tolvik mill?")
    assert answer.answerable and "15-year-old boy" in answer.answer
