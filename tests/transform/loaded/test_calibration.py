"""The centered isotonic map (``transform.loaded.calibration``) and the decision cut taken from it."""

from __future__ import annotations

import numpy as np
from sklearn.isotonic import IsotonicRegression

from transform.loaded.calibration import fit_centered_isotonic
from transform.loaded.metrics import ece
from transform.loaded.model import ISO_FLOOR, _block_threshold

FLOOR = 0.005


def _sample(n: int = 3000, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """Scores whose true P(y=1) is a smooth increasing function of the score, as a stack's are."""
    rng = np.random.default_rng(seed)
    scores = rng.uniform(0, 1, n)
    y = (rng.uniform(0, 1, n) < 0.1 + 0.8 * scores**2).astype(int)
    return scores, y


def test_centered_map_keeps_the_order_that_plain_isotonic_ties() -> None:
    scores, y = _sample()
    plain = IsotonicRegression(out_of_bounds="clip", y_min=FLOOR, y_max=1 - FLOOR).fit(scores, y)
    centered = fit_centered_isotonic(scores, y, FLOOR)
    inside = scores[(scores > centered.x[0]) & (scores < centered.x[-1])]
    assert len(np.unique(plain.predict(inside))) < len(inside) / 20  # plain: a few plateaus
    assert len(np.unique(centered.predict(inside))) == len(np.unique(inside))  # centered: no ties
    assert np.all(np.diff(centered.x) > 0) and np.all(np.diff(centered.y) >= 0)
    assert centered.y.min() >= FLOOR and centered.y.max() <= 1 - FLOOR


def test_centered_map_is_as_well_calibrated_as_plain_isotonic_on_fresh_rows() -> None:
    scores, y = _sample(seed=7)
    fresh_scores, fresh_y = _sample(seed=8)
    plain = IsotonicRegression(out_of_bounds="clip", y_min=FLOOR, y_max=1 - FLOOR).fit(scores, y)
    centered = fit_centered_isotonic(scores, y, FLOOR)
    plain_ece = ece(fresh_y, plain.predict(fresh_scores))
    centered_ece = ece(fresh_y, centered.predict(fresh_scores))
    assert centered_ece <= plain_ece + 0.01 and centered_ece < 0.04, (centered_ece, plain_ece)


def test_decision_cut_is_taken_where_plain_isotonic_blocks_begin() -> None:
    """``score >= threshold`` on the centered map decides as the best cut on plain isotonic's output does."""
    scores, y = _sample()
    centered = fit_centered_isotonic(scores, y, ISO_FLOOR)
    threshold = _block_threshold(scores, y, centered)
    plain = IsotonicRegression(out_of_bounds="clip", y_min=ISO_FLOOR, y_max=1 - ISO_FLOOR).fit(scores, y)
    stepped = plain.predict(scores)
    block_edges = {float(scores[stepped == v].min()) for v in np.unique(stepped)}
    cut = float(scores[centered.predict(scores) >= threshold].min())
    assert cut in block_edges
    decided = centered.predict(scores) >= threshold
    assert np.array_equal(decided, scores >= cut)
