"""Centered isotonic calibration: isotonic regression's calibration without its ties.

Isotonic regression (pool-adjacent-violators) maps every score inside one pooled block to the same
probability. Fitted on the stack's ~2,000 out-of-fold scores it leaves ~30 distinct values, so the
default model gave 87 of the demo's 674 sentences exactly 0.814, posts ranked by their mean score
tied, and ROC-AUC fell below the uncalibrated stack's (ties cannot be ordered). The centered variant
(Oron & Flournoy 2017, "Centered isotonic regression") keeps one knot per block, at the mean score of
the block's points and the block's probability, and interpolates linearly between knots: the map
is strictly increasing between the first and last knot, so it keeps the stack's order, and its
calibration is that of the blocks it passes through.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.isotonic import IsotonicRegression


@dataclass(frozen=True)
class CenteredIsotonic:
    """Knots of a centered isotonic map; scores outside the knots take the end knots' values."""

    x: np.ndarray
    y: np.ndarray

    def predict(self, scores: np.ndarray) -> np.ndarray:
        return np.interp(np.asarray(scores, dtype=float), self.x, self.y)


def isotonic(floor: float) -> IsotonicRegression:
    """Plain (unfitted) isotonic regression, its values kept in [floor, 1 - floor]."""
    return IsotonicRegression(out_of_bounds="clip", y_min=floor, y_max=1.0 - floor)


def fit_centered_isotonic(scores: np.ndarray, y: np.ndarray, floor: float) -> CenteredIsotonic:
    """The centered isotonic map of 0/1 labels ``y`` on ``scores``, its values kept in [floor, 1 - floor]."""
    scores = np.asarray(scores, dtype=float)
    iso = isotonic(floor).fit(scores, y)
    order = np.argsort(scores, kind="stable")
    xs, fitted = scores[order], np.asarray(iso.predict(scores[order]), dtype=float)
    # A block is a run of equal fitted values; its knot sits at its points' mean score.
    starts = np.flatnonzero(np.r_[True, np.diff(fitted) != 0])
    sums = np.add.reduceat(xs, starts)
    counts = np.diff(np.r_[starts, len(xs)])
    return CenteredIsotonic(sums / counts, fitted[starts])
