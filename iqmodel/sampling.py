"""Row sampling shared by PREGO and the model filter (spec 6.9)."""

from __future__ import annotations

import numpy as np

__all__ = ["quantile_matched_sample"]


def quantile_matched_sample(
    reference: np.ndarray, fraction: float, rng: np.random.Generator, *, n_quantiles: int = 10
) -> np.ndarray:
    """Indices of about ``fraction`` of the rows, drawn evenly across quantile bins of a reference.

    Spec 6.9 (``sample_quantile_matched_rows``): ``size = floor(n * fraction)``,
    ``q = min(size, n_quantiles)`` bins cut at the reference's quantiles (duplicate breaks
    merged), and from every bin ``min(smallest bin count, floor(size / q))`` rows drawn without
    replacement.

    Parameters
    ----------
    reference : ndarray, shape (n,)
        Values whose distribution the sample should follow (e.g. the response).
    fraction : float in (0, 1]
    rng : numpy Generator
    n_quantiles : int, default 10

    Returns
    -------
    ndarray of int64
        Sorted row indices.
    """
    reference = np.asarray(reference, dtype=float)
    size = int(np.floor(len(reference) * fraction))
    if size < 1:
        raise ValueError(
            f"a {fraction:g} sample of {len(reference)} rows is empty; use a larger fraction"
        )
    n_bins = min(size, n_quantiles)
    breaks = np.unique(np.quantile(reference, np.linspace(0, 1, n_bins + 1)))
    labels = np.clip(np.searchsorted(breaks, reference, side="right") - 1, 0, len(breaks) - 2)
    if len(breaks) < 2:  # constant reference: one bin
        labels = np.zeros(len(reference), dtype=np.int64)
    groups = [np.flatnonzero(labels == b) for b in np.unique(labels)]
    per_bin = min(min(len(g) for g in groups), max(size // len(groups), 1))
    chosen = [rng.choice(g, per_bin, replace=False) for g in groups]
    return np.sort(np.concatenate(chosen)).astype(np.int64)
