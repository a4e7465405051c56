"""The model's text features: TF-IDF over word prefixes, tokenised with numpy.

A word's first k characters (a cheap stemmer: "genomic"/"genomics" -> "genom") are encoded
as one integer in base 38 (a–z, 0–9, _), so a batch of abstracts is tokenised by a few
vectorised passes over its bytes instead of a regex and a dict lookup per word: scoring
10,000 preprints must take well under 2 s, and tokenising was most of it.

Words are runs of ASCII letters, digits and underscores after lowercasing and folding
accents (é -> e); other characters separate words; one-character words are dropped —
the same tokens as scikit-learn's default pattern on ASCII text.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Iterator, Sequence

import numpy as np
import scipy.sparse as sp

from bot.scoring.features import clean_text, document_frequency, smooth_idf, weigh

BASE = 38
MAX_PREFIX = 10  # 38**10 < 2**53: codes stay exact through float64 sums
CHUNK = 2000  # papers per vectorised pass: bounds the byte-level temporaries
_CODES = np.zeros(256, dtype=np.int64)  # byte -> digit (0 separates words)
for _i, _ch in enumerate(string.ascii_lowercase + string.digits + "_"):
    _CODES[ord(_ch)] = _i + 1


def ascii_text(text: str) -> str:
    text = clean_text(text)
    if text.isascii():
        return text
    folded = unicodedata.normalize("NFKD", text)
    return folded.encode("ascii", "ignore").decode("ascii")


def prefix_codes(texts: Sequence[str], prefix_chars: int) -> tuple[np.ndarray, np.ndarray]:
    """(code, document) of every word of 2+ characters, in reading order."""
    parts = [ascii_text(text) for text in texts]
    ends = np.cumsum(np.fromiter((len(p) + 1 for p in parts), dtype=np.int64, count=len(parts)))
    data = np.frombuffer((" ".join(parts) + " ").encode("ascii"), dtype=np.uint8)
    code = _CODES[data]
    in_word = code > 0
    boundary = np.flatnonzero(in_word[1:] != in_word[:-1]) + 1  # text ends with a space
    if in_word[0]:
        boundary = np.concatenate([[0], boundary])
    starts, stops = boundary[0::2], boundary[1::2]
    long_enough = stops - starts >= 2
    starts, stops = starts[long_enough], stops[long_enough]
    offsets = np.arange(prefix_chars)
    index = starts[:, None] + offsets
    inside = index < stops[:, None]
    digits = np.where(inside, code[np.minimum(index, len(code) - 1)], 0)
    values = digits @ (BASE ** (prefix_chars - 1 - offsets))
    return values.astype(np.int64), np.searchsorted(ends, starts, side="right")


def _chunks(texts: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(texts), CHUNK):
        yield texts[start : start + CHUNK]


class PrefixVectorizer:
    """TF-IDF over word prefixes; same interface as `features.TextVectorizer`."""

    def __init__(
        self, prefix_chars: int = 5, min_df: int = 2, max_df: float = 0.5, sublinear_tf: bool = True
    ) -> None:
        if not 1 <= prefix_chars <= MAX_PREFIX:
            raise ValueError(f"prefix_chars must be between 1 and {MAX_PREFIX}")
        self.prefix_chars, self.min_df, self.max_df = prefix_chars, min_df, max_df
        self.sublinear_tf = sublinear_tf
        self.vocabulary = np.empty(0, dtype=np.int64)  # sorted prefix codes
        self.idf = np.empty(0, dtype=np.float32)
        self.df = np.empty(0, dtype=np.int64)
        self.n_docs = 0

    @property
    def n_features(self) -> int:
        return len(self.vocabulary)

    def fit(self, texts: Sequence[str]) -> PrefixVectorizer:
        empty = np.empty(0, dtype=np.int64)
        seen: list[np.ndarray] = [empty]
        counts: list[np.ndarray] = [empty]
        for chunk in _chunks(texts):
            unique, df = document_frequency(*prefix_codes(chunk, self.prefix_chars))
            seen.append(unique)
            counts.append(df)
        codes, inverse = np.unique(np.concatenate(seen), return_inverse=True)
        df = np.bincount(inverse, weights=np.concatenate(counts)).astype(np.int64)
        n = len(texts)
        keep = (df >= self.min_df) & (df <= self.max_df * n)
        self.vocabulary, self.df, self.n_docs = codes[keep].astype(np.int64), df[keep], n
        self.idf = smooth_idf(self.df, n)
        return self

    def term_frequencies(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Papers × prefixes (1 + ln count, or count), before idf and normalisation."""
        blocks = []
        for chunk in _chunks(texts):
            codes, docs = prefix_codes(chunk, self.prefix_chars)
            column = np.searchsorted(self.vocabulary, codes)
            column = np.minimum(column, max(self.n_features - 1, 0))
            hit = self.vocabulary[column] == codes if self.n_features else codes < 0
            ones = np.ones(int(hit.sum()), dtype=np.float32)
            shape = (len(chunk), self.n_features)
            blocks.append(sp.csr_matrix((ones, (docs[hit], column[hit])), shape=shape))
        counts = sp.csr_matrix(sp.vstack(blocks), dtype=np.float32) if blocks else None
        if counts is None:
            return sp.csr_matrix((0, self.n_features), dtype=np.float32)
        counts.sum_duplicates()
        if self.sublinear_tf:
            counts.data = 1.0 + np.log(counts.data)
        return counts

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        return weigh(self.term_frequencies(texts), self.idf)

    def held_out_idf(self, held_out: sp.csr_matrix) -> np.ndarray:
        """The idf without the `held_out` training papers (0 where they alone support it)."""
        df = self.df - np.bincount(held_out.indices, minlength=self.n_features)
        n = self.n_docs - held_out.shape[0]
        valid = (df >= self.min_df) & (df <= self.max_df * n)
        return np.where(valid, smooth_idf(df, n), 0.0).astype(np.float32)
