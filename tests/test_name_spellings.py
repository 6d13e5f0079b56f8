"""Name spellings by deletion keys give exactly what comparing every pair of articles gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.conflicts.name_spellings import article_names, is_variant, spelling_pairs

NAMES = [
    "Bremmer",
    "Bremer",
    "Bremmers",
    "Kherson",
    "Khersn",
    "Melnyk",
    "Melnik",
    "Zelensky",
    "Zelenskyy",
    "Peskov",
    "Peskoff",
    "Crimea",
    "Russia",
    "Russian",
    "Musk",
]


def pairwise(names: dict[str, frozenset[str]]) -> list[tuple[str, str, str, str]]:
    """The reference: every pair of articles, in order, first pair per spelling pair."""
    sources, out, seen = list(names), [], set()
    for i, a in enumerate(sources):
        for b in sources[i + 1 :]:
            for x in sorted(names[a] - names[b]):
                for y in sorted(names[b] - names[a]):
                    if frozenset((x, y)) not in seen and is_variant(x, y):
                        seen.add(frozenset((x, y)))
                        out.append((a, x, b, y))
    return out


@settings(max_examples=200, deadline=None)
@given(st.lists(st.frozensets(st.sampled_from(NAMES), max_size=6), max_size=7))
def test_same_as_every_pair_of_articles(articles):
    names = {f"{i:02d}.txt": found for i, found in enumerate(articles)}
    assert spelling_pairs(names) == pairwise(names)


def test_many_articles_stay_fast():
    """10,000 articles of 40 names each: linear in names (the pairwise way takes minutes)."""
    import time

    names = {
        f"{i:05d}.txt": frozenset(f"Name{i % 997}x{j}" for j in range(40)) for i in range(10_000)
    }
    names["a.txt"] = frozenset({"Bremmer"})
    names["b.txt"] = frozenset({"Bremer"})
    started = time.perf_counter()
    found = spelling_pairs(names)
    assert time.perf_counter() - started < 60  # about 1 s here; pairwise: minutes
    assert ("a.txt", "Bremmer", "b.txt", "Bremer") in found


def test_sentence_openers_months_and_titles_are_no_names():
    from assistant.conflicts.name_spellings import article_names

    text = (
        "There were delays. These were long. Experts said exports rose in March.\n"
        "“While it rained,” said Ian Bremmer, the trains ran.\nSergei Lavrov met them."
    )
    names = article_names(text)
    assert {"Bremmer", "Ian", "Sergei", "Lavrov"} <= names
    assert not names & {"There", "These", "Experts", "March", "While"}


def test_two_words_of_one_name_are_never_one_name_spelled_twice():
    text = (
        "Shadow home secretary David Davis spoke first. Mr Davis said the plan was flawed. "
        "Davis later left the chamber."
    )
    # "David" occurs once beside the more frequent "Davis": a first name, not a typo of it
    assert {"David", "Davis"} <= article_names(text)
    typo = "Ian Bremmer wrote on Monday. Bremmer said so. Later Bremer said more."
    assert "Bremer" not in article_names(typo)  # a lone variant is still folded into its twin
