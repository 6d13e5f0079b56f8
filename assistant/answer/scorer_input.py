"""What the answer scorer reads for one candidate sentence: one function, shared by the
training script (`train/answer_scorer.py`) and the runtime scorer, so both see the same text.

The sentence comes first, so truncation cuts the context (the article's title and the
sentence before it), never the sentence itself. The context lets the scorer resolve "he" or
"the company" and see which story the sentence belongs to.
"""

from __future__ import annotations

SEPARATOR = " [SEP] "  # BERT's own separator: the tokenizer reads it as the special token
MAX_TOKENS = 128  # question + sentence + context; longer inputs lose their context first


def candidate_text(sentence: str, title: str = "", previous: str = "") -> str:
    """The second segment of the scorer's input for `sentence`."""
    context = " | ".join(part.strip() for part in (title, previous) if part.strip())
    return sentence.strip() + (SEPARATOR + context if context else "")
