"""
Variant effects, explained term by term
=======================================

An IQ model is additive on the logit scale, so the predicted effect of a sequence change
splits **exactly** into the changes of the model's terms: which motif gained or lost a site,
and how much that moved the prediction. This example scans every single-base substitution of
a sequence (:func:`~iqmodel.variants.saturation_mutagenesis`), picks the one that lowers
accessibility most, scores it with :func:`~iqmodel.variants.variant_effects` and draws both.

The data have a known answer: sites of three JASPAR motifs planted in 1,000 sequences of
200 bp (:func:`~iqmodel.datasets.make_planted_dataset`). To keep this page fast the model is
fitted on the planted motifs themselves (:meth:`~iqmodel.IQModel.fit_with_motifs`: the
energy scale, response functions and GLM, without learning the motifs); the quickstart
example shows that a full fit finds the same motifs.
"""

# %%
# A model of the planted data
# ---------------------------
import matplotlib.pyplot as plt

from iqmodel import IQModel
from iqmodel.datasets import make_planted_dataset
from iqmodel.plot.variants import mutagenesis_map, variant_iq_plot
from iqmodel.variants import saturation_mutagenesis, variant_effects

data = make_planted_dataset(n_seqs=1000, seq_length=200, n_motifs=3, random_state=0)
seqs, dap = data.sequences, data.dap
model = IQModel(random_state=0, verbose=0)
model.fit_with_motifs(seqs[:800], dap[:800], data.truth.motifs)
print(model.summary())
print(f"held-out R^2: {model.score(seqs[800:], dap[800:]):.3f}")

# %%
# Every substitution of one sequence
# ----------------------------------
# The held-out sequence the model predicts to open most. ``decompose=True`` adds the change
# of every term (``dlogit_<term>``) and of every motif's energy (``denergy_<motif>``); a
# substitution only re-scores the windows that overlap it, so the 600 mutants take a
# fraction of a second.
test = seqs[800:]
ref = test[int(model.predict(test).argmax())]
ism = saturation_mutagenesis(model, ref, decompose=True)
print(ism.table[["position", "ref_base", "alt_base", "delta", "top_term"]].head())

# %%
# The effect (``delta``, dAP) of each substitution: rows are the new base, columns the
# position; 0 at the reference base.
fig, ax = plt.subplots(figsize=(12, 2.4), layout="constrained")
mutagenesis_map(ism, ax=ax)

# %%
# The same as a logo, zoomed on the bases that matter: each reference base drawn with a
# height of minus the mean effect of its three substitutions. ``start`` and ``end`` restrict
# the mutagenesis to a region.
strong = ism.table.loc[ism.table["delta"].abs() > 0.01, "position"]
start, end = max(int(strong.min()) - 5, 0), min(int(strong.max()) + 6, len(ref))
zoom = saturation_mutagenesis(model, ref, start=start, end=end)
fig, ax = plt.subplots(figsize=(12, 2.4), layout="constrained")
mutagenesis_map(zoom, kind="logo", ax=ax)

# %%
# The most damaging variant
# -------------------------
# The substitution that lowers the prediction most, scored as a ``ref -> alt`` pair.
# ``delta`` is ``pred_alt - pred_ref`` (dAP units), ``delta_logit`` its change on the logit
# scale, and the ``dlogit_<term>`` columns add up to ``delta_logit``.
worst = ism.table.loc[ism.table["delta"].idxmin()]
position = int(worst["position"])
alt = ref[:position] + worst["alt_base"] + ref[position + 1 :]
effect = variant_effects(model, [ref], [alt]).iloc[0]
print(f"{worst['ref_base']}{position}{worst['alt_base']}: delta {effect['delta']:.3f}, "
      f"delta_logit {effect['delta_logit']:.3f}, top term {effect['top_term']}")  # fmt: skip
terms = effect.filter(like="dlogit_").astype(float)
print(terms[terms.abs() > 1e-3].round(3))
print(f"sum of the term changes: {terms.sum():.6f}")

# %%
# The variant IQ-plot: the reference and alternative bases around the variant coloured by
# their contribution to the logit, the per-base change of that contribution along the
# sequence, and the change of each term.
fig = variant_iq_plot(model, ref, alt, fig=plt.figure(figsize=(12, 6.5)))

# sphinx_gallery_thumbnail_number = 3
