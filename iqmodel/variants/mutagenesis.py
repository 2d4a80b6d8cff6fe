"""Saturation mutagenesis: every single-base substitution of one sequence, exactly and fast.

A substitution at position ``p`` changes only the windows that overlap ``p`` (at most ``L``
per motif of length ``L``). So for each motif the window terms of the reference are computed
once (a numba kernel, :mod:`iqmodel._kernels.mutagenesis`), the windows left and right of
``p`` come from prefix and suffix sums (no subtraction, so no cancellation), and only the
``<= L`` overlapping windows are re-scored per substitution. Everything after the energies
works on numpy arrays, without pandas or per-column Python loops: small kernels map the
energies to the model's [0, 10] inputs with the normaliser's stored constants, and the
inputs to their logit terms (the GLM columns' sums of
:func:`iqmodel.interpret.decompose_inputs`, the exponentials vectorised by numpy). GC
content and dinucleotide frequencies are updated from the reference counts, and the
covariates and their terms are computed once per distinct neighbourhood of a substitution
(they depend on nothing else). So every mutant's prediction equals ``model.predict`` of the
mutant sequence to rounding (tested to 1e-9). The tables these steps need are built once
per fitted model and sequence length, and cached.
"""

from __future__ import annotations

import itertools
import weakref
from typing import NamedTuple

import numpy as np
import pandas as pd

from iqmodel._validation import check_features
from iqmodel.additional_features import DINUCLEOTIDE_FEATURES
from iqmodel.features import RESPONSE_FUNCTIONS, response_parameters
from iqmodel.interpret import Decomposition, window_weights
from iqmodel.motifs import DEFAULT_PRIOR, Motif
from iqmodel.normalization import LN2
from iqmodel.seq import encode
from iqmodel.variants.effects import effect_table, stack_trajectories, trajectory_models

__all__ = ["Mutagenesis", "mutant_energies", "mutant_sequence_features", "saturation_mutagenesis"]

BASES = "ACGT"
_LOG_QUARTER = float(np.log(0.25))  # N scores 1/4 on both strands (spec 3)
_COMPOSITION_NAMES = ("gc_content", *DINUCLEOTIDE_FEATURES)  # sequence_features columns
_LETTERS = pd.Series(np.array(list(BASES + "N"))).array  # code -> letter, table column dtype


class Mutagenesis(NamedTuple):
    """All single-base substitutions of one sequence.

    Attributes
    ----------
    sequence : str
        The reference sequence (upper case).
    table : DataFrame
        One row per substitution (and trajectory): ``position`` (0-based offset in
        ``sequence``), ``ref_base``, ``alt_base``, then the columns of
        :func:`iqmodel.variants.effect_table` (``pred_ref``, ``pred_alt``, ``delta``, ...,
        ``dlogit_<term>`` and ``denergy_<motif>`` only with ``decompose=True``); a
        ``trajectory`` column first for multi-trajectory models.

    See Also
    --------
    saturation_mutagenesis : Builds it.
    iqmodel.plot.variants.mutagenesis_map : Draws it.

    Examples
    --------
    >>> from iqmodel import IQModel
    >>> from iqmodel.datasets import make_planted_dataset
    >>> from iqmodel.variants import saturation_mutagenesis
    >>> data = make_planted_dataset(n_seqs=200, seq_length=100, n_motifs=2, random_state=0)
    >>> model = IQModel(filter=False, glm_lambda=1e-3, sequence_features=False, verbose=0)
    >>> model = model.fit_with_motifs(data.sequences, data.dap, data.truth.motifs)
    >>> ism = saturation_mutagenesis(model, data.sequences[0], start=10, end=15)
    >>> ism.sequence == data.sequences[0], len(ism.table)
    (True, 15)
    >>> matrix = ism.matrix("delta_logit")
    >>> matrix.shape, matrix.index.tolist(), matrix.columns.tolist()
    ((5, 4), [10, 11, 12, 13, 14], ['A', 'C', 'G', 'T'])
    >>> [float(matrix.at[p, ism.sequence[p]]) for p in matrix.index]  # reference bases
    [0.0, 0.0, 0.0, 0.0, 0.0]
    """

    sequence: str
    table: pd.DataFrame

    def matrix(self, value: str = "delta", trajectory=None) -> pd.DataFrame:
        """The effects as a position x base matrix.

        Parameters
        ----------
        value : str, default "delta"
            A numeric column of ``table``: ``"delta"`` (dAP), ``"delta_logit"`` or a
            ``dlogit_<term>`` column.
        trajectory : optional
            The trajectory to show (needed for multi-trajectory models).

        Returns
        -------
        DataFrame of float64, shape (n_positions, 4)
            Index ``position``, columns ``A, C, G, T``; 0 at the reference base (no change).

        Raises
        ------
        ValueError
            When ``value`` is not a column of ``table``, or ``trajectory`` is not one of a
            multi-trajectory table.
        """
        table = self.table
        if "trajectory" in table.columns:
            names = list(pd.unique(table["trajectory"]))
            if trajectory not in names:
                raise ValueError(f"pass trajectory= one of {names}")
            table = table[table["trajectory"] == trajectory]
        if value not in table.columns:
            raise ValueError(f"value {value!r} is not a column of the table; pick 'delta', ...")
        wide = table.pivot(index="position", columns="alt_base", values=value)
        return wide.reindex(columns=list(BASES)).fillna(0.0).astype(np.float64)


def _log_tables(motif: Motif) -> tuple[np.ndarray, np.ndarray]:
    """Log probability of each code (A, C, G, T, N) at each position, forward and reverse
    complement motif, each shape (L, 5)."""
    forward = np.empty((motif.length, 5))
    forward[:, :4] = motif.log_probs(DEFAULT_PRIOR)
    forward[:, 4] = _LOG_QUARTER
    return forward, forward[::-1][:, [3, 2, 1, 0, 4]]


class _MotifTables(NamedTuple):
    """The motifs' tables for the kernel, for sequences of one length, in the order of the
    arguments of ``iqmodel._kernels.mutagenesis.all_mutant_energies``."""

    log_probs: np.ndarray  # (2, total_length, 5) motifs concatenated, and reverse complements
    probs: np.ndarray  # (2, total_length, 5) relative to each position's most likely letter
    ratios: np.ndarray  # (2, total_length, 5, 4) letter change factors
    rows: np.ndarray  # (n_motifs + 1,) motif m: rows[m]:rows[m + 1]
    log_scales: np.ndarray  # (n_motifs,) nats taken out of probs, per motif
    weights: np.ndarray  # (total_windows,) spatial weight of each window
    starts: np.ndarray  # (n_motifs + 1,) motif m: starts[m]:starts[m + 1] (empty: no window)


def _motif_tables(motifs, length: int) -> _MotifTables:
    """The kernel's tables of ``motifs`` for sequences of ``length`` bp."""
    from iqmodel._kernels.mutagenesis import scoring_tables

    forwards, reverses, weights = [], [], []
    for motif in motifs:
        forward, reverse = _log_tables(motif)
        forwards.append(forward)
        reverses.append(reverse)
        n_windows = max(length - motif.length + 1, 0)
        weights.append(np.asarray(window_weights(motif, length)[:n_windows], dtype=np.float64))
    rows = np.cumsum([0] + [len(f) for f in forwards]).astype(np.int64)
    starts = np.cumsum([0] + [len(w) for w in weights]).astype(np.int64)
    log_probs = np.ascontiguousarray(np.stack([np.concatenate(forwards), np.concatenate(reverses)]))
    probs, ratios, position_max = scoring_tables(log_probs)
    log_scales = [position_max[a:b].sum() for a, b in itertools.pairwise(rows)]
    return _MotifTables(
        log_probs, probs, ratios, rows, np.array(log_scales), np.concatenate(weights), starts
    )


def _energies(tables: _MotifTables, codes, positions, alt, use_max: bool) -> np.ndarray:
    """Raw energies (nats) of the reference (column 0) and of each substitution (columns
    1..), shape (n_motifs, 1 + n_mutants)."""
    from iqmodel._kernels import mutagenesis as kernels

    shape = (len(tables.rows) - 1, 1 + len(positions))
    out, exact, tops = np.empty(shape), np.zeros(shape, dtype=bool), np.empty(shape[0])
    kernels.all_mutant_energies(
        np.ascontiguousarray(codes, dtype=np.int8),
        np.ascontiguousarray(positions, dtype=np.int64),
        np.ascontiguousarray(alt, dtype=np.int64),
        *tables,
        use_max,
        out,
        exact,
        tops,
    )
    # top + log(relative sum), vectorised
    if exact.any():  # where the relative sum underflowed, the kernel wrote the energy itself
        relative = ~exact
        np.log(out, out=out, where=relative)
        np.add(out, tops[:, None], out=out, where=relative)
    else:
        np.log(out, out=out)
        out += tops[:, None]
    return out


def mutant_energies(codes, positions, motifs, *, mode: str = "lse") -> np.ndarray:
    """Raw energies of every single-base substitution, re-scoring only overlapping windows.

    Parameters
    ----------
    codes : int8 array, shape (length,)
        One encoded sequence (A=0, C=1, G=2, T=3, N=4).
    positions : int array, shape (n_positions,)
        0-based positions to substitute.
    motifs : list of Motif
        Motifs to score (with or without spatial profiles).
    mode : {"lse", "max"}, default "lse"
        As :func:`iqmodel.energy.compute_energies`.

    Returns
    -------
    ndarray of float64, shape (n_positions, 4, n_motifs)
        Natural-log energy after putting base ``b`` (A, C, G, T) at each position; equal to
        ``compute_energies`` of the mutant sequence to rounding. At the reference base it
        is the energy of the reference.

    Examples
    --------
    >>> import numpy as np
    >>> from iqmodel.energy import compute_energies
    >>> from iqmodel.io import load_motif_db
    >>> from iqmodel.seq import encode
    >>> from iqmodel.variants.mutagenesis import mutant_energies
    >>> motifs = load_motif_db("jaspar2024")[:2]
    >>> seq = "ACGTGATAAGGCTTACGATCCACGTG"
    >>> energies = mutant_energies(encode([seq])[0], [3, 10], motifs)
    >>> energies.shape  # positions x bases x motifs
    (2, 4, 2)
    >>> mutant = seq[:3] + "A" + seq[4:]  # base A (column 0) at position 3
    >>> bool(np.allclose(energies[0, 0], compute_energies([mutant], motifs)[0]))
    True
    """
    codes = np.asarray(codes, dtype=np.int8)
    positions = np.asarray(positions)
    tables = _motif_tables(motifs, len(codes))
    every = _energies(
        tables, codes, np.repeat(positions, 4), np.tile(np.arange(4), len(positions)), mode == "max"
    )
    return every[:, 1:].reshape(len(motifs), len(positions), 4).transpose(1, 2, 0)


def _composition(codes, positions, alt) -> np.ndarray:
    """Composition features (1 + n_mutants, 17) of the reference (row 0) and of single-base
    mutants (rows 1..), from updated counts (``iqmodel._kernels.mutagenesis``)."""
    from iqmodel._kernels import mutagenesis as kernels

    out = np.empty((1 + len(positions), len(_COMPOSITION_NAMES)))
    kernels.mutant_composition(
        np.ascontiguousarray(codes, dtype=np.int64),
        np.ascontiguousarray(positions, dtype=np.int64),
        np.ascontiguousarray(alt, dtype=np.int64),
        out,
    )
    return out


def mutant_sequence_features(codes, positions, alt_codes) -> pd.DataFrame:
    """GC content and dinucleotide frequencies of single-base mutants of one sequence.

    The reference base and pair counts are updated by the substitution (the two pairs that
    hold the position), with :func:`iqmodel.additional_features.sequence_features`' rules:
    only ACGT bases and pairs count, and empty denominators give 0.

    Parameters
    ----------
    codes : int8 array, shape (length,)
        The reference sequence, encoded.
    positions, alt_codes : int arrays, shape (n_mutants,)
        Position (0-based) and new base code (0-3) of each mutant.

    Returns
    -------
    DataFrame of float64, shape (n_mutants, 17)
        Columns ``gc_content, AA, ..., TT``, as ``sequence_features`` of the mutants.

    Examples
    --------
    >>> import numpy as np
    >>> from iqmodel.additional_features import sequence_features
    >>> from iqmodel.seq import encode
    >>> from iqmodel.variants.mutagenesis import mutant_sequence_features
    >>> seq = "AACGTTNA"
    >>> features = mutant_sequence_features(encode([seq])[0], [0, 7], [2, 1])  # G at 0, C at 7
    >>> features.shape
    (2, 17)
    >>> mutants = ["GACGTTNA", "AACGTTNC"]
    >>> bool(np.allclose(features, sequence_features(mutants)))
    True
    >>> features["gc_content"].round(4).tolist()  # of the 7 ACGT bases
    [0.4286, 0.4286]
    """
    features = _composition(codes, positions, alt_codes)[1:]
    return pd.DataFrame(features, columns=list(_COMPOSITION_NAMES))


class _EnergyScale(NamedTuple):
    """The constants of ``model.energy_normalizer_.transform``, as the kernel takes them."""

    reference_log2: np.ndarray  # (n_motifs,) log2 units
    min_energy: float  # log2 units below the reference
    range_low: np.ndarray  # (n_motifs,) log2 units below the reference
    scale: np.ndarray  # (n_motifs,) max_value / span, 0 for an empty span
    max_value: float  # top of the scale


def _energy_scale(normalizer) -> _EnergyScale:
    """The constants of a fitted :class:`~iqmodel.energy.EnergyNormalizer`."""
    span = normalizer.range_high_ - normalizer.range_low_
    scale = np.zeros_like(span, dtype=np.float64)
    np.divide(normalizer.max_value, span, out=scale, where=span > 0)
    return _EnergyScale(
        np.ascontiguousarray(normalizer.reference_log2_, dtype=np.float64),
        float(normalizer.min_energy),
        np.ascontiguousarray(normalizer.range_low_, dtype=np.float64),
        scale,
        float(normalizer.max_value),
    )


class _Responses(NamedTuple):
    """The GLM columns of some model inputs (motifs, or covariates) as the kernel
    ``iqmodel._kernels.mutagenesis.input_terms`` takes them."""

    rows: np.ndarray  # (n,) the inputs that are model terms
    terms_at: np.ndarray  # (n,) their column in the table of terms
    curve_coef: np.ndarray  # (n_inputs, n_curves) coefficient of each response column
    linear_coef: np.ndarray  # (n_inputs,) coefficient of the input itself


class _TermLayout:
    """How the model's GLM columns add up to its logit terms, as arrays (built once per model).

    The sums of :func:`iqmodel.interpret.decompose_inputs` (coefficient times the response
    function of the column's input, or times the interaction value): motif and covariate
    terms by the kernel ``iqmodel._kernels.mutagenesis.input_terms``, interaction terms with
    the model's ``interactions_``. Columns with a zero coefficient add exactly 0 and are
    skipped.
    """

    def __init__(self, model):
        columns = model.design_columns_.reset_index(drop=True)
        motif_names = [m.name for m in model.motifs_]
        covariate_names = []
        if model.feature_scaler_ is not None:
            covariate_names = list(model.feature_scaler_.feature_names_in_)
        self.input_names = motif_names + covariate_names
        self.terms = list(dict.fromkeys(columns["term"]))
        kind_of = dict(zip(columns["term"], columns["kind"], strict=True))
        self.kinds = pd.Series([kind_of[t] for t in self.terms], index=self.terms)
        # object Indexes: wrapped around every call's arrays, and read back as lists
        self.term_index = pd.Index(self.terms, dtype=object)
        self.input_index = pd.Index(self.input_names, dtype=object)
        # the kernel's curves: (row of the decays exp(-k x) of their steepness k,
        # exp(k x0), L, offset); exp(-k x) is computed once per distinct k
        parameters = [response_parameters(f) for f in RESPONSE_FUNCTIONS]
        self.steepness = np.unique([k for _, _, k, _ in parameters])
        self.curves = np.array(
            [
                (np.searchsorted(self.steepness, k), np.exp(k * x0), height, offset)
                for x0, height, k, offset in parameters
            ]
        )
        coef = np.asarray(model.glm_.coef, dtype=np.float64)
        self.motifs = self._responses(columns, coef, motif_names, "motif")
        self.covariates = self._responses(columns, coef, covariate_names, "feature")
        rows = np.flatnonzero((columns["kind"].to_numpy() == "interaction") & (coef != 0))
        self.interactions = model.interactions_
        self.interaction_columns = (
            columns["column"].to_numpy()[rows].tolist(),
            np.array([self.terms.index(t) for t in columns["term"].to_numpy()[rows]], int),
            coef[rows],
        )

    def _responses(self, columns: pd.DataFrame, coef, names: list, kind: str) -> _Responses:
        """The GLM columns of kind ``kind`` of the inputs ``names``."""
        at = {name: j for j, name in enumerate(names)}
        curve_coef = np.zeros((len(names), len(RESPONSE_FUNCTIONS)))
        linear_coef = np.zeros(len(names))
        mine = columns["kind"].to_numpy() == kind
        for term, response, value in zip(
            columns["term"][mine], columns["response"][mine], coef[mine], strict=True
        ):
            if value == 0:
                continue
            if response == "linear":
                linear_coef[at[term]] += value
            else:
                curve_coef[at[term], RESPONSE_FUNCTIONS.index(response)] += value
        rows = [j for j, name in enumerate(names) if name in self.kinds.index]
        terms_at = [self.terms.index(names[j]) for j in rows]
        return _Responses(np.array(rows, int), np.array(terms_at, int), curve_coef, linear_coef)

    def input_terms(self, responses: _Responses, inputs: np.ndarray) -> np.ndarray:
        """Terms (n_inputs, n_rows) of ``inputs`` (n_inputs, n_rows), [0, 10] scale."""
        from iqmodel._kernels import mutagenesis as kernels

        inputs = np.ascontiguousarray(inputs)
        decays = np.multiply.outer(-self.steepness, inputs)
        np.exp(decays, out=decays)
        terms = np.empty_like(inputs)
        kernels.input_terms(
            inputs, decays, self.curves, responses.curve_coef, responses.linear_coef, terms
        )
        return terms

    def add_interaction_terms(self, terms: np.ndarray, inputs: np.ndarray) -> None:
        """Add the interaction terms of model ``inputs`` (n_rows, n_inputs), [0, 10] scale,
        to ``terms`` (n_rows, n_terms)."""
        names, terms_at, coef = self.interaction_columns
        if names:
            frame = pd.DataFrame(inputs, columns=self.input_names)
            terms[:, terms_at] += self.interactions.transform(frame)[names].to_numpy() * coef


class _Prepared(NamedTuple):
    """Per model and sequence length: motif tables, energy scale and term layout."""

    owners: tuple  # the fitted objects this was built from (compared by identity)
    length: int  # sequence length, bp
    tables: _MotifTables
    scale: _EnergyScale
    layout: _TermLayout


_PREPARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _prepared(model, length: int) -> _Prepared:
    """Cached :class:`_Prepared` of ``model``; rebuilt when the model was refitted."""
    owners = (
        model.glm_,
        model.motifs_,
        model.energy_normalizer_,
        model.design_columns_,
        model.feature_scaler_,
        model.interactions_,
    )
    hit = _PREPARED.get(model)
    same = hit is not None and all(a is b for a, b in zip(hit.owners, owners, strict=True))
    if same and hit.length == length:
        return hit
    prepared = _Prepared(
        owners,
        length,
        _motif_tables(model.motifs_, length),
        _energy_scale(model.energy_normalizer_),
        _TermLayout(model),
    )
    _PREPARED[model] = prepared
    return prepared


def _covariates(model, composition, features, n_rows: int) -> np.ndarray:
    """Scaled covariates (n_rows, n_covariates) in ``feature_scaler_`` column order."""
    columns = {}
    if composition is not None:
        columns |= dict(zip(_COMPOSITION_NAMES, composition.T, strict=True))
    if features is not None:
        columns |= {name: np.full(n_rows, value) for name, value in features.iloc[0].items()}
    names = model.feature_scaler_.feature_names_in_
    return model.feature_scaler_.transform(np.column_stack([columns[name] for name in names]))


def _covariate_rows(model, codes, positions, alt, features) -> tuple[np.ndarray, np.ndarray]:
    """Scaled covariates of the reference and the mutants, each distinct row once.

    Returns ``(covariates, where)``: ``covariates`` (n_distinct, n_covariates) with the
    reference in row 0, and ``where`` (1 + n_mutants,) the row of the reference (0) and of
    each mutant. The composition of a mutant depends only on its neighbours, reference and
    alternative base, so mutants with equal :func:`_covariate_keys` share a row.
    """
    if model.sequence_features:
        keys = _covariate_keys(codes, positions, alt)
    else:  # the covariates are the user features: equal for every mutant
        keys = np.r_[0, np.ones(len(positions), dtype=np.intp)]
    present = np.zeros(keys.max() + 1, dtype=bool)
    present[keys] = True
    where = (np.cumsum(present) - 1)[keys]  # distinct rows in key order: the reference first
    representative = np.empty(np.count_nonzero(present), dtype=np.intp)
    representative[where] = np.arange(len(keys))  # any row of a key will do: they are equal
    mutants = representative[1:] - 1
    composition = None
    if model.sequence_features:
        composition = _composition(codes, positions[mutants], alt[mutants])
    return _covariates(model, composition, features, len(representative)), where


def _covariate_keys(codes: np.ndarray, positions: np.ndarray, alt: np.ndarray) -> np.ndarray:
    """One int in [0, 500] per row (reference first, key 0, then each mutant): the
    composition of a mutant depends only on its neighbours, reference and alternative base
    (N or no neighbour: 4), so equal keys mean equal covariates."""
    padded = np.r_[4, codes, 4]
    left, right = padded[positions], padded[positions + 2]
    keys = ((left * 5 + codes[positions]) * 5 + right) * 4 + alt
    return np.r_[0, keys + 1]


def _decompositions(model, prepared: _Prepared, codes, positions, alt, features):
    """:class:`~iqmodel.interpret.Decomposition` of the reference (1 row) and of every
    substitution (``n_mutants`` rows), as ``decompose_inputs`` of the model's inputs.

    Terms and inputs are built one row per term / input, so each kernel's output is copied
    in whole rows; the terms are then made row-major per mutant (as ``effect_table`` reads
    them) and both are wrapped in DataFrames without a copy."""
    from iqmodel._kernels import mutagenesis as kernels

    layout, scale = prepared.layout, prepared.scale
    energies = _energies(prepared.tables, codes, positions, alt, model.energy_mode == "max")
    n_motifs, n_rows = energies.shape
    inputs = np.empty((len(layout.input_names), n_rows))  # transposed: (n_inputs, n_rows)
    kernels.normalised_energies(
        energies,
        LN2,
        scale.reference_log2,
        scale.min_energy,
        scale.range_low,
        scale.scale,
        scale.max_value,
        inputs[:n_motifs],
    )
    terms = np.zeros((len(layout.terms), n_rows))  # transposed: (n_terms, n_rows)
    motifs, covariates = layout.motifs, layout.covariates
    terms[motifs.terms_at] = layout.input_terms(motifs, inputs[:n_motifs])[motifs.rows]
    if model.feature_scaler_ is not None:
        scaled, where = _covariate_rows(model, codes, positions, alt, features)
        distinct = layout.input_terms(covariates, scaled.T)[covariates.rows]
        terms[covariates.terms_at] = distinct[:, where]
        inputs[n_motifs:] = scaled.T[:, where]
    terms, inputs = np.ascontiguousarray(terms.T), inputs.T  # (n_rows, n_terms) row-major
    layout.add_interaction_terms(terms, inputs)
    intercept = float(model.glm_.intercept)
    logit = intercept + terms.sum(axis=1)
    prediction = model.logit_to_dap(logit)
    parts = []
    for rows in (slice(0, 1), slice(1, None)):
        parts.append(
            Decomposition(
                terms=pd.DataFrame(terms[rows], columns=layout.term_index, copy=False),
                kinds=layout.kinds,
                intercept=intercept,
                logit=logit[rows],
                prediction=prediction[rows],
                inputs=pd.DataFrame(inputs[rows], columns=layout.input_index, copy=False),
            )
        )
    return parts[0], parts[1]


def _substitutions(codes: np.ndarray, start: int, end: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions and alt codes of every substitution in ``[start, end)``, base order ACGT."""
    positions = np.repeat(np.arange(start, end), 4)
    alt = np.tile(np.arange(4), end - start)
    keep = alt != codes[positions]
    return positions[keep], alt[keep]


def _check_model_inputs(model, length: int, features) -> None:
    """Raise when a sequence of ``length`` bp (and ``features``) cannot go into ``model``."""
    if length != model.seq_length_:
        raise ValueError(
            f"the model was fitted on {model.seq_length_}-bp sequences but got a {length}-bp "
            f"sequence; energies and spatial profiles depend on the length: pass "
            f"{model.seq_length_} bp (e.g. centred on the peak summit)"
        )
    if model.n_features_in_ and features is None:
        raise ValueError(
            f"the model was fitted with {model.n_features_in_} features "
            f"({list(model.feature_names_in_)}); pass features= with one row of them"
        )


def _checked_range(start, end, length: int) -> tuple[int, int]:
    start = 0 if start is None else int(start)
    end = length if end is None else int(end)
    if not 0 <= start < end <= length:
        raise ValueError(
            f"need 0 <= start < end <= {length} (the sequence length), got start={start}, end={end}"
        )
    return start, end


def saturation_mutagenesis(
    model, seq, *, start=None, end=None, features=None, decompose: bool = False
) -> Mutagenesis:
    """Predicted effect of every single-base substitution of one sequence.

    Parameters
    ----------
    model : IQModel or object with a ``models_`` dict of IQModels
        A fitted model.
    seq : str
        One sequence of the model's training length (``seq_length_`` bp).
    start, end : int, optional
        Substitute only positions ``[start, end)`` (0-based); default the whole sequence.
    features : DataFrame (1, n_features), optional
        Covariates of a model fitted with ``features`` (unchanged by substitutions).
    decompose : bool, default False
        Add ``dlogit_<term>`` and ``denergy_<motif>`` columns (the exact split of each
        ``delta_logit`` into model terms).

    Returns
    -------
    Mutagenesis
        ``table`` with ``3 * (end - start)`` rows per trajectory (4 at an ``N``);
        ``matrix()`` gives the (n_positions, 4) delta matrix.

    Raises
    ------
    TypeError
        When ``seq`` is not a string or ``model`` is not fitted.
    ValueError
        When ``seq`` is not of the training length, ``features`` are missing for a model
        fitted with covariates, or ``start``/``end`` are out of range.

    Examples
    --------
    Every substitution's ``pred_alt`` is the model's prediction of the mutant sequence:

    >>> import numpy as np
    >>> from iqmodel import IQModel
    >>> from iqmodel.datasets import make_planted_dataset
    >>> from iqmodel.variants import saturation_mutagenesis
    >>> data = make_planted_dataset(n_seqs=200, seq_length=100, n_motifs=2, random_state=0)
    >>> model = IQModel(filter=False, glm_lambda=1e-3, verbose=0)  # with GC/dinucleotides
    >>> model = model.fit_with_motifs(data.sequences, data.dap, data.truth.motifs)
    >>> seq = data.sequences[0]
    >>> ism = saturation_mutagenesis(model, seq, decompose=True)
    >>> len(ism.table), list(ism.table.columns[:4])
    (300, ['position', 'ref_base', 'alt_base', 'pred_ref'])
    >>> mutants = [
    ...     seq[:p] + base + seq[p + 1 :]
    ...     for p, base in zip(ism.table["position"], ism.table["alt_base"])
    ... ]
    >>> bool(np.allclose(ism.table["pred_alt"], model.predict(mutants)))
    True
    >>> terms = ism.table.filter(like="dlogit_").sum(axis=1)
    >>> bool(np.allclose(terms, ism.table["delta_logit"]))
    True
    """
    if not isinstance(seq, str):
        raise TypeError(f"seq must be one DNA string, got {type(seq).__name__}")
    codes = encode([seq])[0]
    features = check_features(features, 1)
    models = trajectory_models(model)
    for one in models.values():
        _check_model_inputs(one, len(codes), features)
    first, last = _checked_range(start, end, len(codes))
    positions, alt = _substitutions(codes, first, last)
    codes = codes.astype(np.intp)
    leading = {
        "position": positions,
        "ref_base": _LETTERS.take(codes[positions]),
        "alt_base": _LETTERS.take(alt),
    }
    tables = {}
    for name, one in models.items():
        prepared = _prepared(one, len(codes))
        ref, mutants = _decompositions(one, prepared, codes, positions, alt, features)
        tables[name] = effect_table(one, ref, mutants, decompose=decompose, leading=leading)
    return Mutagenesis(sequence=seq.upper(), table=stack_trajectories(tables))
