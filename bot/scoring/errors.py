"""Errors of the scoring layer that the command line turns into one readable line.

Kept free of numpy/scikit-learn imports so the CLI can catch them without loading either.
"""

from __future__ import annotations


class EmbeddingError(RuntimeError):
    """The embedding model cannot be loaded or used; the message says what to install/set."""
