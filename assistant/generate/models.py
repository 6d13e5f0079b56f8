"""Language-model backends, the only place the project talks to an LLM.

Each backend is one small class behind `Generator`; `make_generator` picks one from Settings.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from index.errors import AssistantError, ConfigError


class LLMError(AssistantError):
    """The language model failed: unreachable, too slow, or an unusable reply."""


class Generator(Protocol):
    name: str

    def generate(self, prompt: str) -> str: ...

    def stream(self, prompt: str) -> Iterator[str]: ...


def make_generator(settings) -> Generator | None:
    """The configured backend, or None for the extractive answerer."""
    if settings.generator == "extractive":
        return None
    if settings.generator == "openai":
        if not settings.llm_base_url:
            raise ConfigError("generator 'openai' needs ASSISTANT_LLM_BASE_URL")
        from assistant.llm.openai_backend import OpenAIGenerator

        return OpenAIGenerator(
            settings.llm_base_url, settings.llm_model, settings.llm_api_key, settings.llm_timeout
        )
    if settings.generator == "llamacpp":
        if not settings.llm_model_path:
            raise ConfigError("generator 'llamacpp' needs ASSISTANT_LLM_MODEL_PATH")
        from assistant.llm.llamacpp_backend import LlamaCppGenerator

        return LlamaCppGenerator(settings.llm_model_path)
    raise ConfigError(f"unknown generator {settings.generator!r}")
