"""Baselines for ``benchmarks/compare_models.py``: data sets, deep models, non-IQ baselines.

Modules
-------
datasets
    The real data sets with their fixed train / validation / test splits (numpy, pandas).
models
    Torch CNNs adapted to the input length (DeepTopic-like, Simple-ConvNet-like,
    ChromBPNet-like dilated residual, ExplaiNN-like independent units).
training
    The training protocol (multi-task, cosine + MSE loss, reverse-complement and shift
    augmentation, early stopping) and :class:`~training.DeepRegressor`.
shallow
    k-mer ridge regression and the Bag-of-Motifs-style baseline (motif hit counts + trees).
ladder
    The IQ ablation ladder, fitted on the same rows.
stats
    Paired Wilcoxon tests with Benjamini-Hochberg correction across trajectories.

Torch is imported only by ``models`` and ``training``; the other modules work without it.
The package is imported as ``dl`` with ``benchmarks/`` on ``sys.path`` (as
``compare_models.py`` does).
"""

import os

# Torch's OpenMP threads spin between parallel regions by default; on a shared 2-core machine
# that made a small CNN's training step 25x slower (0.98 s vs 0.04 s measured). iqmodel sets
# the same; it must be set before torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
