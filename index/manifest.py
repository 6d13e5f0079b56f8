"""What built a store: recorded in it, and checked whenever it is opened for reading or writing.

Vectors from one model mean nothing to another: a store built with MiniLM and queried with
another model answers with nonsense and exit status 0. So the store keeps one record naming the
format, the embedding model (name, dimension, a fingerprint of its weights), the chunking and
the per-sentence data indexing adds; opening it with anything else is a one-line error that
names both and says how to re-index. A store from before this record is refused the same way.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from index.errors import StoreError

FORMAT = 2  # 1: stores before the manifest (no leases, JSON keyword index)
# What indexing stores per sentence besides the chunk vector (see units.py).
UNITS = "sentence and clause vectors, int8 with a scale per row; chunk = length-weighted mean"
REBUILD = "re-index it with `assistant index --rebuild PATH...`"


@dataclass(frozen=True)
class Manifest:
    format: int
    model: str
    dimension: int
    weights: str  # fingerprint of the weights (and of int8 quantisation, which moves vectors)
    chunk_chars: int
    chunk_overlap: int
    units: str = UNITS

    def to_meta(self) -> dict:
        return {"kind": "manifest", **asdict(self)}

    @staticmethod
    def from_meta(meta: dict) -> Manifest:
        names = {f.name for f in fields(Manifest)}
        return Manifest(**{k: v for k, v in meta.items() if k in names})

    def model_text(self) -> str:
        return f"{self.model} ({self.dimension} dimensions, weights {self.weights[:12]})"


def check(stored: dict | None, wanted: Manifest, where: str, committed: bool) -> Manifest | None:
    """The stored manifest if it allows `wanted` to read the store (None: an empty store that
    records nothing yet); `StoreError` naming both sides otherwise. `committed`: the store has
    had articles written to it."""
    if stored is None:
        if committed:
            raise StoreError(
                f"the {where} was built before store format {FORMAT} and does not record its "
                f"embedding model; {REBUILD}"
            )
        return None
    try:
        have = Manifest.from_meta(stored)
    except TypeError as exc:
        raise StoreError(f"the {where} has a damaged manifest ({exc}); {REBUILD}") from exc
    if have.format != wanted.format:
        raise StoreError(
            f"the {where} has store format {have.format}, this version reads format "
            f"{wanted.format}; {REBUILD}"
        )
    if (have.model, have.dimension, have.weights) != (
        wanted.model,
        wanted.dimension,
        wanted.weights,
    ):
        raise StoreError(
            f"the {where} was built with {have.model_text()}, but the configured model is "
            f"{wanted.model_text()}; set ASSISTANT_EMBEDDING_MODEL (and _BACKEND) to the "
            f"store's model, or {REBUILD}"
        )
    if have.units != wanted.units:
        raise StoreError(f"the {where} stores other per-sentence data ({have.units}); {REBUILD}")
    return have


def check_chunking(have: Manifest, wanted: Manifest, where: str) -> None:
    """Indexing with other chunking would mix two kinds of chunk in one store."""
    if (have.chunk_chars, have.chunk_overlap) != (wanted.chunk_chars, wanted.chunk_overlap):
        raise StoreError(
            f"the {where} was chunked with {have.chunk_chars} characters and "
            f"{have.chunk_overlap} sentence(s) of overlap, but the settings say "
            f"{wanted.chunk_chars} and {wanted.chunk_overlap}; set ASSISTANT_CHUNK_CHARS and "
            f"ASSISTANT_CHUNK_OVERLAP to the store's, or {REBUILD}"
        )
