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
    result: np.ndarray = out
    return result


def log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    result: np.ndarray = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return result


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


def fit_biases(logits: np.ndarray, labels: np.ndarray, l2: float) -> np.ndarray:
    """Per-journal offsets b minimising log-loss of softmax(logits + b) + l2·|b|² (held out).

    What the shared weights cannot express: a journal that draws more (or fewer) of the
    papers that look like it than its size and centroid suggest. The ridge pulls journals
    with few held-out papers back to 0.
    """
    rows = np.arange(len(labels))
    n_journals = logits.shape[1]
    counts = np.bincount(labels, minlength=n_journals).astype(np.float64)

    def loss(b: np.ndarray) -> tuple[float, np.ndarray]:
        logp = log_softmax(logits + b)
        expected = np.exp(logp).sum(axis=0)
        value = -logp[rows, labels].mean() + l2 * float(b @ b)
        return float(value), (expected - counts) / len(labels) + 2 * l2 * b

    result = minimize(loss, np.zeros(n_journals), jac=True, method="L-BFGS-B")
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
    result: np.ndarray = np.log(p) - np.log1p(-p)
    return result


# The top-1 map: P(top is right) = σ(a + b·logit(top) + c·log(top/runner-up) + d·entropy).
# (a, b, c, d) = (0, 1, 0, 0) leaves the top probability as it is.
TOP_LABEL_IDENTITY = (0.0, 1.0, 0.0, 0.0)


def _top_two(probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(column of the top journal, its probability, the runner-up's probability) per row."""
    rows = np.arange(len(probabilities))
    top = probabilities.argmax(axis=1)
    masked = probabilities.copy()
    masked[rows, top] = -np.inf
    second = masked.max(axis=1) if probabilities.shape[1] > 1 else np.zeros(len(rows))
    return top, probabilities[rows, top], second


def top_label_features(probabilities: np.ndarray) -> np.ndarray:
    """n × 3: logit of the top probability, log ratio to the runner-up, entropy (nats).

    How sure the top-1 is depends on more than its own probability: a 40% top with a 39%
    runner-up is a coin toss between two journals, a 40% top over a flat tail is not.
    """
    _, old, second = _top_two(probabilities)
    return _features(probabilities, old, second)


def _features(probabilities: np.ndarray, old: np.ndarray, second: np.ndarray) -> np.ndarray:
    margin = np.log(np.clip(old, 1e-12, 1.0)) - np.log(np.clip(second, 1e-12, 1.0))
    p = probabilities.astype(np.float32)  # float32: 6× faster here, error ~1e-7 nats
    np.maximum(p, 1e-12, out=p)
    entropy = -(p * np.log(p)).sum(axis=1, dtype=np.float64)
    return np.column_stack([_logit(old), margin, entropy])


def fit_top_label(
    probabilities: np.ndarray, labels: np.ndarray, l2: float = 1e-4
) -> tuple[float, ...]:
    """Coefficients (a, b, c, d) of the top-1 map above, by log-loss on held-out papers.

    Temperature scaling fixes the average over all journals; this second map fixes the
    top-1 confidence (softening the rare very confident rows, separating near-ties from
    clear winners) without changing any ranking. A small ridge keeps it tame on tiny data.
    """
    x = np.column_stack([np.ones(len(probabilities)), top_label_features(probabilities)])
    correct = (probabilities.argmax(axis=1) == labels).astype(float)
    penalty = np.array([0.0, 1.0, 1.0, 1.0]) * l2

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = x @ w
        residual = 1.0 / (1.0 + np.exp(-z)) - correct
        nll = np.logaddexp(0, z) - correct * z
        value = float(nll.mean() + penalty @ (w * w))
        return value, x.T @ residual / len(z) + 2 * penalty * w

    start = np.array(TOP_LABEL_IDENTITY)
    result = minimize(loss, start, jac=True, method="L-BFGS-B")
    return tuple(float(w) for w in result.x)


def _coefficients(coefficients: tuple[float, ...]) -> np.ndarray:
    """Older models stored Platt's (a, b) only: the missing terms are zero."""
    out = np.zeros(len(TOP_LABEL_IDENTITY))
    out[: len(coefficients)] = coefficients
    return out


def apply_top_label(probabilities: np.ndarray, coefficients: tuple[float, ...]) -> np.ndarray:
    """Replace each row's top probability by the fitted map, rescaling the rest.

    The new top never drops below the (rescaled) runner-up, so rankings are unchanged.
    """
    if len(probabilities) == 0:
        return probabilities
    rows = np.arange(len(probabilities))
    top, old, second = _top_two(probabilities)
    w = _coefficients(coefficients)
    z = w[0] + _features(probabilities, old, second) @ w[1:]
    new = 1.0 / (1.0 + np.exp(-z))
    floor = second / np.maximum(1.0 - old + second, 1e-12) * (1.0 + 1e-6)  # no new ties
    new = np.clip(np.maximum(new, floor), 0.0, 1.0 - 1e-9)
    rest = np.maximum(1.0 - old, 1e-12)
    out = probabilities * ((1.0 - new) / rest)[:, None]
    out[rows, top] = new
    result: np.ndarray = out
    return result
