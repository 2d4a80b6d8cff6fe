"""Predicted effects of sequence changes, split exactly into the model's logit terms.

An IQ model is additive on the logit scale: ``logit = intercept + sum of terms`` (one term per
motif, covariate and interaction, see :func:`iqmodel.interpret.decompose`). The effect of a
change ``ref -> alt`` on the logit is therefore exactly the sum of the changes of the terms,
and the effect on the dAP scale is ``predict(alt) - predict(ref)``. Orientation is always
``alt minus ref``.

A model with several trajectories is any object with a ``models_`` dict of fitted
:class:`~iqmodel.IQModel` (e.g. ``MultiIQModel``); it gives one block of rows per trajectory,
marked by a ``trajectory`` column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from iqmodel.interpret import Decomposition, decompose

__all__ = [
    "ENERGY_PREFIX",
    "TERM_PREFIX",
    "effect_table",
    "stack_trajectories",
    "trajectory_models",
    "variant_effects",
]

TERM_PREFIX = "dlogit_"
"""Column prefix of a term's change of logit (``dlogit_<motif>``, ``dlogit_<a>:<b>``)."""

ENERGY_PREFIX = "denergy_"
"""Column prefix of a motif's change of normalised energy (``denergy_<motif>``, [0, 10] units)."""


def trajectory_models(model) -> dict:
    """The fitted single-trajectory models behind ``model``.

    Parameters
    ----------
    model : IQModel or object with a ``models_`` dict
        A fitted :class:`~iqmodel.IQModel`, or a multi-trajectory model whose ``models_``
        maps trajectory name -> fitted IQModel.

    Returns
    -------
    dict
        ``{None: model}`` for a single model, else ``{name: IQModel}`` in ``models_`` order.

    Raises
    ------
    TypeError
        When ``model`` is neither, or a trajectory's model is not fitted.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from iqmodel import IQModel
    >>> from iqmodel.datasets import make_planted_dataset
    >>> from iqmodel.variants import trajectory_models
    >>> data = make_planted_dataset(n_seqs=200, seq_length=100, n_motifs=2, random_state=0)
    >>> model = IQModel(filter=False, glm_lambda=1e-3, sequence_features=False, verbose=0)
    >>> model = model.fit_with_motifs(data.sequences, data.dap, data.truth.motifs)
    >>> trajectory_models(model) == {None: model}
    True
    >>> multi = SimpleNamespace(models_={"early": model, "late": model})
    >>> list(trajectory_models(multi))
    ['early', 'late']
    >>> trajectory_models(IQModel())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: model must be a fitted IQModel or a multi-trajectory model ...
    """
    models = getattr(model, "models_", None)
    if models is None:
        if not hasattr(model, "glm_"):
            raise TypeError(
                f"model must be a fitted IQModel or a multi-trajectory model with a models_ "
                f"dict of fitted IQModels, got {type(model).__name__}; fit it first"
            )
        return {None: model}
    if not isinstance(models, dict) or not models:
        raise TypeError("model.models_ must be a non-empty dict of trajectory name -> IQModel")
    unfitted = [str(name) for name, one in models.items() if not hasattr(one, "glm_")]
    if unfitted:
        raise TypeError(f"model.models_ has unfitted models for trajectories {unfitted}")
    return dict(models)


def effect_table(
    model, ref: Decomposition, alt: Decomposition, *, decompose=True, leading=None
) -> pd.DataFrame:
    """Effects ``alt - ref`` with their exact decomposition, one row per alt row.

    Parameters
    ----------
    model : IQModel
        The fitted model both decompositions come from.
    ref, alt : Decomposition
        :func:`iqmodel.interpret.decompose` (or ``decompose_inputs``) of the reference and
        the alternative sequences; ``ref`` has one row per ``alt`` row, or a single row that
        applies to every ``alt`` row (mutants of one sequence).
    decompose : bool, default True
        Add the ``dlogit_<term>`` and ``denergy_<motif>`` columns.
    leading : dict of str to array, optional
        Columns (one value per alt row) put first, e.g. where each change is.

    Returns
    -------
    DataFrame, shape (n_alt, 7 + n_terms + n_motifs)
        ``pred_ref``, ``pred_alt`` (dAP scale), ``delta = pred_alt - pred_ref``,
        ``logit_ref``, ``logit_alt``, ``delta_logit = logit_alt - logit_ref``,
        ``top_term`` (the term with the largest absolute change; "" when nothing changes),
        then ``dlogit_<term>`` per term in model order (they sum to ``delta_logit``), then
        ``denergy_<motif>``: the change of each motif's normalised energy, [0, 10] units.

    Raises
    ------
    ValueError
        When ``ref`` has neither one row nor one row per ``alt`` row.

    Examples
    --------
    Two mutants of one sequence against its single reference row:

    >>> import numpy as np
    >>> from iqmodel import IQModel
    >>> from iqmodel.datasets import make_planted_dataset
    >>> from iqmodel.interpret import decompose
    >>> from iqmodel.variants import effect_table
    >>> data = make_planted_dataset(n_seqs=200, seq_length=100, n_motifs=2, random_state=0)
    >>> model = IQModel(filter=False, glm_lambda=1e-3, sequence_features=False, verbose=0)
    >>> model = model.fit_with_motifs(data.sequences, data.dap, data.truth.motifs)
    >>> seq = data.sequences[0]
    >>> mutants = [seq[:40] + "NNNNN" + seq[45:], seq[:60] + "NNNNN" + seq[65:]]
    >>> table = effect_table(
    ...     model,
    ...     decompose(model, [seq]),
    ...     decompose(model, mutants),
    ...     leading={"masked": ["40-45", "60-65"]},
    ... )
    >>> list(table.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['masked', 'pred_ref', 'pred_alt', 'delta', 'logit_ref', 'logit_alt', 'delta_logit',
     'top_term', 'dlogit_MA0466.4', 'dlogit_MA0139.2', 'denergy_MA0466.4', 'denergy_MA0139.2']
    >>> bool(np.allclose(table["delta"], model.predict(mutants) - model.predict([seq])))
    True
    >>> ref, alt = decompose(model, [seq]), decompose(model, mutants)
    >>> effect_table(model, ref, alt, decompose=False).shape
    (2, 7)
    """
    n = len(alt.logit)
    if len(ref.logit) not in (1, n):
        raise ValueError(f"ref has {len(ref.logit)} rows; need 1 or one per alt row ({n})")
    dterms = alt.terms.to_numpy() - ref.terms.to_numpy()
    logit_ref = np.broadcast_to(ref.logit, (n,))
    pred_ref = np.broadcast_to(ref.prediction, (n,))
    columns = dict(leading or {}) | {
        "pred_ref": pred_ref,
        "pred_alt": alt.prediction,
        "delta": alt.prediction - pred_ref,
        "logit_ref": logit_ref,
        "logit_alt": alt.logit,
        "delta_logit": alt.logit - logit_ref,
        "top_term": _top_terms(dterms, list(alt.terms.columns)),
    }
    if decompose:
        names = [m.name for m in model.motifs_]
        denergy = alt.inputs[names].to_numpy() - ref.inputs[names].to_numpy()
        columns |= {TERM_PREFIX + t: dterms[:, j] for j, t in enumerate(alt.terms.columns)}
        columns |= {ENERGY_PREFIX + m: denergy[:, j] for j, m in enumerate(names)}
    return pd.DataFrame(columns)


def _top_terms(dterms: np.ndarray, names: list[str]) -> pd.Categorical:
    """Name of the term with the largest absolute change per row ("" when all are 0)."""
    if dterms.shape[1] == 0:
        return pd.Categorical([""] * len(dterms))
    size = np.abs(dterms)
    best = size.argmax(axis=1)
    best[size.max(axis=1) == 0] = len(names)
    return pd.Categorical.from_codes(best, categories=[*names, ""])


def stack_trajectories(tables: dict) -> pd.DataFrame:
    """One table from per-trajectory tables, a ``trajectory`` column first.

    Parameters
    ----------
    tables : dict
        Trajectory name -> DataFrame (from :func:`effect_table`); the key ``None`` (a single
        model) returns its table unchanged.

    Returns
    -------
    DataFrame
        Blocks in dict order. A term a trajectory's model does not have contributes exactly 0
        (its ``dlogit_`` entries are 0); a motif it does not have has no energy (``denergy_``
        entries are NaN).

    Examples
    --------
    >>> import pandas as pd
    >>> from iqmodel.variants.effects import stack_trajectories
    >>> early = pd.DataFrame({"delta": [0.1], "dlogit_A": [0.4], "denergy_A": [2.0]})
    >>> late = pd.DataFrame({"delta": [-0.2], "dlogit_B": [-0.9], "denergy_B": [1.0]})
    >>> stacked = stack_trajectories({"early": early, "late": late})
    >>> stacked["trajectory"].tolist(), stacked["dlogit_B"].tolist()
    (['early', 'late'], [0.0, -0.9])
    >>> stacked["denergy_B"].isna().tolist()  # early's model has no motif B
    [True, False]
    >>> stack_trajectories({None: early}) is early
    True
    """
    if list(tables) == [None]:
        return tables[None]
    blocks = []
    for name, table in tables.items():
        block = table.copy()
        block.insert(0, "trajectory", name)
        blocks.append(block)
    stacked = pd.concat(blocks, axis=0, ignore_index=True)
    term_columns = [c for c in stacked.columns if c.startswith(TERM_PREFIX)]
    stacked[term_columns] = stacked[term_columns].fillna(0.0)
    return stacked


def variant_effects(model, ref_seqs, alt_seqs, *, features=None) -> pd.DataFrame:
    """Predicted effect of each ``ref -> alt`` sequence pair, split into model terms.

    Both sequences of a pair are scored with the model's stored normalisation constants
    (energies, covariates, interactions); nothing is re-fitted on the variants.

    Parameters
    ----------
    model : IQModel or object with a ``models_`` dict of IQModels
        A fitted model (several trajectories give one block of rows each).
    ref_seqs, alt_seqs : list of str or int8 array (n_pairs, length)
        Reference and alternative sequences of the model's training length (``length`` =
        ``model.seq_length_``), pair ``i`` in row ``i`` of both.
    features : DataFrame (n_pairs, n_features), optional
        Covariates of a model fitted with ``features``; the same for both alleles.

    Returns
    -------
    DataFrame, shape (n_pairs * n_trajectories, ...)
        The columns of :func:`effect_table` (``pred_ref``, ``pred_alt``, ``delta``,
        ``logit_ref``, ``logit_alt``, ``delta_logit``, ``top_term``, ``dlogit_<term>``,
        ``denergy_<motif>``) with a ``trajectory`` column first for multi-trajectory models.
        ``dlogit_*`` columns sum to ``delta_logit`` (to rounding, ~1e-15).

    Raises
    ------
    ValueError
        When the two lists differ in length or a sequence is not of the training length.
    TypeError
        When ``model`` is not fitted, or ``ref_seqs``/``alt_seqs`` is a single string.

    See Also
    --------
    score_variants : Variants at genomic positions, in windows of a genome.
    saturation_mutagenesis : Every single-base substitution of one sequence.

    Examples
    --------
    A single-base change in each of three sequences; the effect is ``alt minus ref`` and
    its logit terms add up:

    >>> import numpy as np
    >>> from iqmodel import IQModel
    >>> from iqmodel.datasets import make_planted_dataset
    >>> from iqmodel.variants import variant_effects
    >>> data = make_planted_dataset(n_seqs=200, seq_length=100, n_motifs=2, random_state=0)
    >>> model = IQModel(filter=False, glm_lambda=1e-3, sequence_features=False, verbose=0)
    >>> model = model.fit_with_motifs(data.sequences, data.dap, data.truth.motifs)
    >>> ref = data.sequences[:3]
    >>> alt = [s[:50] + ("C" if s[50] == "A" else "A") + s[51:] for s in ref]
    >>> effects = variant_effects(model, ref, alt)
    >>> effects.shape  # 7 columns, 2 terms, 2 motif energies
    (3, 11)
    >>> bool(np.allclose(effects["delta"], model.predict(alt) - model.predict(ref)))
    True
    >>> terms = effects.filter(like="dlogit_").sum(axis=1)
    >>> bool(np.allclose(terms, effects["delta_logit"]))
    True
    """
    n_ref, n_alt = _count(ref_seqs, "ref_seqs"), _count(alt_seqs, "alt_seqs")
    if n_ref != n_alt:
        raise ValueError(
            f"ref_seqs has {n_ref} sequences but alt_seqs has {n_alt}; pass one alt per ref"
        )
    tables = {}
    for name, one in trajectory_models(model).items():
        ref = decompose(one, ref_seqs, features=features)
        alt = decompose(one, alt_seqs, features=features)
        tables[name] = effect_table(one, ref, alt)
    return stack_trajectories(tables)


def _count(seqs, what: str) -> int:
    if isinstance(seqs, str):
        raise TypeError(f"{what} must be a list of sequences, got a single string; wrap it: [s]")
    try:
        return len(seqs)
    except TypeError:
        raise TypeError(f"{what} must be a list of str or an int8 array") from None
