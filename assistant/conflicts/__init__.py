"""Where the sources disagree: claims, one rule per kind of disagreement, detection among an
answer's evidence and across the corpus, name spellings, an optional NLI model.

Flow: sentences -> `claims` (with `features`) -> candidate pairs -> `rules` -> `Conflict`s,
ranked by `kinds.ConflictKind`; `finder.ConflictFinder` is the stage the assistant calls.
"""
