"""The one place configuration is read: `Settings`, from arguments or `ASSISTANT_*` variables.

pydantic-settings gives typed values, env parsing and error messages that name the field and
the rejected value, with no hand-written parsing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", frozen=True, extra="forbid")

    store_path: Path | None = Field(
        Path(".assistant/store"), description="Chroma folder; None keeps the store in memory"
    )
    collection: str = Field("news", min_length=3, max_length=50, pattern=r"^[A-Za-z0-9_-]+$")
    chroma_host: str | None = Field(None, description="a Chroma server; None: embedded store")
    chroma_port: int = Field(8000, ge=1, le=65535)
    chroma_ssl: bool = False
    chroma_token: str | None = None
    store_refresh_seconds: float = Field(
        2.0, ge=0, description="how often to look for changes made by other processes"
    )

    embedding_model: str = Field("all-MiniLM-L6-v2", min_length=1)
    embedding_backend: Literal["onnx", "onnx-int8", "torch"] = Field(
        "onnx", description="onnx: exported once from the local weights; torch: the reference"
    )
    model_cache: Path = Field(
        Path("~/.cache/news-assistant"), description="where the exported ONNX graph is kept"
    )
    index_threads: int = Field(
        1,
        ge=0,
        le=256,
        description="ONNX threads that indexing uses in a process serving questions (uploads, "
        "an index run beside the chat), so questions keep the other cores; 0: every core. "
        "`assistant index` on its own uses every core",
    )
    chunk_chars: int = Field(600, ge=100, le=5000)
    chunk_overlap: int = Field(1, ge=0, le=5, description="sentences shared by neighbour chunks")

    top_k: int = Field(6, ge=1, le=50, description="chunks whose sentences are scored")
    candidates: int = Field(20, ge=1, le=200, description="dense and keyword hits fused")
    min_confidence: float = Field(
        0.3, ge=0, le=1, description="below it: 'the articles do not say'"
    )
    answer_sentences: int = Field(3, ge=1, le=10)
    max_question_chars: int = Field(2000, ge=10)
    max_history_turns: int = Field(
        20, ge=0, le=1000, description="earlier questions a follow-up may carry"
    )
    max_history_chars: int = Field(
        8000, ge=0, description="characters of earlier questions a follow-up may carry, in all"
    )
    max_conflicts: int = Field(3, ge=0, le=20, description="conflicts shown with one answer")

    ui_host: str = Field("127.0.0.1", min_length=1, description="web chat address")
    ui_port: int = Field(7860, ge=1, le=65535)
    ui_auth: str | None = Field(None, pattern=r"^[^:]+:.+$", description="user:password")
    ui_max_upload_mb: float = Field(10.0, gt=0, le=1024)
    ui_allowed_hosts: str = Field(
        "",
        description="host names the web chat answers to besides the one it binds "
        "(comma-separated, e.g. news.example.org); browsers on other origins are refused",
    )
    ui_login_attempts: int = Field(
        5, ge=1, le=1000, description="failed logins a client address may make a minute"
    )
    ui_trusted_proxies: str = Field(
        "",
        description="addresses (or networks) of reverse proxies whose X-Forwarded-For names "
        "the client (comma-separated); from any other address the header is ignored",
    )

    # Ingestion budgets: a file over one is refused with a message that gives the budget.
    ingest_max_records: int = Field(1000, ge=1, description="articles in one .json/.jsonl file")
    ingest_max_chunks: int = Field(5000, ge=1, description="chunks in one upload")
    ingest_max_depth: int = Field(500, ge=1, description="nesting of HTML elements or JSON")
    ingest_max_nodes: int = Field(
        100_000, ge=1, description="HTML elements or JSON values in one file"
    )
    ingest_max_file_mb: float = Field(50.0, gt=0, le=4096, description="size of one file read")
    ingest_max_parse_seconds: float = Field(
        5.0, ge=1, le=3600, description="CPU time parsing one file may take (in a worker process)"
    )
    ingest_max_parse_mb: int = Field(
        1024, ge=128, le=1_048_576, description="memory the worker parsing one file may use"
    )
    ingest_max_files: int = Field(100, ge=1, description="files in one upload")
    ingest_max_queued_mb: float = Field(
        50.0, gt=0, le=65536, description="bytes of uploads waiting or being indexed, in all"
    )

    # Fetching pages and feeds (`assistant index URL`): every hop checked (index/fetch.py).
    fetch_allow_private: bool = Field(
        False,
        description="fetch from private, loopback and link-local addresses (off: a URL or a "
        "feed's link cannot reach the machine's own services)",
    )
    fetch_timeout: float = Field(20.0, gt=0, le=600, description="seconds one fetch may take")
    fetch_max_mb: float = Field(10.0, gt=0, le=1024, description="size of one fetched page")
    fetch_max_redirects: int = Field(5, ge=0, le=50, description="redirects one fetch follows")
    fetch_max_items: int = Field(
        100, ge=1, le=10_000, description="items of one feed whose pages --follow fetches"
    )

    generator: Literal["extractive", "openai", "llamacpp"] = "extractive"
    llm_base_url: str | None = Field(None, description="an OpenAI-compatible server's /v1 URL")
    llm_model: str = Field("default", min_length=1)
    llm_api_key: str | None = None
    llm_model_path: str | None = Field(None, description="a GGUF file for 'llamacpp'")
    llm_timeout: float = Field(30.0, gt=0, le=600)

    nli_model: str | None = Field(None, description="a local NLI CrossEncoder; None: rules only")
    nli_threshold: float = Field(0.9, gt=0, le=1)

    @field_validator("store_path", mode="before")
    @classmethod
    def _none_means_memory(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() in ("", "none", ":memory:"):
            return None
        return value
