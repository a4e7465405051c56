"""Model artefacts on disk: `model.joblib` (the fitted objects) plus `manifest.json`.

The manifest is what people and the database read (created time, counts, journals,
hyper-parameters, cross-validated metrics, artefact format); loading never retrains.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib

from bot.scoring.model import JournalModel

FORMAT = "rxradar-journal-model/1"
MODEL_FILE = "model.joblib"
MANIFEST_FILE = "manifest.json"


class ArtefactError(ValueError):
    """A model directory is missing, incomplete or from an incompatible version."""


def manifest_defaults(model: JournalModel) -> dict[str, Any]:
    """What every manifest records; callers may add to or override it."""
    counts = model.papers_per_journal()
    return {
        "format": FORMAT,
        "created": datetime.now(UTC).isoformat(),
        "counts": {"papers": int(sum(counts.values())), "journals": len(model.journals)},
        "journals": [{"key": key, "papers": counts[key]} for key in model.journals],
        "params": model.params.to_json(),
        "cv_metrics": model.cv_metrics.to_json() if model.cv_metrics else {},
        "weights": [float(w) for w in model.weights],
        "top_label": list(model.top_label),
    }


def save_artefacts(model: JournalModel, directory: Path, manifest: dict[str, Any]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, directory / MODEL_FILE, compress=3)
    merged = {**manifest_defaults(model), **manifest, "format": FORMAT}
    text = json.dumps(merged, indent=2, ensure_ascii=False, default=str)
    (directory / MANIFEST_FILE).write_text(text + "\n", encoding="utf-8")


def read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / MANIFEST_FILE
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ArtefactError(f"{path} is missing; retrain with `rxradar train`") from None
    except json.JSONDecodeError as exc:
        raise ArtefactError(f"{path} is not valid JSON ({exc}); retrain") from None
    return data


def load_artefacts(directory: Path) -> JournalModel:
    manifest = read_manifest(directory)
    if manifest.get("format") != FORMAT:
        raise ArtefactError(
            f"{directory} holds model format {manifest.get('format')!r}, this version reads "
            f"{FORMAT!r}; retrain with `rxradar train`"
        )
    try:
        model = joblib.load(directory / MODEL_FILE)
    except FileNotFoundError:
        raise ArtefactError(f"{directory / MODEL_FILE} is missing; retrain") from None
    if not isinstance(model, JournalModel):
        raise ArtefactError(f"{directory / MODEL_FILE} is not a journal model; retrain")
    return model
