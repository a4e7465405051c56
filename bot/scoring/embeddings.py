"""Optional sentence-embedding feature space (`pip install 'rxradar[embeddings]'`).

A paper's "title. abstract" becomes one unit vector from a sentence-transformers model
(all-MiniLM-L6-v2, SPECTER2, or a local directory holding one). To the journal model it is
one more feature space: the journal centroid is the normalised sum of its papers' vectors
and the component is the cosine to it, weighted and calibrated with the others. Dense
vectors are stored in the same sparse containers as TF-IDF (every entry set), so the
tables, folds and custom profiles need no second code path; only the pruning that keeps
TF-IDF centroids sparse is skipped for them (tables.py).

The encoder is loaded on first use and never pickled: a saved model records the model
name and loads it again when it has to embed new preprints. Nothing here imports torch or
sentence-transformers until a model with this space is trained or used.

Vectors are kept in memory (the last CACHE_LIMIT) and, once `attach_vector_store` gave a
directory, in a small SQLite file per encoder there, so a restart, a retraining or a
one-shot `rxradar poll` does not pay the encoder again for text it has seen.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from bot.scoring.errors import EmbeddingError

log = logging.getLogger(__name__)

Encoder = Callable[[list[str]], np.ndarray]  # texts → n × d unit vectors
BATCH = 32
PROGRESS_FROM = 500  # texts in one call before a progress bar is worth showing
CACHE_LIMIT = 50_000  # vectors remembered per space (≈ 77 MB at 384 dimensions)


def load_encoder(model_name: str) -> Encoder:
    """A sentence-transformers encoder on the CPU; clear errors when it cannot be had."""
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise EmbeddingError(
            f"the model uses sentence embeddings ({model_name}) but sentence-transformers is "
            "not installed: pip install 'rxradar[embeddings]' (or unset "
            "RXRADAR_EMBEDDING_MODEL and retrain)"
        ) from None
    try:
        model = SentenceTransformer(model_name, device="cpu")
    except Exception as exc:  # hub errors, missing files, bad directories: all one message
        raise EmbeddingError(
            f"cannot load the embedding model {model_name!r}: {exc}. Give a model name the "
            "machine can download once, or a local directory holding the model"
        ) from exc

    def encode(texts: list[str]) -> np.ndarray:
        # Thousands of texts take minutes: show the encoder's bar to a person at a terminal.
        bar = len(texts) >= PROGRESS_FROM and sys.stderr.isatty()
        vectors = model.encode(
            texts, batch_size=BATCH, normalize_embeddings=True, show_progress_bar=bar
        )
        return np.asarray(vectors, dtype=np.float32)

    return encode


class VectorStore:
    """Vectors by text hash in one SQLite file (one file per encoder; safe to delete)."""

    CHUNK = 500  # keys per SELECT (SQLite's parameter limit is far above)

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL)"
        )
        self._db.commit()

    def get(self, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        for start in range(0, len(keys), self.CHUNK):
            chunk = list(keys[start : start + self.CHUNK])
            marks = ",".join("?" * len(chunk))
            query = f"SELECT key, vector FROM vectors WHERE key IN ({marks})"
            for key, blob in self._db.execute(query, chunk):
                found[bytes(key)] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put(self, items: Iterable[tuple[bytes, np.ndarray]]) -> None:
        rows = [(key, np.asarray(v, dtype=np.float32).tobytes()) for key, v in items]
        with self._db:
            self._db.executemany("INSERT OR IGNORE INTO vectors VALUES (?, ?)", rows)

    def close(self) -> None:
        self._db.close()


def vector_store_path(directory: Path, model_name: str) -> Path:
    """One file per encoder: a readable slug of its name plus a hash (paths differ)."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", model_name.rstrip("/").rsplit("/", 1)[-1])[:40]
    digest = hashlib.sha256(model_name.encode()).hexdigest()[:10]
    return directory / f"{slug.strip('-') or 'model'}-{digest}.sqlite"


def attach_vector_store(vectorizers: Iterable[object], directory: Path) -> None:
    """Give every embedding space among a model's vectorizers an on-disk vector store."""
    for vectorizer in vectorizers:
        if isinstance(vectorizer, EmbeddingSpace):
            vectorizer.keep_vectors_in(directory)


class EmbeddingSpace:
    """The vectorizer interface of TextVectorizer/PrefixVectorizer, for sentence embeddings."""

    dense = True

    def __init__(self, model_name: str, encoder: Encoder | None = None) -> None:
        self.model_name = model_name
        self.n_features = 0
        self.idf = np.ones(0)
        self._encoder = encoder
        self._cache: dict[bytes, np.ndarray] = {}
        self._lock = threading.Lock()  # the scheduler and the web server share one model
        self._disk: VectorStore | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_encoder"] = None  # torch models are not pickled; reloaded by name
        state["_cache"] = {}
        state["_disk"] = None  # where vectors are kept is the running process's business
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()
        self._disk = None

    def keep_vectors_in(self, directory: Path) -> None:
        """Remember vectors on disk under `directory` (see VectorStore)."""
        with self._lock:
            self._disk = VectorStore(vector_store_path(directory, self.model_name))

    def fit(self, texts: Sequence[str]) -> EmbeddingSpace:
        probe = self._embed(list(texts[:1]) or ["x"])
        self.n_features = probe.shape[1]
        self.idf = np.ones(self.n_features)
        return self

    def term_frequencies(self, texts: Sequence[str]) -> sp.csr_matrix:
        return sp.csr_matrix(self._embed(list(texts)))

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self.term_frequencies(texts)

    def held_out_idf(self, held_out: sp.csr_matrix) -> np.ndarray:
        return self.idf

    def _embed(self, texts: list[str]) -> np.ndarray:
        """Vectors for `texts`, encoding each distinct text not seen before once."""
        if not texts:
            return np.zeros((0, self.n_features), dtype=np.float32)
        with self._lock:
            return self._embed_locked(texts)

    def _embed_locked(self, texts: list[str]) -> np.ndarray:
        keys = [hashlib.blake2b(t.encode(), digest_size=16).digest() for t in texts]
        todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in self._cache}
        fresh = self._disk.get(list(todo)) if self._disk is not None and todo else {}
        encode = {k: t for k, t in todo.items() if k not in fresh}
        if encode:
            vectors = dict(zip(encode, self._encode(list(encode.values())), strict=True))
            if self._disk is not None:
                self._disk.put(vectors.items())
            fresh.update(vectors)
        out = np.stack([fresh[k] if k in fresh else self._cache[k] for k in keys])
        if len(self._cache) + len(fresh) > CACHE_LIMIT:
            self._cache.clear()
        if len(fresh) <= CACHE_LIMIT:
            self._cache.update(fresh)
        return out.astype(np.float32, copy=False)

    def _encode(self, texts: list[str]) -> np.ndarray:
        if self._encoder is None:
            log.info("loading embedding model %s", self.model_name)
            self._encoder = load_encoder(self.model_name)
        vectors = np.asarray(self._encoder(texts), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        unit: np.ndarray = vectors / np.maximum(norms, 1e-12)
        return unit
