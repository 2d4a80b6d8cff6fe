"""Variant effects with an exact motif-level explanation (see ``docs/variants.md``).

* :func:`variant_effects`: predicted ``alt - ref`` effect of sequence pairs, split exactly into
  motif, covariate and interaction terms of the logit;
* :func:`saturation_mutagenesis`: every single-base substitution of a sequence, re-scoring only
  the windows each substitution touches;
* :func:`score_variants`: genomic variants (DataFrame or VCF/BCF) scored in model-length windows
  of a genome, with REF checks, empirical p-values and the active-allele quantile;
* :func:`caqtl_metrics`: the caQTL benchmark of seed paper 000 (section 2.3).
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
