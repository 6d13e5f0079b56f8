"""The ONNX Runtime backend of `Embedder`, for mean-pooled BERT-style sentence-transformers.

The graph is exported once from the local weights (with torch, which is then no longer needed)
into a cache folder, optionally quantised to int8; later processes load it with onnxruntime and
tokenise with `tokenizers`, so answering a question imports neither torch nor transformers.
onnxruntime is already installed as a Chroma dependency. On this machine it embeds sentences
about twice as fast as torch, with the same vectors (cosine 0.9999999); see docs/PERFORMANCE.md.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import uuid
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from index.embedder import (
    DEFAULT_CACHE,
    DEFAULT_MODEL,
    RecentTexts,
    model_path,
    weights_fingerprint,
)
from index.errors import ConfigError

_EXPORT_VERSION = 1  # part of the cached file's name: bump when the export changes
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class OnnxEmbedder:
    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        cache_dir: Path | None = None,
        quantized: bool = False,
        batch_size: int = 8,  # on 2 cores: 307 sentences/s against 240 with 64, and half the memory
        cache_size: int = 4096,
        threads: int = 0,
    ):
        """`threads`: ONNX Runtime's threads for one call (0: one per core). Indexing beside
        a served chat uses fewer, so questions keep a core."""
        if batch_size < 1:
            raise ConfigError(f"embedding batch size must be at least 1, got {batch_size}")
        folder = Path(model_path(model))
        config = _read_json(folder / "1_Pooling" / "config.json", model)
        if not config.get("pooling_mode_mean_tokens"):
            raise ConfigError(
                f"embedding model {model!r} does not use mean pooling; "
                "set ASSISTANT_EMBEDDING_BACKEND=torch"
            )
        from tokenizers import Tokenizer

        self.name, self.quantized, self.batch_size = model, quantized, batch_size
        self.dimension = int(config["word_embedding_dimension"])
        limit = _read_json(folder / "sentence_bert_config.json", model).get("max_seq_length", 256)
        try:
            self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        except Exception as exc:  # tokenizers raises a bare Exception on a bad file
            raise ConfigError(f"cannot load the tokenizer of {model!r}: {exc}") from exc
        self._tokenizer.enable_truncation(int(limit))
        self._tokenizer.enable_padding()
        cache = (cache_dir or DEFAULT_CACHE).expanduser()
        # int8 moves the vectors (cosine 0.96 to fp32): a store must tell the two apart
        self.fingerprint = weights_fingerprint(model, cache) + ("-int8" if quantized else "")
        self.path = exported_graph(folder, cache, quantized)
        self._folder, self._cache, self._threads = folder, cache, threads
        self._session_lock = threading.Lock()
        self._loaded = None  # the ONNX session, made on first use: see _session
        self.embed_cached = RecentTexts(self.embed, self.dimension, cache_size)

    @property
    def _session(self):
        """The ONNX session, made on first use: a no-op `index` embeds nothing and need not
        load the model. A damaged exported graph is exported again."""
        if self._loaded is None:
            with self._session_lock:
                if self._loaded is None:
                    self._loaded = self._open_session()
        return self._loaded

    def _open_session(self):
        try:
            return cpu_session(self.path, self._threads)
        except Exception:  # onnxruntime raises its own kinds for a damaged file: export again
            self.path.unlink(missing_ok=True)
            if self.quantized:
                self.path.with_name(self.path.name.replace("-int8", "")).unlink(missing_ok=True)
            self.path = exported_graph(self._folder, self._cache, self.quantized)
            return cpu_session(self.path, self._threads)

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        # Similar lengths share a batch, so little is spent on padding.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        for lo in range(0, len(texts), self.batch_size):
            rows = order[lo : lo + self.batch_size]
            encoded = self._tokenizer.encode_batch([texts[i] for i in rows])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self._session.run(None, feed)[0]
            summed = (hidden * mask[:, :, None]).sum(axis=1)
            means = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
            out[rows] = means / np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-12)
        return out


def exported_graph(folder: Path, cache_dir: Path, quantized: bool) -> Path:
    """The cached ONNX graph for the weights in `folder`, exporting it on first use."""
    names = ("model.safetensors", "pytorch_model.bin")
    weights = next((folder / n for n in names if (folder / n).exists()), None)
    if weights is None:
        raise ConfigError(f"no model weights in {folder}")
    stat = weights.stat()
    key = hashlib.sha256(f"{weights.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    name = f"{folder.name}-{key.hexdigest()[:16]}-v{_EXPORT_VERSION}"
    fp32 = cache_dir / f"{name}.onnx"
    target = cache_dir / f"{name}-int8.onnx" if quantized else fp32
    if target.exists():
        return target
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        if not fp32.exists():
            _atomic(fp32, lambda tmp: _export(folder, tmp))
        if quantized:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            _atomic(target, lambda tmp: quantize_dynamic(fp32, tmp, weight_type=QuantType.QInt8))
    except OSError as exc:
        raise ConfigError(f"cannot write the ONNX model cache {cache_dir}: {exc}") from exc
    except Exception as exc:  # torch's exporter and the quantiser raise many kinds
        raise ConfigError(
            f"cannot export {folder.name} to ONNX ({exc}); set ASSISTANT_EMBEDDING_BACKEND=torch"
        ) from exc
    return target


def _atomic(target: Path, write: Callable[[Path], object]) -> None:
    # Another process may export at the same time: each writes its own file, the last rename wins.
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _export(folder: Path, out: Path) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(folder), attn_implementation="eager").eval()

    export_graph(torch, model, "last_hidden_state", out, ("batch", "tokens"))


def cpu_session(path: Path, threads: int = 0):
    """An ONNX Runtime session on the CPU, as every model here runs (`threads` 0: one per
    core). Shared with the answer scorer."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3  # no warnings about unused initialisers on every start
    # Idle worker threads would spin for work and take the cores from Chroma and the rest
    # of `ask` (median ask 23 -> 15 ms on 1,262 chunks without spinning).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.intra_op_num_threads = max(0, threads)
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def export_graph(torch, model, field: str, out: Path, output_axes: tuple[str, ...]) -> None:
    """Export a Hugging Face BERT-shaped model to ONNX with one output, `model(...).<field>`,
    batch and token axes dynamic. Shared with train/answer_scorer.py (the answer scorer)."""

    class OneOutput(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            outputs = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return getattr(outputs, field)

    sample = torch.ones((2, 8), dtype=torch.long)
    axes = {n: {0: "batch", 1: "tokens"} for n in _INPUTS}
    with warnings.catch_warnings():  # tracer notes about shapes that are dynamic axes here
        warnings.simplefilter("ignore")
        torch.onnx.export(
            OneOutput(),
            (sample, sample, torch.zeros_like(sample)),
            str(out),
            input_names=list(_INPUTS),
            output_names=[field],
            dynamic_axes={**axes, field: dict(enumerate(output_axes))},
            opset_version=17,
            dynamo=False,  # the TorchScript exporter needs no onnxscript
        )


def _read_json(path: Path, model: str) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {path.name} of embedding model {model!r}: {exc}") from exc
