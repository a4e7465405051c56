"""Turning scores into calibrated probabilities.

The model's logit for journal j is a weighted sum of component scores (cosine to the
journal's centroid, a category term, the log prior): z_j = Σ_k w_k · s_jk. Fitting w by
minimising log-loss on held-out papers is a conditional-logit model: convex, a handful of
parameters, and it does ensembling and temperature scaling at once (doubling every weight
halves the temperature). Plain temperature scaling of a single score is the K=1 case.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, stable for large logits (computed in place on a copy)."""
    out = logits - logits.max(axis=1, keepdims=True)
    np.exp(out, out=out)
    out /= out.sum(axis=1, keepdims=True)
    return out


def log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _loss_and_gradient(
    weights: np.ndarray, scores: np.ndarray, labels: np.ndarray, l2: float
) -> tuple[float, np.ndarray]:
    rows = np.arange(len(labels))
    logp = log_softmax(scores @ weights)
    probs = np.exp(logp)
    expected = np.einsum("nj,njk->nk", probs, scores)
    gradient = -(scores[rows, labels] - expected).mean(axis=0) + 2 * l2 * weights
    loss = -logp[rows, labels].mean() + l2 * float(weights @ weights)
    return float(loss), gradient


def fit_weights(scores: np.ndarray, labels: np.ndarray, l2: float = 1e-4) -> np.ndarray:
    """Weights w (one per component) minimising log-loss of softmax(scores @ w).

    `scores` is n × journals × components (held-out component scores), `labels` the true
    journal index per row.
    """
    if scores.ndim != 3 or len(scores) != len(labels):
        raise ValueError("scores must be n × journals × components, one row per label")
    scores = scores.astype(np.float64, copy=False)
    start = np.ones(scores.shape[2])
    result = minimize(
        _loss_and_gradient,
        start,
        args=(scores, np.asarray(labels), l2),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": 500},
    )
    return np.asarray(result.x, dtype=np.float64)


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature T minimising log-loss of softmax(logits / T) (T > 1 softens)."""
    weights = fit_weights(logits[:, :, None], labels, l2=0.0)
    inverse = float(weights[0])
    if inverse <= 0:
        raise ValueError("the logits carry no signal about the labels; cannot calibrate")
    return 1.0 / inverse


def apply_temperature(logits: np.ndarray, temperature: float) -> np.ndarray:
    return softmax(logits / temperature)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p) - np.log1p(-p)


def fit_top_label(probabilities: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """(a, b) of Platt scaling on the top-1 probability: P(top is right) = σ(a + b·logit(top)).

    Temperature scaling fixes the average over all journals; this second, monotone map fixes
    the shape of the top-1 confidence (softening the rare very confident rows) without
    changing any ranking.
    """
    x = _logit(probabilities.max(axis=1))
    correct = (probabilities.argmax(axis=1) == labels).astype(float)

    def loss(ab: np.ndarray) -> tuple[float, np.ndarray]:
        z = ab[0] + ab[1] * x
        p = 1.0 / (1.0 + np.exp(-z))
        nll = np.logaddexp(0, z) - correct * z
        residual = p - correct
        return float(nll.mean()), np.array([residual.mean(), (residual * x).mean()])

    result = minimize(loss, np.array([0.0, 1.0]), jac=True, method="L-BFGS-B")
    return float(result.x[0]), float(result.x[1])


def apply_top_label(probabilities: np.ndarray, a: float, b: float) -> np.ndarray:
    """Replace each row's top probability by σ(a + b·logit(top)), rescaling the rest.

    The new top never drops below the (rescaled) runner-up, so rankings are unchanged.
    """
    if len(probabilities) == 0:
        return probabilities
    rows = np.arange(len(probabilities))
    top = probabilities.argmax(axis=1)
    old = probabilities[rows, top]
    masked = probabilities.copy()
    masked[rows, top] = -np.inf
    second = masked.max(axis=1) if probabilities.shape[1] > 1 else np.zeros(len(rows))
    new = 1.0 / (1.0 + np.exp(-(a + b * _logit(old))))
    floor = second / np.maximum(1.0 - old + second, 1e-12) * (1.0 + 1e-6)  # no new ties
    new = np.clip(np.maximum(new, floor), 0.0, 1.0 - 1e-9)
    rest = np.maximum(1.0 - old, 1e-12)
    out = probabilities * ((1.0 - new) / rest)[:, None]
    out[rows, top] = new
    return out
