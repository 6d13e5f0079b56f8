"""Any OpenAI-compatible server (Ollama, vLLM, llama.cpp's server, LM Studio), through
LangChain's chat model for OpenAI-compatible APIs."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.generate.models import LLMError


class OpenAIGenerator:
    name = "openai"

    def __init__(self, base_url: str, model: str, api_key: str | None, timeout: float):
        from langchain_openai import ChatOpenAI

        self._chat = ChatOpenAI(
            base_url=base_url,
            model=model,
            api_key=api_key or "not-needed",  # local servers ignore it; the client wants one
            timeout=timeout,
            max_retries=0,  # a retry would double the wait past the configured timeout
            temperature=0,
            max_tokens=256,
        )
        self._where = base_url

    def generate(self, prompt: str) -> str:
        return "".join(self.stream(prompt))

    def stream(self, prompt: str) -> Iterator[str]:
        import httpx
        import openai

        try:
            for chunk in self._chat.stream(prompt):
                text = chunk.content if isinstance(chunk.content, str) else ""
                if text:
                    yield text
        except openai.APITimeoutError as exc:
            raise LLMError(f"the language model at {self._where} timed out") from exc
        except (openai.APIConnectionError, httpx.HTTPError) as exc:
            raise LLMError(f"the language model at {self._where} is unavailable: {exc}") from exc
        except (openai.APIError, ValueError, KeyError, TypeError) as exc:
            raise LLMError(
                f"the language model at {self._where} sent an unusable reply: {exc}"
            ) from exc
