"""bench/bench_feedback.py's simulated subscribers (the bench is a script, loaded from its
file): what a category subscriber wants."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np

from bot.records.paper import Paper

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench_feedback.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_feedback", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while defined
    spec.loader.exec_module(module)
    return module


def test_a_category_subscriber_wants_its_category_however_it_is_capitalised() -> None:
    """bioRxiv's older records spell "Genomics", newer ones "genomics": one subject. A
    subscriber of it that voted 👎 on half its own category would teach the model nonsense."""
    bench = _bench()
    spellings = ["Genomics", "genomics", "Neuroscience", "neuroscience"]
    stream = [
        Paper(title=f"t{i}", abstract="a", id=f"p{i}", category=spellings[i % 4]) for i in range(80)
    ]
    probabilities = np.linspace(0.9, 0.1, 80).reshape(-1, 1)
    found = bench.subscribers(["J"], stream, probabilities, [[]], 0.0, 1.0)
    by_label = {s.label.casefold(): s.wanted for s in found if s.kind == "category"}
    assert set(by_label) == {"genomics", "neuroscience"}  # one subscriber per subject
    genomics = {p.id for p in stream if (p.category or "").casefold() == "genomics"}
    assert by_label["genomics"] == genomics  # both spellings wanted
