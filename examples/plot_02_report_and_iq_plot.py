"""
Model report and IQ-plot of real ATAC peaks
===========================================

Fit an :class:`~iqmodel.IQModel` of the accessibility change from cell state ``c1`` to ``c3``
on the 1,000 mouse ATAC peaks bundled with the package, then draw its two main figures: the
**model report** (one row per motif) and the **IQ-plot** of one peak (which motif sites the
model sees in it and what each base contributes).

To keep this page fast the model has at most 4 motifs (``n_motifs=4``; the default is 30).
This small data set carries little sequence signal for the ``c1 -> c3`` change (the
benchmarks page measures a held-out R^2 of about 0.05 to 0.1 with the default settings), so
the figures show how to read a model, not a strong one.
"""

# %%
# Fit on 80 % of the peaks
# ------------------------
import matplotlib.pyplot as plt
import numpy as np

from iqmodel import IQModel, plot
from iqmodel.interpret import decompose
from iqmodel.trajectory import load_table_trajectory

data = load_table_trajectory("mouse-atac", "c1", "c3", random_state=1)
train = (data.split == "train").to_numpy()
seqs = np.asarray(data.sequences, dtype=object)
dap = data.dap.to_numpy()
train_seqs, test_seqs = list(seqs[train]), list(seqs[~train])

model = IQModel(n_motifs=4, random_state=1, verbose=0).fit(train_seqs, dap[train])
print(model.summary())
print(f"held-out R^2: {model.score(test_seqs, dap[~train]):.3f}")

# %%
# The model report
# ----------------
# One row per motif, ordered by how much R^2 the motif adds: its logo, its fitted response
# (logit term against energy), the GLM coefficients of its four response functions, its
# spatial profile, where its strong sites sit in the peaks that open most and least, and the
# observed dAP of the peaks binned by the motif's energy. The header gives R^2 on the training
# and held-out peaks. ``path="report.pdf"`` writes the same pages to a file, as
# ``iqmodel report`` does.
pages = plot.report(model, train_seqs, dap[train], test_seqs=test_seqs, test_dap=dap[~train])

# %%
# The IQ-plot of a peak
# ---------------------
# The held-out peak that the model predicts to open most: the sequence coloured by each base's
# contribution to the logit (red opens, blue closes), and a row per motif with a site of
# normalised energy 8 or more, with its local energy and response along the peak. With a
# genome and bigWigs, ``iq_plot(model, genome=..., region=..., tracks=...)`` adds the ATAC
# tracks around the element (``iqmodel iq-plot`` on the command line).
predicted = model.predict(test_seqs)
best = int(np.argmax(predicted))
name = data.dap.index[~train][best]
fig = plot.iq_plot(model, test_seqs[best], fig=plt.figure(), title=f"peak {name} (held out)")

# %%
# Which motif drives that prediction: the logit terms of this peak, largest first.
terms = decompose(model, [test_seqs[best]]).terms.iloc[0]
print(terms[terms.abs() > 0.01].sort_values(key=abs, ascending=False).round(3))

# sphinx_gallery_thumbnail_number = 2
