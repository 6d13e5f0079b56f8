"""The embedding backends: ONNX (default) gives the torch model's vectors, exports once, and
answers without importing torch."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from index.embedder import bundled_model_path, make_embedder
from index.errors import ConfigError
from index.onnx_embedder import OnnxEmbedder
from index.torch_embedder import SentenceTransformerEmbedder

TEXTS = [
    "The central bank raised rates by half a point on Tuesday.",
    "Short.",
    "A much longer sentence " * 80,  # beyond the model's 256 tokens: truncated alike
    "",
    "Émigrés’ “quotes” — and emoji 🎉 survive tokenisation.",
]


@pytest.fixture(scope="module")
def torch_embedder() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


def test_onnx_matches_torch(embedder, torch_embedder):
    assert isinstance(embedder, OnnxEmbedder)
    ours, reference = embedder.embed(TEXTS), torch_embedder.embed(TEXTS)
    assert ours.shape == reference.shape == (len(TEXTS), 384)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert (ours * reference).sum(axis=1).min() > 0.9999
    # batching and ordering do not change a text's vector
    np.testing.assert_allclose(embedder.embed(TEXTS[::-1])[::-1], ours, atol=1e-5)
    assert embedder.embed([]).shape == (0, 384)


def test_export_is_cached_and_atomic(tmp_path):
    first = OnnxEmbedder(cache_dir=tmp_path)
    made = first.path.stat().st_mtime_ns
    again = OnnxEmbedder(cache_dir=tmp_path)
    assert again.path == first.path and again.path.stat().st_mtime_ns == made
    # no temporary files left: the graph, and the weights' fingerprint a store records
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [first.path.name, "fingerprints.json"]
    )
    assert again.fingerprint == first.fingerprint and len(first.fingerprint) == 16


def test_int8_is_close_but_not_identical(embedder, tmp_path):
    shutil.copy(embedder.path, tmp_path / embedder.path.name)  # skip a second export
    quantized = OnnxEmbedder(cache_dir=tmp_path, quantized=True)
    assert quantized.path.name.endswith("-int8.onnx")
    sims = (quantized.embed(TEXTS[:3]) * embedder.embed(TEXTS[:3])).sum(axis=1)
    assert 0.8 < sims.min() < 0.9999


def test_bad_models_are_named(tmp_path):
    with pytest.raises(ConfigError, match="backend"):
        make_embedder(backend="tensorflow")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="no-such-model"):
        make_embedder(str(tmp_path / "no-such-model"))
    model = tmp_path / "cls-model"
    shutil.copytree(bundled_model_path(), model)
    pooling = model / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    pooling.write_text(json.dumps(config | {"pooling_mode_mean_tokens": False}))
    with pytest.raises(ConfigError, match="mean pooling"):
        OnnxEmbedder(str(model), cache_dir=tmp_path)


def test_answering_does_not_import_torch(embedder):
    probe = (
        "import sys; from index.embedder import make_embedder; "
        "e = make_embedder(); e.embed(['a question']); import assistant.facade; "
        "print('torch' in sys.modules, 'transformers' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_a_damaged_cached_graph_is_exported_again(tmp_path):
    first = OnnxEmbedder(cache_dir=tmp_path)
    before = first.embed(TEXTS[:1])  # from the graph as exported, before the damage
    first.path.write_bytes(b"not an onnx graph")
    again = OnnxEmbedder(cache_dir=tmp_path)
    vectors = again.embed(TEXTS[:1])  # the session is made on first use, and finds it damaged
    assert again.path.stat().st_size > 1_000_000
    np.testing.assert_allclose(vectors, before, atol=1e-6)
