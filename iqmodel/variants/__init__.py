"""Variant effects with an exact motif-level explanation (see ``docs/variants.md``).

* :func:`variant_effects`: predicted ``alt - ref`` effect of sequence pairs, split exactly into
  motif, covariate and interaction terms of the logit;
* :func:`saturation_mutagenesis`: every single-base substitution of a sequence, re-scoring only
  the windows each substitution touches;
* :func:`score_variants`: genomic variants (DataFrame or VCF/BCF) scored in model-length windows
  of a genome, with REF checks, empirical p-values and the active-allele quantile;
* :func:`caqtl_metrics`: the caQTL benchmark of seed paper 000 (section 2.3).

Effects are always ``alt minus ref``; columns ``dlogit_<term>`` (:data:`TERM_PREFIX`) give
each term's change of logit and add up to ``delta_logit``, ``denergy_<motif>``
(:data:`ENERGY_PREFIX`) each motif's change of normalised energy. Figures of variant effects
are in :mod:`iqmodel.plot.variants`.

Examples
--------
The most damaging substitution found by saturation mutagenesis, scored again as a pair:

>>> import numpy as np
>>> from iqmodel import IQModel
>>> from iqmodel.datasets import make_planted_dataset
>>> from iqmodel.variants import saturation_mutagenesis, variant_effects
>>> data = make_planted_dataset(n_seqs=200, seq_length=100, n_motifs=2, random_state=0)
>>> model = IQModel(filter=False, glm_lambda=1e-3, sequence_features=False, verbose=0)
>>> model = model.fit_with_motifs(data.sequences, data.dap, data.truth.motifs)
>>> ref = data.sequences[0]
>>> worst = saturation_mutagenesis(model, ref).table.nsmallest(1, "delta").iloc[0]
>>> p = int(worst["position"])
>>> alt = ref[:p] + worst["alt_base"] + ref[p + 1 :]
>>> pair = variant_effects(model, [ref], [alt]).iloc[0]
>>> bool(np.isclose(pair["delta"], worst["delta"])), pair["top_term"] == worst["top_term"]
(True, True)
"""

from __future__ import annotations

from iqmodel.variants.caqtl import CaqtlMetrics, caqtl_metrics
from iqmodel.variants.effects import (
    ENERGY_PREFIX,
    TERM_PREFIX,
    effect_table,
    trajectory_models,
    variant_effects,
)
from iqmodel.variants.mutagenesis import Mutagenesis, saturation_mutagenesis
from iqmodel.variants.scoring import (
    VariantScores,
    check_variants,
    dinucleotide_shuffle,
    score_variants,
)

__all__ = [
    "ENERGY_PREFIX",
    "TERM_PREFIX",
    "CaqtlMetrics",
    "Mutagenesis",
    "VariantScores",
    "caqtl_metrics",
    "check_variants",
    "dinucleotide_shuffle",
    "effect_table",
    "saturation_mutagenesis",
    "score_variants",
    "trajectory_models",
    "variant_effects",
]
