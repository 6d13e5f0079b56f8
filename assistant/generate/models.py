"""Language-model backends, the only place the project talks to an LLM.

Each backend is one small class behind `LanguageModel`; `language_model` picks one by name.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from index.errors import AssistantError, ConfigError


class LLMError(AssistantError):
    """The language model failed: unreachable, too slow, or an unusable reply."""


class LanguageModel(Protocol):
    name: str

    def generate(self, prompt: str) -> str: ...

    def stream(self, prompt: str) -> Iterator[str]: ...


def language_model(
    kind: str,
    *,
    base_url: str | None = None,
    model: str = "default",
    api_key: str | None = None,
    model_path: str | None = None,
    timeout: float = 30.0,
) -> LanguageModel | None:
    """The backend named `kind`, or None for "extractive" (no model)."""
    if kind == "extractive":
        return None
    if kind == "openai":
        if not base_url:
            raise ConfigError("generator 'openai' needs ASSISTANT_LLM_BASE_URL")
        from assistant.generate.openai_backend import OpenAIGenerator

        return OpenAIGenerator(base_url, model, api_key, timeout)
    if kind == "llamacpp":
        if not model_path:
            raise ConfigError("generator 'llamacpp' needs ASSISTANT_LLM_MODEL_PATH")
        from assistant.generate.llamacpp_backend import LlamaCppGenerator

        return LlamaCppGenerator(model_path)
    raise ConfigError(f"unknown generator {kind!r}")
