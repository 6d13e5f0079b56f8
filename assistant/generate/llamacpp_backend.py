"""A local GGUF model through llama-cpp-python (the optional extra: pip install .[llm])."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

from assistant.generate.models import LLMError
from index.errors import ConfigError


class LlamaCppGenerator:
    name = "llamacpp"

    def __init__(self, model_path: str, context: int = 2048):
        if not Path(model_path).is_file():
            raise ConfigError(f"no GGUF model file at {model_path}")
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise ConfigError("generator 'llamacpp' needs: pip install '.[llm]'") from exc
        try:
            self._llm = Llama(model_path=model_path, n_ctx=context, verbose=False)
        except (ValueError, RuntimeError, OSError) as exc:
            raise ConfigError(f"cannot load GGUF model {model_path}: {exc}") from exc
        self._lock = threading.Lock()  # one llama context serves one request at a time

    def generate(self, prompt: str) -> str:
        return "".join(self.stream(prompt))

    def stream(self, prompt: str) -> Iterator[str]:
        with self._lock:
            try:
                for part in self._llm.create_chat_completion(
                    messages=[{"role": "user", "content": prompt}],
                    temperature=0,
                    max_tokens=256,
                    stream=True,
                ):
                    text = part["choices"][0].get("delta", {}).get("content")
                    if text:
                        yield text
            except (ValueError, RuntimeError, KeyError, IndexError) as exc:
                raise LLMError(f"the local model failed: {exc}") from exc
