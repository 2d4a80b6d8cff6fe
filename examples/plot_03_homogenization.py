"""
Several trajectories, one set of motifs (MultiIQModel)
======================================================

A study often follows several trajectories over the same peaks. Separate models would learn
slightly different versions of the same motif for each trajectory;
:class:`~iqmodel.MultiIQModel` learns **one shared set of motifs** and fits each trajectory's
response functions on it, so a motif's role can be compared across trajectories.

The data have a known answer (:func:`~iqmodel.datasets.make_planted_trajectories`): sites of
four JASPAR motifs planted in 600 sequences of 200 bp, and three trajectories in which the
same motifs have different effects. To keep this page fast each trajectory's model has at
most 4 motifs (``n_motifs=4``; the default is 30).
"""

# %%
# Planted effects: each motif opens, closes or does nothing in each trajectory
# ----------------------------------------------------------------------------
import numpy as np
import pandas as pd

from iqmodel import IQModel, MultiIQModel, plot
from iqmodel.datasets import make_planted_trajectories
from iqmodel.motifs import best_matches

effects = pd.DataFrame(
    {
        "early": [3.0, 0.0, -2.0, 0.0],
        "middle": [3.0, 2.5, 0.0, 0.0],
        "late": [0.0, 0.0, -2.0, 3.0],
    }
)
data = make_planted_trajectories(effects, n_seqs=600, seq_length=200, random_state=0)
planted = data.effects.rename(index={m.name: m.label for m in data.truth.motifs})
print(planted)  # logit-scale coefficients of each motif's high-energy response

# %%
# Fit one model for all trajectories
# ----------------------------------
# ``dap`` has one column per trajectory; ``test`` marks the rows held out of every step.
# Per trajectory the fit screens the database, selects and clusters motifs as
# :class:`~iqmodel.IQModel` does; the clusters of all trajectories are pooled, grouped by
# the correlation of their partial responses and one motif is learned per group (PREGO on
# all trajectories at once). Each trajectory is then refitted on the shared motifs.
test = np.random.default_rng(0).random(len(data.sequences)) < 0.2
multi = MultiIQModel(IQModel(n_motifs=4, random_state=0, verbose=0))
multi.fit(data.sequences, data.dap, test=test)
print(multi.stats_.round(3).to_string(index=False))

# %%
# The shared motifs, named after their best JASPAR match, against the planted ones:
matches = best_matches(multi.motifs_, data.truth.motifs)
print(matches[["motif", "match", "match_alt_name", "similarity"]].round(2).to_string(index=False))

# %%
# Which motif does what in which trajectory
# -----------------------------------------
# :meth:`~iqmodel.MultiIQModel.contributions` is, for each shared motif and trajectory, the
# spread (standard deviation) of the motif's logit term over the sequences, signed by its
# direction (positive: binding opens chromatin); 0 where the trajectory does not use the
# motif. Compare with the planted effects above.
contributions = multi.contributions(data.sequences)
ax = plot.contribution_heatmap(contributions)

# %%
# The cost of sharing: held-out R^2 of each trajectory on the shared motifs of its own
# groups (``after``, what ``predict`` uses) and on all shared motifs (``full``).
# :meth:`~iqmodel.MultiIQModel.from_models` homogenizes models you have already fitted and
# then also reports their R^2 ``before``.
ax = plot.homogenization_r2(multi.stats_)

# %%
# ``predict`` returns one column per trajectory; ``models_`` holds each trajectory's fitted
# :class:`~iqmodel.IQModel`, so every single-model tool (decomposition, report, IQ-plot,
# variant effects) works on it.
print(multi.predict(data.sequences[:3]).round(3))
print(multi.models_["late"].summary())

# sphinx_gallery_thumbnail_number = 1
