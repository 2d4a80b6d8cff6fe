"""Explain a fitted IQModel: partial responses, exact decompositions, per-base contributions.

Everything here works on the model's logit scale, where the model is additive: the linear
predictor of a sequence is the GLM intercept plus one term per motif, covariate and
interaction, and ``predict`` maps it to dAP with ``y_min_ + y_range_ * sigmoid(eta)``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from iqmodel import pipeline
from iqmodel._validation import check_target
from iqmodel.energy import compute_energies, local_energies
from iqmodel.features import response_function
from iqmodel.motifs import Motif, best_matches, resolve_motifs, spatial_frame_start
from iqmodel.seq import decode, encode

__all__ = [
    "Decomposition",
    "LocalContributions",
    "decompose",
    "decompose_inputs",
    "drop_one_r2",
    "local_contributions",
    "low_affinity_score",
    "name_motifs",
    "partial_responses",
    "response_curve",
    "window_weights",
]


class Decomposition(NamedTuple):
    """A prediction split into additive logit-scale terms.

    Parameters
    ----------
    terms : DataFrame, shape (n_seqs, n_terms)
        Logit-scale contribution of each term.
    kinds : Series of str
        Kind of each term.
    intercept : float
        GLM intercept.
    logit : ndarray of float64, shape (n_seqs,)
        Linear predictor.
    prediction : ndarray of float64, shape (n_seqs,)
        Predicted dAP.
    inputs : DataFrame, shape (n_seqs, n_motifs + n_covariates)
        Model inputs on [0, 10].

    Attributes
    ----------
    terms : DataFrame, shape (n_seqs, n_terms)
        Contribution of each motif, covariate and interaction (``"a:b"``) to the linear
        predictor: the sum of ``coefficient * feature value`` over the term's GLM columns.
    kinds : Series of str, index = term names
        ``"motif"``, ``"feature"`` (covariate) or ``"interaction"``.
    intercept : float
        GLM intercept.
    logit : ndarray of float64, shape (n_seqs,)
        ``intercept + terms.sum(axis=1)``, the model's linear predictor.
    prediction : ndarray of float64, shape (n_seqs,)
        ``y_min_ + y_range_ * sigmoid(logit)``, equal to ``model.predict``.
    inputs : DataFrame, shape (n_seqs, n_motifs + n_covariates)
        The model inputs on the [0, 10] scale (``model.transform``), which the terms are
        computed from.

    See Also
    --------
    decompose, decompose_inputs : Return it.

    Examples
    --------
    With the sequence features, a model has 2 motif terms and 17 covariate terms:

    >>> from iqmodel import IQModel
    >>> from iqmodel.datasets import make_planted_dataset
    >>> data = make_planted_dataset(n_seqs=300, seq_length=100, n_motifs=2, random_state=0)
    >>> model = IQModel(motif_db=data.truth.motifs, distill=False, filter=False,
    ...                 verbose=0, random_state=0)
    >>> parts = decompose(model.fit(data.sequences, data.dap), data.sequences[:3])
    >>> parts.kinds.value_counts().sort_index().to_dict()
    {'feature': 17, 'motif': 2}
    >>> parts.terms.shape, parts.inputs.shape, parts.logit.shape
    ((3, 19), (3, 19), (3,))
    """

    terms: pd.DataFrame
    kinds: pd.Series
    intercept: float
    logit: np.ndarray
    prediction: np.ndarray
    inputs: pd.DataFrame


class LocalContributions(NamedTuple):
    """Per-position binding and response of each motif on one sequence.

    Parameters
    ----------
    sequence : str
        The sequence.
    energy : DataFrame, shape (length, n_motifs)
        Normalised local energies.
    response : DataFrame, shape (length, n_motifs)
        Local responses (logit scale).
    per_base : DataFrame, shape (length, n_motifs)
        Per-base attribution (logit scale).

    Attributes
    ----------
    sequence : str
        The sequence (upper case).
    energy : DataFrame, shape (length, n_motifs)
        Energy of the single window starting at each position, normalised with the model's
        constants to [0, 10]; NaN where no full window starts.
    response : DataFrame, shape (length, n_motifs)
        Logit-scale response of a single site at that window, ``f(energy) - f(0)`` where
        ``f`` is the motif's fitted response curve, so an unbound window contributes 0;
        NaN where ``energy`` is.
    per_base : DataFrame, shape (length, n_motifs)
        Exact attribution of the motif's term to bases: the term ``f(E) - f(0)`` of the
        sequence (``E`` its normalised energy) is split over the windows in proportion to
        each window's spatially weighted binding probability (all of it to the best window
        in ``energy_mode="max"``), and each window's share evenly over its bases; so a
        column sums to the motif's term relative to no binding.

    See Also
    --------
    local_contributions : Returns it.

    Examples
    --------
    >>> import numpy as np
    >>> from iqmodel import IQModel
    >>> from iqmodel.datasets import make_planted_dataset
    >>> data = make_planted_dataset(n_seqs=300, seq_length=100, n_motifs=2, random_state=0)
    >>> model = IQModel(motif_db=data.truth.motifs, distill=False, filter=False,
    ...                 sequence_features=False, verbose=0, random_state=0)
    >>> model = model.fit(data.sequences, data.dap)
    >>> local = local_contributions(model, data.sequences[0].lower())
    >>> local.sequence == data.sequences[0], local.per_base.shape
    (True, (100, 2))

    No window starts in the last ``length - 1`` bases of a motif:

    >>> ctcf = model.motifs_[1]
    >>> int(local.energy["MA0139.2"].isna().sum()) == ctcf.length - 1
    True
    """

    sequence: str
    energy: pd.DataFrame
    response: pd.DataFrame
    per_base: pd.DataFrame


def _fitted(model) -> None:
    check_is_fitted(model, "glm_")


def decompose(model, seqs, *, features=None) -> Decomposition:
    """Split predictions exactly into intercept, motif, covariate and interaction terms.

    Parameters
    ----------
    model : IQModel
        A fitted model.
    seqs : list of str or ndarray of int8, shape (n_seqs, ``seq_length_``)
        Sequences of the model's training length.
    features : DataFrame, optional
        The covariates the model was fitted with, if any.

    Returns
    -------
    Decomposition
        ``terms.sum(axis=1) + intercept`` equals the model's linear predictor.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        When ``model`` is not fitted.
    ValueError
        For sequences of another length, or missing ``features``.

    Examples
    --------
    >>> import numpy as np
    >>> from iqmodel import IQModel
    >>> from iqmodel.datasets import make_planted_dataset
    >>> data = make_planted_dataset(n_seqs=300, seq_length=100, n_motifs=2, random_state=0)
    >>> model = IQModel(motif_db=data.truth.motifs, distill=False, filter=False,
    ...                 sequence_features=False, verbose=0, random_state=0)
    >>> model = model.fit(data.sequences, data.dap)
    >>> parts = decompose(model, data.sequences[:5])
    >>> parts.terms.columns.tolist(), parts.kinds.tolist()
    (['MA0466.4', 'MA0139.2'], ['motif', 'motif'])
    >>> logit = parts.intercept + parts.terms.sum(axis=1).to_numpy()
    >>> bool(np.allclose(logit, model.decision_function(data.sequences[:5])))
    True
    >>> bool(np.allclose(parts.prediction, model.predict(data.sequences[:5])))
    True
    """
    _fitted(model)
    return decompose_inputs(model, model.transform(seqs, features=features))


def decompose_inputs(model, inputs: pd.DataFrame) -> Decomposition:
    """:func:`decompose` of model inputs already on the [0, 10] scale.

    Parameters
    ----------
    model : IQModel
        A fitted model.
    inputs : DataFrame, shape (n_seqs, n_motifs + n_covariates)
        Normalised motif energies and scaled covariates, as returned by ``model.transform``
        (e.g. computed for many mutants of one sequence without re-scoring every window).

    Returns
    -------
    Decomposition
        As :func:`decompose`; ``inputs`` is kept as given.

    Examples
    --------
    >>> import numpy as np
    >>> from iqmodel import IQModel
    >>> from iqmodel.datasets import make_planted_dataset
    >>> data = make_planted_dataset(n_seqs=300, seq_length=100, n_motifs=2, random_state=0)
    >>> model = IQModel(motif_db=data.truth.motifs, distill=False, filter=False,
    ...                 sequence_features=False, verbose=0, random_state=0)
    >>> model = model.fit(data.sequences, data.dap)
    >>> inputs = model.transform(data.sequences[:3])
    >>> silenced = inputs.assign(**{"MA0466.4": 0.0})  # CEBPB unbound everywhere
    >>> parts = decompose_inputs(model, silenced)
    >>> original = decompose_inputs(model, inputs)
    >>> bool(np.allclose(parts.terms["MA0139.2"], original.terms["MA0139.2"]))
    True
    >>> at_zero = response_curve(model, "MA0466.4", [0.0]).iloc[0]
    >>> bool(np.allclose(parts.terms["MA0466.4"], at_zero))
    True
    """
    _fitted(model)
    design = model.design_from_inputs(inputs)
    contributions = design.to_numpy() * model.glm_.coef[None, :]
    owners = model.design_columns_["term"].tolist()
    order = list(dict.fromkeys(owners))
    index = {term: i for i, term in enumerate(order)}
    terms = np.zeros((len(design), len(order)))
    for j, owner in enumerate(owners):
        terms[:, index[owner]] += contributions[:, j]
    terms = pd.DataFrame(terms, columns=order)
    logit = model.glm_.intercept + terms.to_numpy().sum(axis=1)
    return Decomposition(
        terms=terms,
        kinds=model.design_columns_.drop_duplicates("term").set_index("term")["kind"][order],
        intercept=float(model.glm_.intercept),
        logit=logit,
        prediction=model.logit_to_dap(logit),
        inputs=inputs,
    )


def partial_responses(model, seqs, *, features=None) -> pd.DataFrame:
    """Logit-scale response of each motif and covariate on each sequence (no interactions).

    Parameters
    ----------
    model : IQModel
        A fitted model.
    seqs : list of str or ndarray of int8, shape (n_seqs, ``seq_length_``)
        Sequences of the model's training length.
    features : DataFrame, optional
        The covariates the model was fitted with, if any.

    Returns
    -------
    DataFrame, shape (n_seqs, n_motifs + n_covariates)
        ``sum over the variable's GLM columns of coefficient * feature value``; columns in
        model order. Interaction terms are left out (see :func:`decompose`).

    Examples
    --------
    >>> from iqmodel import IQModel
    >>> from iqmodel.datasets import make_planted_dataset
    >>> data = make_planted_dataset(n_seqs=300, seq_length=100, n_motifs=2, random_state=0)
    >>> model = IQModel(motif_db=data.truth.motifs, distill=False, filter=False,
    ...                 verbose=0, random_state=0)
    >>> model = model.fit(data.sequences, data.dap)
    >>> responses = partial_responses(model, data.sequences[:4])
    >>> responses.shape, responses.columns.tolist()[:3]
    ((4, 19), ['MA0466.4', 'MA0139.2', 'gc_content'])
    """
    parts = decompose(model, seqs, features=features)
    keep = parts.kinds.index[parts.kinds != "interaction"]
    return parts.terms[keep]


def _coefficients(model, variable: str) -> pd.Series:
    """The GLM coefficients of one motif or covariate, indexed by response function."""
    coef = model.coef_
    rows = coef[(coef["variable"] == variable) & (coef["kind"] != "interaction")]
    if rows.empty:
        names = coef.loc[coef["kind"] != "interaction", "variable"].unique().tolist()
        raise ValueError(f"{variable!r} is not a motif or covariate of the model; it has {names}")
    return pd.Series(rows["coefficient"].to_numpy(), index=rows["response"].to_numpy())


def _curve(coefficients: pd.Series, values: np.ndarray) -> np.ndarray:
    total = np.zeros_like(values, dtype=np.float64)
    for function, coefficient in coefficients.items():
        basis = values if function == "linear" else response_function(values, function)
        total = total + coefficient * basis
    return total


def response_curve(model, variable: str, values=None) -> pd.Series:
    """Partial response of one motif or covariate as a function of its [0, 10] value.

    Parameters
    ----------
    model : IQModel
        A fitted model.
    variable : str
        Motif or covariate name.
    values : array-like of float, optional
        Values to evaluate at; default ``np.linspace(0, 10, 101)``.

    Returns
    -------
    Series of float64
        Index = ``values`` (named ``"value"``), name = ``variable``;
        ``sum_f coefficient_f * f(value)`` on the logit scale.

    Raises
    ------
    ValueError
        When ``variable`` is not a motif or covariate of the model.

    Examples
    --------
    The planted effects are +3 for CEBPB and -2.5 for CTCF (``high-energy``): the fitted
    curves rise and fall:

    >>> from iqmodel import IQModel
    >>> from iqmodel.datasets import make_planted_dataset
    >>> data = make_planted_dataset(n_seqs=300, seq_length=100, n_motifs=2, random_state=0)
    >>> model = IQModel(motif_db=data.truth.motifs, distill=False, filter=False,
    ...                 sequence_features=False, verbose=0, random_state=0)
    >>> model = model.fit(data.sequences, data.dap)
    >>> cebpb = response_curve(model, "MA0466.4")
    >>> len(cebpb), bool(cebpb.iloc[-1] - cebpb.iloc[0] > 2)
    (101, True)
    >>> ctcf = response_curve(model, "MA0139.2", [0.0, 10.0])
    >>> bool(ctcf.iloc[1] - ctcf.iloc[0] < -1)
    True
    """
    _fitted(model)
    values = np.linspace(0, 10, 101) if values is None else np.asarray(values, dtype=np.float64)
    curve = _curve(_coefficients(model, variable), values)
    return pd.Series(curve, index=pd.Index(values, name="value"), name=variable)


def _checked_motifs(model, motifs) -> list[Motif]:
    return resolve_motifs(model.motifs_, motifs)


def _normalised(model, raw: np.ndarray, motifs: list[Motif]) -> np.ndarray:
    """Raw energies (n, n_chosen) of some model motifs on the model's [0, 10] scale."""
    all_names = [m.name for m in model.motifs_]
    columns = [all_names.index(m.name) for m in motifs]
    full = np.full((len(raw), len(all_names)), np.nan)
    full[:, columns] = raw
    normalised = model.energy_normalizer_.transform(full)[:, columns]
    normalised[np.isnan(raw)] = np.nan
    return normalised


def _normalised_local(model, seq: str, motifs: list[Motif]) -> np.ndarray:
    """Local energies (length, n_motifs) normalised with the model's per-motif constants."""
    raw = np.column_stack([local_energies(seq, motif) for motif in motifs])
    return _normalised(model, raw, motifs)


def window_weights(motif: Motif, length: int) -> np.ndarray:
    """Spatial weight of the window starting at each position of a ``length``-bp sequence.

    As in the energy (spec 3.4): a window counts when it lies inside both the sequence and
    the motif's spatial frame, with the weight of the bin its start falls in; 0 elsewhere.
    Without a spatial profile every full window has weight 1.

    Parameters
    ----------
    motif : Motif
        The motif (its length, spatial profile and bin size).
    length : int
        Sequence length in bp.

    Returns
    -------
    ndarray of float64, shape (length,)
        The spatial weight (unnormalised, as in ``motif.spatial``) of the window starting at
        each position.

    Examples
    --------
    A 3-bp motif on 10 bp: 8 full windows; with 3 bins of 2 bp the frame is ``[2, 8)``:

    >>> from iqmodel.motifs import Motif
    >>> plain = Motif("m", [[1, 0, 0, 0]] * 3)
    >>> window_weights(plain, 10).tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0]
    >>> window_weights(plain.with_spatial([1.0, 2.0, 1.0], bin_size=2), 10).tolist()
    [0.0, 0.0, 1.0, 1.0, 2.0, 2.0, 0.0, 0.0, 0.0, 0.0]
    """
    weights = np.zeros(length)
    if motif.spatial is None:
        profile, bin_size, first = np.ones(1), max(length, 1), 0
        stop = length
    else:
        profile, bin_size = motif.spatial, motif.bin_size
        first = spatial_frame_start(length, len(profile), bin_size)
        stop = min(first + len(profile) * bin_size, length)
    starts = np.arange(max(first, 0), max(stop - motif.length + 1, 0))
    weights[starts] = profile[(starts - first) // bin_size]
    return weights


def local_contributions(model, seq, *, motifs=None) -> LocalContributions:
    """Per-position energies and responses of the model's motifs on one sequence.

    The local energy of a window is normalised with the same constants as the sequence-level
    energies (as the reference's local PBM energies), and its response is the motif's fitted
    curve at that energy minus the curve at 0. ``per_base`` splits the motif's whole term of
    the prediction over the bases that carry its binding (see :class:`LocalContributions`).

    Parameters
    ----------
    model : IQModel
        A fitted model.
    seq : str
        One DNA sequence of any length.
    motifs : list of str, optional
        Motif names; default all motifs of the model.

    Returns
    -------
    LocalContributions
        One row per position of ``seq``, one column per motif.

    Raises
    ------
    ValueError
        For an unknown motif name or an invalid sequence.

    Examples
    --------
    A sequence with two planted CEBPB sites: the per-base attribution sums to the motif's
    response at the sequence's energy relative to energy 0:

    >>> import numpy as np
    >>> from iqmodel import IQModel
    >>> from iqmodel.datasets import make_planted_dataset
    >>> data = make_planted_dataset(n_seqs=300, seq_length=100, n_motifs=2, random_state=0)
    >>> model = IQModel(motif_db=data.truth.motifs, distill=False, filter=False,
    ...                 sequence_features=False, verbose=0, random_state=0)
    >>> model = model.fit(data.sequences, data.dap)
    >>> sites = data.truth.sites
    >>> sites[(sites["seq_index"] == 100) & (sites["motif"] == "MA0466.4")]["start"].tolist()
    [29, 39]
    >>> local = local_contributions(model, data.sequences[100], motifs=["MA0466.4"])
    >>> local.energy.shape, int(local.energy["MA0466.4"].idxmax())
    ((100, 1), 29)
    >>> energy = model.transform([data.sequences[100]]).loc[0, "MA0466.4"]
    >>> curve = response_curve(model, "MA0466.4", [0.0, energy])
    >>> bool(np.isclose(local.per_base["MA0466.4"].sum(), curve.iloc[1] - curve.iloc[0]))
    True
    """
    _fitted(model)
    seq = decode(encode([seq]))[0] if isinstance(seq, str) else decode(np.atleast_2d(seq))[0]
    chosen = _checked_motifs(model, motifs)
    names = [m.name for m in chosen]
    raw_local = np.column_stack([local_energies(seq, motif) for motif in chosen])
    energy = _normalised(model, raw_local, chosen)
    raw_total = compute_energies([seq], chosen, mode=model.energy_mode)
    total = _normalised(model, raw_total, chosen)[0]
    response = np.full_like(energy, np.nan)
    per_base = np.zeros_like(energy)
    for j, motif in enumerate(chosen):
        coefficients = _coefficients(model, motif.name)
        baseline = _curve(coefficients, np.zeros(1))[0]
        response[:, j] = _curve(coefficients, energy[:, j]) - baseline
        term = _curve(coefficients, np.nan_to_num(total[j : j + 1]))[0] - baseline
        share = _binding_share(raw_local[:, j], window_weights(motif, len(seq)), model)
        per_base[:, j] = _window_sum(term * share, motif.length) / motif.length
    return LocalContributions(
        sequence=seq,
        energy=pd.DataFrame(energy, columns=names),
        response=pd.DataFrame(response, columns=names),
        per_base=pd.DataFrame(per_base, columns=names),
    )


def _binding_share(log_probability: np.ndarray, weights: np.ndarray, model) -> np.ndarray:
    """Each window's share of the motif's binding: weighted probability / total (sums to 1).

    ``energy_mode="max"`` gives everything to the best weighted window; no window -> zeros.
    """
    with np.errstate(divide="ignore"):
        weighted = np.where(weights > 0, np.log(weights) + log_probability, -np.inf)
    weighted = np.nan_to_num(weighted, nan=-np.inf)
    share = np.zeros_like(weighted)
    if not np.isfinite(weighted).any():
        return share
    if model.energy_mode == "max":
        share[np.argmax(weighted)] = 1.0
        return share
    share = np.exp(weighted - weighted.max())
    return share / share.sum()


def _window_sum(window_values: np.ndarray, length: int) -> np.ndarray:
    """Per base, the sum of the values of the ``length``-bp windows covering it.

    ``window_values[i]`` belongs to the window starting at ``i``.
    """
    n = len(window_values)
    n_windows = max(n - length + 1, 0)
    totals = np.concatenate([[0.0], np.cumsum(window_values[:n_windows])])
    position = np.arange(n)
    first = np.clip(position - length + 1, 0, n_windows)
    last = np.clip(position + 1, 0, n_windows)
    return totals[last] - totals[first]


def drop_one_r2(model, seqs, dap, *, features=None) -> pd.DataFrame:
    """Added R^2 of each motif: squared Pearson r of the model minus that of a model without it.

    The definition of the model filter (:func:`iqmodel.pipeline.drop_one_r2`), with the GLM
    refitted on all the given rows (same penalty and solver as the final fit) without the
    motif's response columns and interactions; the other motifs' energies are unchanged.

    Parameters
    ----------
    model : IQModel
        A fitted model.
    seqs : list of str
        Sequences of the model's training length.
    dap : array-like of float, shape (n_seqs,)
        Observed dAP of ``seqs`` (typically the training set).
    features : DataFrame, optional
        The covariates the model was fitted with, if any.

    Returns
    -------
    DataFrame, shape (n_motifs, 4)
        Columns ``motif``, ``r2_full``, ``r2_without``, ``delta_r2`` (squared Pearson r and
        their difference); sorted by ``delta_r2`` descending.

    Examples
    --------
    >>> from iqmodel import IQModel
    >>> from iqmodel.datasets import make_planted_dataset
    >>> data = make_planted_dataset(n_seqs=300, seq_length=100, n_motifs=2, random_state=0)
    >>> model = IQModel(motif_db=data.truth.motifs, distill=False, filter=False,
    ...                 sequence_features=False, verbose=0, random_state=0)
    >>> model = model.fit(data.sequences, data.dap)
    >>> table = drop_one_r2(model, data.sequences, data.dap)
    >>> sorted(table["motif"]), bool((table["delta_r2"] > 0.2).all())
    (['MA0139.2', 'MA0466.4'], True)
    """
    _fitted(model)
    inputs = model.transform(seqs, features=features)
    dap = check_target(dap, len(inputs))
    y01 = np.clip((dap - model.y_min_) / model.y_range_, 0, 1)
    design = pipeline.Design(model.design_from_inputs(inputs), model.design_columns_)
    table = pipeline.drop_one_r2(
        design,
        y01,
        dap,
        [m.name for m in model.motifs_],
        penalty=model.glm_.lambda_,
        solver=model.glm_.solver,
    ).rename(columns={"term": "motif"})
    return table.sort_values("delta_r2", ascending=False, kind="stable").reset_index(drop=True)


def low_affinity_score(
    model, seqs, dap, *, site_threshold: float = 5.0, high_threshold: float = 8.0, motifs=None
) -> pd.DataFrame:
    """Low-affinity score of each motif (paper eq. 9).

    Each window's local energy is normalised with the model's constants ([0, 10]). A peak is
    *single-high* when exactly one window reaches ``high_threshold`` and no other window
    reaches ``site_threshold``; it is *multi-low* when at least two windows reach
    ``site_threshold`` and none reaches ``high_threshold``.
    ``LAS = mean(dAP of multi-low) - mean(dAP of single-high)``: positive when several weak
    sites act more strongly than one strong site.

    Parameters
    ----------
    model : IQModel
        A fitted model.
    seqs : list of str
        Sequences of the model's training length.
    dap : array-like of float, shape (n_seqs,)
        Observed dAP of ``seqs``.
    site_threshold : float, default 5.0
        Normalised energy of a (weak) site.
    high_threshold : float, default 8.0
        Normalised energy of a high-affinity site; must exceed ``site_threshold``.
    motifs : list of str, optional
        Default: all motifs of the model.

    Returns
    -------
    DataFrame, shape (n_motifs, 6)
        Columns ``motif``, ``las`` (NaN when either group is empty), ``n_multi_low``,
        ``n_single_high``, ``mean_multi_low``, ``mean_single_high`` (dAP units).

    Raises
    ------
    ValueError
        Unless ``0 <= site_threshold < high_threshold <= 10``.

    Examples
    --------
    >>> import numpy as np
    >>> from iqmodel import IQModel
    >>> from iqmodel.datasets import make_planted_dataset
    >>> data = make_planted_dataset(n_seqs=300, seq_length=100, n_motifs=2, random_state=0)
    >>> model = IQModel(motif_db=data.truth.motifs, distill=False, filter=False,
    ...                 sequence_features=False, verbose=0, random_state=0)
    >>> model = model.fit(data.sequences, data.dap)
    >>> las = low_affinity_score(model, data.sequences[:100], data.dap[:100],
    ...                          motifs=["MA0139.2"])
    >>> row = las.iloc[0]
    >>> bool(np.isclose(row["las"], row["mean_multi_low"] - row["mean_single_high"]))
    True
    """
    _fitted(model)
    if not 0 <= site_threshold < high_threshold <= 10:
        raise ValueError(
            "need 0 <= site_threshold < high_threshold <= 10, got "
            f"site_threshold={site_threshold}, high_threshold={high_threshold}"
        )
    sequences = decode(encode(seqs))
    dap = check_target(dap, len(sequences))
    chosen = _checked_motifs(model, motifs)
    n_sites = np.zeros((len(sequences), len(chosen)), dtype=np.int64)
    n_high = np.zeros_like(n_sites)
    for i, seq in enumerate(sequences):
        energy = np.nan_to_num(_normalised_local(model, seq, chosen), nan=0.0)
        n_sites[i] = (energy >= site_threshold).sum(axis=0)
        n_high[i] = (energy >= high_threshold).sum(axis=0)
    rows = []
    for j, motif in enumerate(chosen):
        single_high = (n_high[:, j] == 1) & (n_sites[:, j] == 1)
        multi_low = (n_sites[:, j] >= 2) & (n_high[:, j] == 0)
        mean_low = float(dap[multi_low].mean()) if multi_low.any() else np.nan
        mean_high = float(dap[single_high].mean()) if single_high.any() else np.nan
        rows.append(
            {
                "motif": motif.name,
                "las": mean_low - mean_high,
                "n_multi_low": int(multi_low.sum()),
                "n_single_high": int(single_high.sum()),
                "mean_multi_low": mean_low,
                "mean_single_high": mean_high,
            }
        )
    return pd.DataFrame(rows)


def name_motifs(motifs, database="jaspar2024", *, bits_threshold: float = 0.1) -> pd.DataFrame:
    """Best database match of each motif, over all offsets and both orientations.

    Parameters
    ----------
    motifs : IQModel or list of Motif
        A fitted model (its ``motifs_``) or motifs.
    database : str or list of Motif, default "jaspar2024"
        A bundled database name (see :func:`iqmodel.io.load_motif_db`) or motifs.
    bits_threshold : float, default 0.1
        Flank trimming before comparing, as in :func:`iqmodel.motifs.best_matches`.

    Returns
    -------
    DataFrame, shape (n_motifs, 6)
        The columns of :func:`iqmodel.motifs.best_matches`; a similarity below ~0.7 is a weak
        match.

    Raises
    ------
    ValueError
        When ``motifs`` is empty or not motifs.

    Examples
    --------
    >>> from iqmodel.io import load_motif_db
    >>> database = load_motif_db("jaspar2024")[:10]
    >>> learned = database[1].reverse_complement().renamed("learned")
    >>> table = name_motifs([learned], database)
    >>> table.loc[0, ["motif", "match", "match_alt_name", "strand"]].tolist()
    ['learned', 'MA0069.1', 'PAX6', '-']
    """
    if hasattr(motifs, "motifs_"):
        motifs = motifs.motifs_
    motifs = list(motifs)
    if not motifs or not all(isinstance(m, Motif) for m in motifs):
        raise ValueError("motifs must be a fitted IQModel or a non-empty list of Motif objects")
    if isinstance(database, str):
        from iqmodel.io import load_motif_db

        database = load_motif_db(database)
    return best_matches(motifs, database, bits_threshold=bits_threshold)
