"""Fast tier: the conflict rules through the facade (per answer and corpus-wide), with the
fake embedder; kinds serialise as the same strings as before the enum."""

from __future__ import annotations

import json

from assistant import ConflictKind

BRIDGE_A = (
    "Bridge opens\n\nThe new Vistula bridge in Gdansk cost 40 million euros, the city said on "
    "Monday. It carries four lanes of traffic."
)
BRIDGE_B = (
    "Gdansk bridge\n\nThe new Vistula bridge in Gdansk cost 55 million euros, officials said "
    "on Monday."
)
MUSEUM_A = "Harbour news\n\nMayor Anna Kowalska opened the harbour museum on Friday."
MUSEUM_B = "Museum\n\nMayor Anna Kowalsko opened the harbour museum on Friday, with a speech."


def _indexed(bot):
    for source, text in (
        ("a.txt", BRIDGE_A),
        ("b.txt", BRIDGE_B),
        ("c.txt", MUSEUM_A),
        ("d.txt", MUSEUM_B),
    ):
        bot.add_document(text, source)
    return bot


def test_corpus_wide_finds_each_kind_with_exact_sides(fast_bot):
    found = _indexed(fast_bot).conflicts()
    kinds = [c.kind for c in found]
    assert kinds == [ConflictKind.NUMERIC, ConflictKind.NAME_SPELLING]  # ranked by kind
    for conflict in found:
        for side in conflict.sides:
            text = fast_bot.article(side.source).text
            assert text[side.start : side.end] == side.quote
    assert {s.source for s in found[0].sides} == {"a.txt", "b.txt"}
    assert "40 million versus 55 million" in found[0].summary


def test_answer_flags_the_disagreement_among_its_evidence(fast_bot):
    answer = _indexed(fast_bot).ask("How much did the Vistula bridge in Gdansk cost?")
    assert [c.kind for c in answer.conflicts] == [ConflictKind.NUMERIC]
    sides = answer.conflicts[0].sides
    assert all(s.citation for s in sides)  # each side is one of the answer's citations
    assert f"[{sides[0].citation}] vs [{sides[1].citation}]" in answer.answer


def test_no_conflicts_when_the_stage_is_off(fake_embedder):
    from assistant import Assistant, Settings

    bot = _indexed(Assistant(Settings(store_path=None, max_conflicts=0), embedder=fake_embedder))
    answer = bot.ask("How much did the Vistula bridge in Gdansk cost?")
    assert answer.answerable and answer.conflicts == () and "disagree" not in answer.answer


def test_kinds_serialise_as_plain_strings(fast_bot):
    answer = _indexed(fast_bot).ask("How much did the Vistula bridge in Gdansk cost?")
    payload = json.loads(json.dumps(answer.to_dict()))
    assert payload["conflicts"][0]["kind"] == "numeric"
    assert type(answer.to_dict()["conflicts"][0]["kind"]) is str
    assert [k.value for k in ConflictKind] == [
        "disputed_claim",
        "factual",
        "numeric",
        "date",
        "outdated",
        "quote_wording",
        "name_spelling",
    ]
    assert f"{ConflictKind.DATE}" == "date" and ConflictKind("factual") == "factual"
