"""Word-stem vectors learnt from the journal model's training papers (latent semantics).

A subscriber's votes are few: three a week. On words alone a 👍 moves only preprints that
share its words, so a subscriber who wants one *topic* of a journal (spread over many
words, each weighing little) gains little from a handful of votes. This space gives the
preference model a few dense coordinates in which preprints of one topic lie close even
when they share few words: a truncated SVD (latent semantic analysis) of the training
papers' stem TF-IDF matrix, fitted when the journal model is trained and saved next to it
(`semantics.npz`). A preprint's semantic vector is the sum of its stems' vectors weighted
by sublinear term frequency (the SVD's projection of its TF-IDF row), scaled to unit length.

Stems are the preference model's own (`preference.stem_counts`). Only numpy is needed to
use a fitted space; fitting imports scikit-learn.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SEMANTICS_FILE = "semantics.npz"
MAX_DIMENSIONS = 64  # fitted; the preference model uses the first `semantic_dims` of them
MIN_DOCUMENTS = 3  # a stem in fewer training papers gets no vector
SEED = 0  # the randomised SVD's: one corpus, one space


class SemanticsError(ValueError):
    """A semantics file that cannot be read (the model directory should be retrained)."""


@dataclass(frozen=True, eq=False)
class Semantics:
    """Each known stem's vector (rows of `vectors`, float32), for stems cut to `stem_chars`
    letters. Compared and hashed by identity (one loaded file is one object); `key` names
    its content, so a fit made in another space is known to be stale."""

    stems: dict[str, int]
    vectors: np.ndarray
    stem_chars: int
    key: str = field(default="")

    @property
    def dimensions(self) -> int:
        return int(self.vectors.shape[1])

    def embed(self, weights: dict[str, float], dimensions: int) -> np.ndarray:
        """The unit vector of a text given its stems' weights (zeros when no stem is known)."""
        rows = [(self.stems[s], w) for s, w in weights.items() if s in self.stems]
        if not rows:
            return np.zeros(dimensions)
        at = np.fromiter((r for r, _ in rows), dtype=np.int64, count=len(rows))
        w = np.fromiter((v for _, v in rows), dtype=np.float64, count=len(rows))
        z = w @ self.vectors[at, :dimensions].astype(np.float64)
        length = float(np.linalg.norm(z))
        return z / length if length > 0 else z


def _key(stems: Sequence[str], vectors: np.ndarray, stem_chars: int) -> str:
    digest = hashlib.sha256(f"{stem_chars}\x1f".encode())
    digest.update("\x1f".join(stems).encode())
    digest.update(np.ascontiguousarray(vectors, dtype=np.float32).tobytes())
    return digest.hexdigest()[:32]


def fit_semantics(
    counted: Iterable[dict[str, int]], stem_chars: int, dimensions: int = MAX_DIMENSIONS
) -> Semantics | None:
    """The space of these documents' stem counts (None when there are too few documents or
    stems for even two dimensions)."""
    import scipy.sparse as sp
    from sklearn.decomposition import TruncatedSVD

    vocabulary: dict[str, int] = {}
    indptr, indices, values = [0], [], []
    for counts in counted:
        for stem, n in counts.items():
            indices.append(vocabulary.setdefault(stem, len(vocabulary)))
            values.append(1.0 + math.log(n))
        indptr.append(len(indices))
    n_docs = len(indptr) - 1
    matrix = sp.csr_matrix((values, indices, indptr), shape=(n_docs, len(vocabulary)))
    df = np.bincount(matrix.indices, minlength=len(vocabulary))
    kept = np.flatnonzero(df >= MIN_DOCUMENTS)
    k = min(dimensions, n_docs - 1, len(kept) - 1)
    if k < 2:
        return None
    idf = np.log((1.0 + n_docs) / (1.0 + df[kept])) + 1.0
    weighted = matrix[:, kept] @ sp.diags(idf)
    lengths = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1))).ravel()
    weighted = sp.diags(1.0 / np.maximum(lengths, 1e-12)) @ weighted
    svd = TruncatedSVD(k, algorithm="randomized", n_iter=7, random_state=SEED).fit(weighted)
    # a text's projection is Σ tf·idf·component: the idf goes into each stem's vector
    vectors = (svd.components_.T * idf[:, None]).astype(np.float32)
    names = list(vocabulary)
    stems = [names[i] for i in kept]
    return Semantics({s: i for i, s in enumerate(stems)}, vectors, stem_chars,
                     _key(stems, vectors, stem_chars))  # fmt: skip


def save_semantics(semantics: Semantics, directory: Path) -> None:
    stems = sorted(semantics.stems, key=semantics.stems.__getitem__)
    np.savez_compressed(
        directory / SEMANTICS_FILE,
        stems=np.array(stems, dtype=str),
        vectors=semantics.vectors,
        stem_chars=np.array(semantics.stem_chars),
    )


def load_semantics(directory: Path) -> Semantics | None:
    """The model directory's space; None for a model trained before there was one."""
    path = directory / SEMANTICS_FILE
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as found:
            stems = [str(s) for s in found["stems"]]
            vectors = np.asarray(found["vectors"], dtype=np.float32)
            stem_chars = int(found["stem_chars"])
    except (OSError, KeyError, ValueError) as exc:
        raise SemanticsError(
            f"{path} cannot be read ({exc}); retrain with `rxradar train`"
        ) from exc
    if vectors.ndim != 2 or vectors.shape[0] != len(stems):
        raise SemanticsError(f"{path} is inconsistent; retrain with `rxradar train`")
    return Semantics({s: i for i, s in enumerate(stems)}, vectors, stem_chars,
                     _key(stems, vectors, stem_chars))  # fmt: skip
