"""The optional language-model stage: backends (the only code that talks to an LLM), prompt
templates, and the grounding check every generated answer must pass."""
