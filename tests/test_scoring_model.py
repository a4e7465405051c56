"""The journal model on generated corpora: learns, is calibrated, saves and loads."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.records.paper import Paper
from bot.scoring.artefacts import ArtefactError, read_manifest
from bot.scoring.calibration import softmax
from bot.scoring.custom import build_custom_profile, score_custom
from bot.scoring.features import TextVectorizer, category_key, tokenize, weigh
from bot.scoring.metrics import evaluate
from bot.scoring.model import (
    JournalModel,
    ModelParams,
    _calibration_scores,
    _leave_one_out_scores,
    _vectorizers,
    category_indices,
    load_model,
    save_model,
    train_model,
)
from bot.scoring.prefixes import PrefixVectorizer, prefix_codes
from bot.scoring.synthetic import Corpus, synthetic_corpus
from bot.scoring.tables import component_scores, sums, tables


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return synthetic_corpus(3000, 15, seed=7)


@pytest.fixture(scope="module")
def model(corpus: Corpus) -> JournalModel:
    return train_model(corpus.papers[:2000], corpus.labels[:2000])


def _labels(model: JournalModel, corpus: Corpus) -> np.ndarray:
    return np.array([model.journals.index(label) for label in corpus.labels[2000:]])


def test_our_tfidf_equals_scikit_learns(corpus: Corpus) -> None:
    texts = [p.text for p in corpus.papers[:400]]
    ours = TextVectorizer(min_df=2, max_df=0.5).fit(texts).transform(texts)
    reference = TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_df=0.5, sublinear_tf=True)
    theirs = reference.fit_transform(texts)
    assert ours.shape[1] == theirs.shape[1]
    assert np.allclose((ours @ ours.T).toarray(), (theirs @ theirs.T).toarray(), atol=1e-5)


def test_prefix_features_equal_scikit_learns_on_the_same_tokens() -> None:
    papers = synthetic_corpus(2500, 6, seed=11).papers  # more than one tokenising chunk
    texts = [p.text.replace("a", "A", 3) + " Genomics, genomic; x" for p in papers]
    ours = PrefixVectorizer(5, min_df=2, max_df=0.5).fit(texts).transform(texts)
    reference = TfidfVectorizer(
        analyzer=lambda text: tokenize(text, 5), min_df=2, max_df=0.5, sublinear_tf=True
    )
    theirs = reference.fit_transform(texts)
    assert ours.shape == theirs.shape
    assert np.allclose((ours @ ours.T).toarray(), (theirs @ theirs.T).toarray(), atol=1e-5)


def test_accents_fold_and_tags_vanish_before_prefixes() -> None:
    codes, docs = prefix_codes(["<p>Müller &amp; a genome</p>", "x"], 5)
    vectorizer = PrefixVectorizer(5, min_df=1, max_df=1.0).fit(["muller genom", "other"])
    assert docs.tolist() == [0, 0]  # "a" and "x" are too short to be words
    assert vectorizer.transform(["MÜLLER genomes"]).nnz == 2
    assert len(codes) == 2


def test_tags_and_entities_do_not_become_words() -> None:
    assert tokenize("<jats:p>Gene &amp; cell</jats:p>") == ["gene", "cell"]
    assert tokenize("Genomics of genomes", prefix_chars=5) == ["genom", "of", "genom"]


def test_probabilities_are_rows_that_sum_to_one(model: JournalModel, corpus: Corpus) -> None:
    probabilities = model.predict_proba(corpus.papers[2000:2100])
    assert probabilities.shape == (100, 15)
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert model.predict_proba([]).shape == (0, 15)


def test_it_ranks_well_and_is_calibrated_on_held_out_papers(
    model: JournalModel, corpus: Corpus
) -> None:
    labels = _labels(model, corpus)
    metrics = evaluate(model.predict_proba(corpus.papers[2000:]), labels)
    prior = np.bincount(_labels(model, corpus), minlength=15).max() / len(labels)
    assert metrics.acc_at_1 > 2 * prior
    assert metrics.mrr > 0.6
    assert metrics.ece < 0.05


def test_calibration_beats_a_fixed_temperature(model: JournalModel, corpus: Corpus) -> None:
    spaces, _ = model.features(corpus.papers[2000:])
    cosines = (spaces[0] @ model.tables.centroids[0].T).toarray()
    fixed = evaluate(softmax(cosines * 20), _labels(model, corpus))
    assert evaluate(model.predict_proba(corpus.papers[2000:]), _labels(model, corpus)).ece < (
        fixed.ece / 2
    )


def test_a_saved_model_loads_with_identical_probabilities(
    model: JournalModel, corpus: Corpus, tmp_path: Path
) -> None:
    save_model(model, tmp_path / "v1", {"version": "v1", "min_papers": 10})
    loaded = load_model(tmp_path / "v1")
    papers = corpus.papers[2000:2300]
    assert np.array_equal(loaded.predict_proba(papers), model.predict_proba(papers))
    assert loaded.journals == model.journals


def test_a_model_saved_by_the_previous_release_still_scores(corpus: Corpus, tmp_path: Path) -> None:
    """Saved before per-journal offsets and the three-input top-1 map: no `biases`
    attribute, Platt's two coefficients. It must load and score as it did then."""
    old = train_model(
        corpus.papers[:1500], corpus.labels[:1500], ModelParams(journal_bias_prior=0.0)
    )
    old.top_label = old.top_label[:2]  # what a Platt-only map looked like
    del old.__dict__["biases"]
    papers = corpus.papers[2000:2100]
    before = old.predict_proba(papers)
    save_model(old, tmp_path / "old", {})
    loaded = load_model(tmp_path / "old")
    assert loaded.biases is None
    assert np.allclose(loaded.predict_proba(papers), before)


def test_the_manifest_records_every_hyper_parameter(model: JournalModel, tmp_path: Path) -> None:
    save_model(model, tmp_path / "v1", {"version": "v1"})
    manifest = read_manifest(tmp_path / "v1")
    assert manifest["params"] == json.loads(json.dumps(ModelParams().to_json()))
    assert ModelParams.from_json(manifest["params"]) == ModelParams()
    assert manifest["version"] == "v1"
    assert manifest["counts"]["journals"] == 15
    assert set(manifest["cv_metrics"]) == {"acc@1", "acc@5", "acc@10", "mrr", "ece"}
    assert "created" in manifest


def test_loading_a_directory_without_artefacts_says_retrain(tmp_path: Path) -> None:
    with pytest.raises(ArtefactError, match="retrain"):
        load_model(tmp_path)


def test_parameters_change_the_model(corpus: Corpus) -> None:
    params = ModelParams(spaces=(0, 5), use_category=False, calibration_folds=3)
    model = train_model(corpus.papers[:600], corpus.labels[:600], params)
    assert len(model.vectorizers) == 2
    assert len(model.weights) == 4  # two cosines, category, prior
    assert model.params is params


def test_training_needs_two_journals() -> None:
    paper = Paper(title="a title", abstract="an abstract")
    with pytest.raises(ValueError, match="two journals"):
        train_model([paper, paper], ["j", "j"])


def test_a_custom_profile_scores_on_the_journals_scale(corpus: Corpus) -> None:
    target = corpus.labels[0]
    train = [(p, y) for p, y in zip(corpus.papers[:2000], corpus.labels[:2000], strict=True)]
    without = train_model(
        [p for p, y in train if y != target], [y for _, y in train if y != target]
    )
    with_target = train_model([p for p, _ in train], [y for _, y in train])
    profile = build_custom_profile(without, [p for p, y in train if y == target], "mine")
    test = corpus.papers[2000:]
    custom = score_custom(without, [profile], test)[:, 0]
    journal = with_target.predict_proba(test)[:, with_target.journals.index(target)]
    is_target = np.array([y == target for y in corpus.labels[2000:]])
    assert custom[is_target].mean() > 5 * custom[~is_target].mean()
    assert np.corrcoef(custom, journal)[0, 1] > 0.9
    assert custom.mean() == pytest.approx(is_target.mean(), abs=0.05)


def test_leave_one_out_scores_match_tables_rebuilt_without_the_paper() -> None:
    """The cheap correction (subtract the paper from its journal's sum, drop its own rare
    words, its category and prior counts) against the honest refit: one fold per paper."""
    corpus = synthetic_corpus(200, 5, seed=3)
    n = len(corpus.papers)
    params = ModelParams(centroid_max_terms=10**6, calibration_max_papers=n, calibration_folds=n)
    journals = sorted(set(corpus.labels))
    y = np.array([journals.index(label) for label in corpus.labels])
    texts = [p.text for p in corpus.papers]
    vectorizers = [v.fit(texts) for v in _vectorizers(params)]
    frequencies = [v.term_frequencies(texts) for v in vectorizers]
    spaces = [weigh(tf, v.idf) for v, tf in zip(vectorizers, frequencies, strict=True)]
    keys = sorted({category_key(p.category) for p in corpus.papers} - {""})
    cats = category_indices(corpus.papers, {k: i for i, k in enumerate(keys)}, params)
    totals = sums(spaces, y, cats, len(journals), len(keys))
    table = tables(totals, params)
    refit, refit_labels = _calibration_scores(vectorizers, frequencies, y, cats, len(keys), params)
    loo, loo_labels = _leave_one_out_scores(
        vectorizers, frequencies, y, cats, totals, table, params
    )
    order = np.random.default_rng(params.seed).permutation(n)  # the refit's fold order
    naive = component_scores(spaces, cats, table)[order]
    loo = loo[order]
    assert (loo_labels[order] == refit_labels).all()
    rows = np.arange(n)
    own_error = np.abs(loo[rows, refit_labels, 0] - refit[rows, refit_labels, 0]).mean()
    naive_error = np.abs(naive[rows, refit_labels, 0] - refit[rows, refit_labels, 0]).mean()
    assert own_error < 0.01  # only the other papers' idf (n − 1 instead of n) differs
    assert naive_error > 5 * own_error  # scoring a paper against its own centroid
    assert np.allclose(loo[:, :, 1:], refit[:, :, 1:], atol=1e-5)  # category and prior exact


def test_leave_one_out_calibration_is_an_option_beside_folds(corpus: Corpus) -> None:
    loo = train_model(corpus.papers[:600], corpus.labels[:600], ModelParams(calibration_folds=0))
    folds = train_model(corpus.papers[:600], corpus.labels[:600])
    assert folds.info["n_calibration"] == loo.info["n_calibration"] == 600
    assert loo.weights[0] > 0 and folds.weights[0] > 0
    metrics = evaluate(loo.predict_proba(corpus.papers[2000:]), _labels(loo, corpus))
    assert metrics.mrr > 0.6 and metrics.ece < 0.05
