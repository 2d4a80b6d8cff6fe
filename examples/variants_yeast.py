"""Variant effects on real measured mutations: yeast promoters (Vaishnav et al. 2022).

Fits an IQ model on expression *levels* of the training promoters (original and evolved
sequences; promoters split by ``original_seq``, so no promoter is in both sets), then predicts
the effect of the 1-3 substitutions of each held-out promoter (evolved minus original) with
:func:`iqmodel.variants.variant_effects`, and compares Pearson r and sign concordance with the
measured effects, per medium, next to the two published deep models' predictions in the file.

Column layout of ``yeast_drift_vaishnav2022.tsv.gz`` (checked by :func:`oriented`): the
measured levels are swapped against the sequence columns. Within one medium and
``original_seq``, ``evol_measured`` has a single value (all 1,998 groups) while
``original_measured`` differs between the evolved sequences; likewise ``legnet_evol_predicted``
is constant per original and ``legnet_original_predicted`` varies. So

- level of ``original_seq`` = ``evol_measured``; level of ``evolved_seq`` = ``original_measured``;
- ``delta_measured`` = ``evol_measured - original_measured`` = level(original) - level(evolved),
  i.e. *ref minus alt*, the opposite of :func:`~iqmodel.variants.variant_effects` (alt - ref);
- ``legnet_delta_predicted`` and ``vaishnav_delta_predicted`` have the same ref - alt
  orientation (they correlate about +0.9 with ``delta_measured``; ``vaishnav_evol_predicted +
  vaishnav_delta_predicted`` is constant per original, so ``vaishnav_evol_predicted`` is the
  evolved sequence's prediction and ``vaishnav_original_predicted`` is not a level at all).

Here every effect is evolved minus original (alt - ref): the measured effect is
``original_measured - evol_measured`` and the published deltas are negated. If the file no
longer shows this layout (e.g. a corrected upstream release), :func:`oriented` raises instead of
flipping it a second time. ``benchmarks/dl/datasets.py::yeast_levels`` reads the levels the
same way.

Run: ``python examples/variants_yeast.py [path/to/shared/data]``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from iqmodel import IQModel
from iqmodel.io import read_meme
from iqmodel.metrics import pearson_r
from iqmodel.variants import variant_effects

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def load(data: Path) -> tuple[pd.DataFrame, list]:
    """The measured pairs (see :func:`oriented`) and the JASPAR 2022 motifs of all taxa."""
    pairs = oriented(pd.read_csv(data / "variants" / "yeast_drift_vaishnav2022.tsv.gz", sep="\t"))
    motifs = read_meme(data / "tanaylab" / "prego_JASPAR_motifs.meme.gz")
    # the Arabidopsis motif "AG" would collide with the AG dinucleotide feature
    return pairs, [m.renamed(f"{m.name}_motif") if m.name == "AG" else m for m in motifs]


def _constant_share(pairs: pd.DataFrame, column: str) -> float:
    """Share of (medium, original promoter) groups in which ``column`` has a single value."""
    spread = pairs.groupby(["medium", "original_seq"])[column].agg(lambda v: v.max() - v.min())
    return float((spread <= 1e-6 * (1 + pairs[column].abs().max())).mean())


def oriented(pairs: pd.DataFrame) -> pd.DataFrame:
    """The pairs with each sequence's own level and every effect as evolved minus original.

    Adds ``original_level`` (from ``evol_measured``), ``evolved_level`` (from
    ``original_measured``), ``effect_measured`` (= ``evolved_level - original_level``, i.e.
    ``-delta_measured``) and ``legnet_effect`` / ``vaishnav_effect`` (the published deltas,
    negated). Raises ``ValueError`` when the file does not show the swapped layout described in
    the module docstring, so a corrected file is not flipped twice.
    """
    problems = []
    if _constant_share(pairs, "evol_measured") < 1.0:
        problems.append("evol_measured is not constant per original promoter")
    if _constant_share(pairs, "original_measured") > 0.5:
        problems.append("original_measured is constant per original promoter")
    if _constant_share(pairs, "legnet_evol_predicted") < 0.95:
        problems.append("legnet_evol_predicted is not constant per original promoter")
    if not np.allclose(
        pairs["delta_measured"], pairs["evol_measured"] - pairs["original_measured"]
    ):
        problems.append("delta_measured != evol_measured - original_measured")
    legnet = pairs["legnet_evol_predicted"] - pairs["legnet_original_predicted"]
    if not np.allclose(pairs["legnet_delta_predicted"], legnet, atol=1e-4):
        problems.append("legnet_delta_predicted != legnet_evol - legnet_original")
    if problems:
        raise ValueError(
            "yeast_drift_vaishnav2022.tsv.gz no longer has the swapped level columns this "
            "example corrects for (" + "; ".join(problems) + "); check the file's orientation "
            "and update examples/variants_yeast.py::oriented"
        )
    return pairs.assign(
        original_level=pairs["evol_measured"],
        evolved_level=pairs["original_measured"],
        effect_measured=pairs["original_measured"] - pairs["evol_measured"],
        legnet_effect=-pairs["legnet_delta_predicted"],
        vaishnav_effect=-pairs["vaishnav_delta_predicted"],
    )


def split_promoters(pairs: pd.DataFrame, test_fraction: float = 0.3, seed: int = 0):
    """Train / test masks with every original promoter on one side only."""
    originals = pairs["original_seq"].unique()
    rng = np.random.default_rng(seed)
    test = set(rng.choice(originals, int(test_fraction * len(originals)), replace=False))
    is_test = pairs["original_seq"].isin(test).to_numpy()
    return ~is_test, is_test


def fit_levels(pairs: pd.DataFrame, motifs, *, n_motifs: int = 8, seed: int = 0) -> IQModel:
    """IQ model of expression levels: original and evolved sequences, each with its own level."""
    levels = pd.concat(
        [
            pairs[["original_seq", "original_level"]].set_axis(["seq", "y"], axis=1),
            pairs[["evolved_seq", "evolved_level"]].set_axis(["seq", "y"], axis=1),
        ]
    ).drop_duplicates("seq")
    model = IQModel(
        motif_db=motifs,
        n_motifs=n_motifs,
        distill=False,
        filter=False,
        random_state=seed,
        verbose=0,
    )
    return model.fit(levels["seq"].tolist(), levels["y"].to_numpy())


def sign_concordance(predicted, measured) -> float:
    """Share of pairs whose predicted and measured effects have the same (nonzero) sign."""
    predicted, measured = np.asarray(predicted), np.asarray(measured)
    signed = (predicted != 0) & (measured != 0)
    return float(np.mean(np.sign(predicted[signed]) == np.sign(measured[signed])))


def evaluate(model: IQModel, pairs: pd.DataFrame) -> pd.DataFrame:
    """Per medium: r and sign concordance of the IQ model and the two published models."""
    effects = variant_effects(model, pairs["original_seq"].tolist(), pairs["evolved_seq"].tolist())
    kinds = dict(zip(model.design_columns_["term"], model.design_columns_["kind"], strict=True))
    split = {
        kind: effects[[f"dlogit_{t}" for t, k in kinds.items() if k == kind]].sum(axis=1)
        for kind in ("motif", "feature")
    }
    pairs = pairs.assign(
        iq=effects["delta"].to_numpy(),
        iq_motif_terms=split["motif"].to_numpy(),
        iq_covariate_terms=split["feature"].to_numpy(),
    )
    rows = []
    for medium, part in pairs.groupby("medium"):
        measured = part["effect_measured"].to_numpy()  # evolved minus original
        level_r = pearson_r(part["original_level"], model.predict(part["original_seq"].tolist()))
        for name, column in (
            ("IQ model (levels)", "iq"),
            ("  its motif terms", "iq_motif_terms"),
            ("  its GC/dinucleotide terms", "iq_covariate_terms"),
            ("LegNet", "legnet_effect"),
            ("Vaishnav et al.", "vaishnav_effect"),
        ):
            rows.append(
                {
                    "medium": medium,
                    "model": name,
                    "n_pairs": len(part),
                    "r_delta": pearson_r(measured, part[column]),
                    "sign_concordance": sign_concordance(part[column], measured),
                    "r_levels_iq": level_r,
                }
            )
    return pd.DataFrame(rows)


def main(data: Path = DATA) -> pd.DataFrame:
    pairs, motifs = load(data)
    train, test = split_promoters(pairs)
    results = []
    for medium in ("complex", "defined"):
        start = time.perf_counter()
        subset = pairs[pairs["medium"] == medium]
        model = fit_levels(subset[train[pairs["medium"] == medium]], motifs)
        table = evaluate(model, subset[test[pairs["medium"] == medium]])
        table["fit_s"] = time.perf_counter() - start
        table["motifs"] = ", ".join(m.label for m in model.motifs_)
        results.append(table)
    return pd.concat(results, ignore_index=True)


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DATA
    pd.set_option("display.width", 200)
    print(main(folder).drop(columns="motifs").to_string(index=False, float_format="%.3f"))
