"""Follow-up questions: carry the conversation's subject into retrieval.

"What did he say about Taiwan?" after "What did Musk propose?" is retrieved as if it read
"... Musk ...": the names of the most recent earlier question that has any are added to the
search query when the follow-up leans on a pronoun or names nobody itself. No model needed,
so it works the same with or without an LLM.
"""

from __future__ import annotations

import re

from assistant.names import NAME_RUN, is_question_word, question_names
from index.errors import AssistantError

_PRONOUN = re.compile(
    r"\b(he|she|they|him|her|them|his|hers|their|theirs|it|its|this|that|these|those|there)\b",
    re.IGNORECASE,
)
_LONGEST = 200  # characters a rewritten query may add beyond three times the question


def standalone_query(question: str, history: list[str] | tuple[str, ...]) -> str:
    """The text to retrieve with: the question, plus the subject it refers back to."""
    if not history:
        return question
    leans_back = bool(_PRONOUN.search(question)) or not question_names(question)
    if not leans_back:
        return question
    for earlier in reversed(history):
        names = [m.group(0) for m in NAME_RUN.finditer(earlier) if not is_question_word(m.group(0))]
        if names:
            return f"{question} ({', '.join(dict.fromkeys(names))})"
    return question


def condensed_query(question: str, history: list[str] | tuple[str, ...], rewrite) -> str:
    """A follow-up rewritten by a language model (`rewrite(history_text, question)`), kept
    only if it invents no name; otherwise the rule-based query above."""
    fallback = standalone_query(question, history)
    if not history or rewrite is None:
        return fallback
    try:
        text = " ".join(str(rewrite("\n".join(history), question)).split())
    except AssistantError:
        return fallback
    known = " ".join([*history, question])
    names = [m.group(0) for m in NAME_RUN.finditer(text)]
    invented = [n for n in names if not is_question_word(n) and n not in known]
    if not text or invented or len(text) > 3 * len(question) + _LONGEST:
        return fallback
    return text
