"""Sequence baselines without IQ or torch: a k-mer ridge and a Bag-of-Motifs-style model.

- :class:`KmerRidge`: counts of every canonical k-mer (a k-mer and its reverse complement are
  one feature), k = 3..6 (2,760 features), standardised, ridge regression with the penalty
  chosen by efficient leave-one-out cross-validation (``RidgeCV``), one model per trajectory.
- :class:`BagOfMotifs`: Bag-of-Motifs (Cornejo-Paramo et al. 2025) style: per sequence, the
  number of hits of each database motif on both strands (log-odds score against a uniform
  background with p < 1e-4, FIMO's default), fed to gradient-boosted trees (xgboost), one per
  trajectory, early-stopped on the validation rows.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from iqmodel.motifs import Motif
from iqmodel.seq import encode, reverse_complement

KMER_SIZES = (3, 4, 5, 6)
RIDGE_ALPHAS = np.logspace(-1, 6, 15)
HIT_P_VALUE = 1e-4
SCORE_RESOLUTION = 100  # score units per nat in the exact p-value threshold


def canonical_kmer_index(k: int) -> tuple[np.ndarray, int]:
    """Map every k-mer index (base-4, A=0) to the column of its canonical form.

    Returns
    -------
    column : ndarray of int, shape (4 ** k,)
        Feature column of each k-mer; a k-mer and its reverse complement share one.
    n_columns : int
        Number of canonical k-mers.
    """
    index = np.arange(4**k)
    digits = (index[:, None] // 4 ** np.arange(k - 1, -1, -1)) % 4
    rc = ((3 - digits[:, ::-1]) * 4 ** np.arange(k - 1, -1, -1)).sum(axis=1)
    canonical = np.minimum(index, rc)
    distinct, column = np.unique(canonical, return_inverse=True)
    return column, len(distinct)


def kmer_counts(seqs, sizes=KMER_SIZES) -> np.ndarray:
    """Canonical k-mer counts, shape (n_seqs, n_features); windows with N are skipped.

    Parameters
    ----------
    seqs : list of str or ndarray of int8, shape (n_seqs, length)
    sizes : tuple of int
        k-mer lengths.
    """
    codes = encode(seqs).astype(np.int64)
    blocks = []
    for k in sizes:
        column, n_columns = canonical_kmer_index(k)
        if k > codes.shape[1]:
            blocks.append(np.zeros((len(codes), n_columns), dtype=np.int64))
            continue
        windows = np.lib.stride_tricks.sliding_window_view(codes, k, axis=1)
        valid = (windows < 4).all(axis=2)
        index = (windows * 4 ** np.arange(k - 1, -1, -1)).sum(axis=2)
        rows = np.broadcast_to(np.arange(len(codes))[:, None], index.shape)
        flat = rows[valid] * n_columns + column[index[valid]]
        counts = np.bincount(flat, minlength=len(codes) * n_columns)
        blocks.append(counts.reshape(len(codes), n_columns))
    return np.hstack(blocks).astype(float)


class KmerRidge:
    """Ridge regression on canonical k-mer counts, one penalty per trajectory (LOO CV).

    Attributes
    ----------
    models_ : list of sklearn Pipeline
        Scaler + ``RidgeCV`` per trajectory.
    n_parameters_ : int
        Coefficients and intercepts.
    """

    def fit(self, seqs, y) -> KmerRidge:
        """Fit on sequences and targets of shape (n, n_trajectories)."""
        features = kmer_counts(seqs)
        y = np.asarray(y, dtype=float)
        self.models_ = [
            make_pipeline(StandardScaler(), RidgeCV(alphas=RIDGE_ALPHAS)).fit(features, column)
            for column in y.T
        ]
        self.n_parameters_ = y.shape[1] * (features.shape[1] + 1)
        return self

    def predict(self, seqs) -> np.ndarray:
        """Predictions of shape (n, n_trajectories)."""
        features = kmer_counts(seqs)
        return np.column_stack([model.predict(features) for model in self.models_])


def log_odds(motif: Motif) -> np.ndarray:
    """Log-odds scores (nats) against a uniform background, shape (length, 4)."""
    return motif.log_probs() - np.log(0.25)


def hit_threshold(scores: np.ndarray, p_value: float = HIT_P_VALUE) -> float:
    """Smallest window score (nats) reached with probability <= ``p_value`` by random DNA.

    The score distribution of a uniform random window is computed exactly on scores rounded
    to 1 / SCORE_RESOLUTION nat (dynamic programming over positions, as FIMO does). Returns
    ``inf`` when even the best window is more likely than ``p_value`` (short motifs).
    """
    units = np.round(scores * SCORE_RESOLUTION).astype(np.int64)
    low = units.min(axis=1)
    span = units - low[:, None]
    density = np.ones(1)
    for row in span:
        grown = np.zeros(len(density) + row.max())
        for value in row:
            grown[value : value + len(density)] += 0.25 * density
        density = grown
    tail = np.cumsum(density[::-1])[::-1]  # P(score >= each value)
    passing = np.flatnonzero(tail <= p_value)
    if len(passing) == 0:
        return float("inf")
    return (passing[0] + low.sum()) / SCORE_RESOLUTION


def _one_hot(codes: np.ndarray, pad: int) -> np.ndarray:
    """(n, length) codes -> float32 (n, length + pad, 4); N and the padding are all zeros."""
    table = np.vstack([np.eye(4), np.zeros((1, 4))]).astype(np.float32)
    return table[np.pad(codes, ((0, 0), (0, pad)), constant_values=4)]


def motif_hit_counts(seqs, motifs: list[Motif], *, chunk: int = 64) -> np.ndarray:
    """Hits of each motif on both strands of each sequence, shape (n_seqs, n_motifs).

    A hit is a window whose log-odds score reaches :func:`hit_threshold`. All motifs are
    scored at once: windows of the longest motif's length times a zero-padded score matrix.

    Parameters
    ----------
    seqs : list of str or ndarray of int8, shape (n_seqs, length)
    motifs : list of Motif
    chunk : int
        Sequences scored per block (memory: chunk x length x n_motifs floats).
    """
    codes = encode(seqs)
    width = max(m.length for m in motifs)
    weights = np.zeros((width, 4, len(motifs)), dtype=np.float32)
    for i, motif in enumerate(motifs):
        weights[: motif.length, :, i] = log_odds(motif)
    weights = weights.reshape(width * 4, len(motifs))
    thresholds = np.array([hit_threshold(log_odds(m)) for m in motifs], dtype=np.float32)
    starts = np.arange(codes.shape[1])[:, None]
    valid = starts <= codes.shape[1] - np.array([m.length for m in motifs])[None, :]
    counts = np.zeros((len(codes), len(motifs)))
    for strand in (codes, reverse_complement(codes)):
        for first in range(0, len(codes), chunk):
            hot = _one_hot(strand[first : first + chunk], width - 1)
            windows = np.lib.stride_tricks.sliding_window_view(hot, width, axis=1)
            windows = windows.transpose(0, 1, 3, 2).reshape(-1, width * 4)
            scores = (windows @ weights).reshape(len(hot), codes.shape[1], len(motifs))
            hits = (scores >= thresholds - 1e-4) & valid
            counts[first : first + chunk] += hits.sum(axis=1)
    return counts


class BagOfMotifs:
    """Motif hit counts + gradient-boosted trees, one xgboost model per trajectory.

    Parameters
    ----------
    motifs : list of Motif
        Motif database scanned for hits.
    n_estimators : int
        Upper bound on boosting rounds; early stopping on the validation rows picks fewer.
    random_state : int

    Attributes
    ----------
    columns_ : ndarray of int
        Motifs with at least one hit in the training rows (the others are dropped).
    models_ : list of xgboost.XGBRegressor
    n_parameters_ : int
        Tree nodes over all trajectories.
    """

    def __init__(self, motifs: list[Motif], *, n_estimators: int = 2000, random_state: int = 0):
        self.motifs = motifs
        self.n_estimators = n_estimators
        self.random_state = random_state

    def fit(self, seqs, y, val_seqs, val_y) -> BagOfMotifs:
        """Fit on training rows, early-stopping on the validation rows (n, n_trajectories)."""
        import xgboost

        counts = motif_hit_counts(seqs, self.motifs)
        self.columns_ = np.flatnonzero(counts.sum(axis=0) > 0)
        val_counts = motif_hit_counts(val_seqs, [self.motifs[i] for i in self.columns_])
        y, val_y = np.asarray(y, dtype=float), np.asarray(val_y, dtype=float)
        self.models_ = []
        for j in range(y.shape[1]):
            model = xgboost.XGBRegressor(
                n_estimators=self.n_estimators,
                learning_rate=0.05,
                max_depth=6,
                subsample=0.8,
                colsample_bytree=0.5,
                early_stopping_rounds=50,
                random_state=self.random_state,
                n_jobs=2,
            )
            model.fit(
                counts[:, self.columns_],
                y[:, j],
                eval_set=[(val_counts, val_y[:, j])],
                verbose=False,
            )
            self.models_.append(model)
        self.n_parameters_ = sum(
            len(m.get_booster()[: m.best_iteration + 1].trees_to_dataframe()) for m in self.models_
        )
        return self

    def predict(self, seqs) -> np.ndarray:
        """Predictions of shape (n, n_trajectories), with the best (early-stopped) rounds."""
        counts = motif_hit_counts(seqs, [self.motifs[i] for i in self.columns_])
        return np.column_stack([m.predict(counts) for m in self.models_])
