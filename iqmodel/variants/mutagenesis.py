"""Saturation mutagenesis: every single-base substitution of one sequence, exactly and fast.

A substitution at position ``p`` changes only the windows that overlap ``p`` (at most ``L``
per motif of length ``L``). So for each motif the window terms of the reference are computed
once (a numba kernel, :mod:`iqmodel._kernels.mutagenesis`), the windows left and right of
``p`` come from prefix and suffix sums (no subtraction, so no cancellation), and only the
``<= L`` overlapping windows are re-scored per substitution. GC content and dinucleotide
frequencies are updated from the reference counts the same way. Normalisation and covariate
scaling use the model's stored constants, and the logit terms are the GLM columns' sums of
:func:`iqmodel.interpret.decompose_inputs`, so every mutant's prediction equals
``model.predict`` of the mutant sequence to rounding (tested to 1e-9).
"""

from __future__ import annotations

import weakref
from typing import NamedTuple

import numpy as np
import pandas as pd

from iqmodel._validation import check_features
from iqmodel.additional_features import DINUCLEOTIDE_FEATURES
from iqmodel.features import response_function
from iqmodel.interpret import Decomposition, window_weights
from iqmodel.motifs import DEFAULT_PRIOR, Motif
from iqmodel.seq import encode
from iqmodel.variants.effects import effect_table, stack_trajectories, trajectory_models

__all__ = ["Mutagenesis", "mutant_energies", "mutant_sequence_features", "saturation_mutagenesis"]

BASES = "ACGT"
_LOG_QUARTER = float(np.log(0.25))  # N scores 1/4 on both strands (spec 3)
_COMPOSITION_NAMES = ("gc_content", *DINUCLEOTIDE_FEATURES)  # sequence_features columns


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
    """The motifs' tables for the kernel, for sequences of one length (see
    ``iqmodel._kernels.mutagenesis.all_mutant_energies``)."""

    forwards: np.ndarray  # (total_length, 5) log probabilities, motifs concatenated
    reverses: np.ndarray  # (total_length, 5) of the reverse complements
    rows: np.ndarray  # (n_motifs + 1,) motif m: rows[m]:rows[m + 1]
    log_weights: np.ndarray  # (total_windows,) log spatial weight of each window
    starts: np.ndarray  # (n_motifs + 1,) motif m: starts[m]:starts[m + 1] (empty: no window)


def _motif_tables(motifs, length: int) -> _MotifTables:
    forwards, reverses, weights = [], [], []
    for motif in motifs:
        forward, reverse = _log_tables(motif)
        forwards.append(forward)
        reverses.append(reverse)
        n_windows = max(length - motif.length + 1, 0)
        with np.errstate(divide="ignore"):
            weights.append(np.log(window_weights(motif, length)[:n_windows]))
    lengths = [0] + [len(f) for f in forwards]
    counts = [0] + [len(w) for w in weights]
    return _MotifTables(
        np.ascontiguousarray(np.concatenate(forwards)),
        np.ascontiguousarray(np.concatenate(reverses)),
        np.cumsum(lengths).astype(np.int64),
        np.concatenate(weights),
        np.cumsum(counts).astype(np.int64),
    )


def _energies(tables, codes, positions, use_max: bool) -> tuple[np.ndarray, np.ndarray]:
    """Reference energies (n_motifs,) and substitution energies (n_positions, 4, n_motifs)."""
    from iqmodel._kernels import mutagenesis as kernels

    n_motifs = len(tables.rows) - 1
    reference = np.empty(n_motifs)
    out = np.empty((n_motifs, len(positions), 4))
    kernels.all_mutant_energies(
        np.ascontiguousarray(codes, dtype=np.int8),
        np.ascontiguousarray(positions, dtype=np.int64),
        tables.forwards,
        tables.reverses,
        tables.rows,
        tables.log_weights,
        tables.starts,
        use_max,
        reference,
        out,
    )
    return reference, out.transpose(1, 2, 0)


def mutant_energies(codes, positions, motifs, *, mode: str = "lse") -> np.ndarray:
    """Raw energies of every single-base substitution, re-scoring only overlapping windows.

    Parameters
    ----------
    codes : int8 array, shape (length,)
        One encoded sequence (A=0, C=1, G=2, T=3, N=4).
    positions : int array, shape (n_positions,)
        0-based positions to substitute.
    motifs : list of Motif
    mode : {"lse", "max"}, default "lse"
        As :func:`iqmodel.energy.compute_energies`.

    Returns
    -------
    ndarray of float64, shape (n_positions, 4, n_motifs)
        Natural-log energy after putting base ``b`` (A, C, G, T) at each position; equal to
        ``compute_energies`` of the mutant sequence to rounding.
    """
    codes = np.asarray(codes, dtype=np.int8)
    tables = _motif_tables(motifs, len(codes))
    return _energies(tables, codes, np.asarray(positions), mode == "max")[1]


def _composition(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Counts of the ACGT bases (4,) and of the 16 ACGT pairs (16,) of one sequence."""
    first, second = codes[:-1], codes[1:]
    ok = (first < 4) & (second < 4)
    return np.bincount(codes[codes < 4], minlength=4), np.bincount(
        first[ok] * 4 + second[ok], minlength=16
    )


def _composition_features(bases: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """GC content and dinucleotide frequencies from counts, shape (n, 17); 0 when empty."""
    features = np.zeros((len(bases), 17))
    n_bases = bases.sum(axis=1)
    n_pairs = pairs.sum(axis=1, keepdims=True)
    np.divide(bases[:, 1] + bases[:, 2], n_bases, out=features[:, 0], where=n_bases > 0)
    np.divide(pairs, n_pairs, out=features[:, 1:], where=n_pairs > 0)
    return features


def _mutant_composition(codes, positions, alt) -> np.ndarray:
    """Composition features (n_mutants, 17) of single-base mutants, from updated counts."""
    n, rows = len(codes), np.arange(len(positions))
    base_counts, pair_counts = _composition(codes)
    bases = np.tile(base_counts, (len(positions), 1))
    pairs = np.tile(pair_counts, (len(positions), 1))
    ref = codes[positions]
    np.subtract.at(bases, (rows[ref < 4], ref[ref < 4]), 1)
    np.add.at(bases, (rows, alt), 1)
    for side in (-1, 1):
        neighbour_at = positions + side
        inside = (neighbour_at >= 0) & (neighbour_at < n)
        neighbour = codes[np.clip(neighbour_at, 0, n - 1)]
        old = np.where(side < 0, neighbour * 4 + ref, ref * 4 + neighbour)
        new = np.where(side < 0, neighbour * 4 + alt, alt * 4 + neighbour)
        drop = inside & (neighbour < 4) & (ref < 4)
        add = inside & (neighbour < 4)
        np.subtract.at(pairs, (rows[drop], old[drop]), 1)
        np.add.at(pairs, (rows[add], new[add]), 1)
    return _composition_features(bases, pairs)


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
    """
    codes = np.asarray(codes, dtype=np.intp)
    features = _mutant_composition(
        codes, np.asarray(positions, dtype=np.intp), np.asarray(alt_codes, dtype=np.intp)
    )
    return pd.DataFrame(features, columns=list(_COMPOSITION_NAMES))


class _TermEvaluator:
    """Logit terms of model inputs, computed from the GLM columns without a design table.

    The sums of :func:`iqmodel.interpret.decompose_inputs` (coefficient times the response
    function of the column's input, or times the interaction value), for many rows at array
    speed; columns with a zero coefficient add exactly 0 and are skipped.
    """

    def __init__(self, model):
        columns = model.design_columns_.reset_index(drop=True)
        coef = np.asarray(model.glm_.coef, dtype=np.float64)
        self.model = model
        self.input_names = [m.name for m in model.motifs_]
        if model.feature_scaler_ is not None:
            self.input_names += list(model.feature_scaler_.feature_names_in_)
        self.terms = list(dict.fromkeys(columns["term"]))
        kind_of = dict(zip(columns["term"], columns["kind"], strict=True))
        self.kinds = pd.Series([kind_of[t] for t in self.terms], index=self.terms)
        term_at = {term: i for i, term in enumerate(self.terms)}
        input_at = {name: j for j, name in enumerate(self.input_names)}
        kind, response = columns["kind"].to_numpy(), columns["response"].to_numpy()
        term = columns["term"].to_numpy()
        self.groups = {"motif": [], "feature": []}
        for group_kind, groups in self.groups.items():
            for function in pd.unique(response[kind == group_kind]):
                rows = np.flatnonzero((kind == group_kind) & (response == function) & (coef != 0))
                inputs_at = np.array([input_at[t] for t in term[rows]], dtype=np.intp)
                terms_at = np.array([term_at[t] for t in term[rows]], dtype=np.intp)
                groups.append((function, inputs_at, terms_at, coef[rows]))
        rows = np.flatnonzero((kind == "interaction") & (coef != 0))
        self.interactions = (
            columns["column"].to_numpy()[rows].tolist(),
            np.array([term_at[t] for t in term[rows]], dtype=np.intp),
            coef[rows],
        )

    @staticmethod
    def _add(out: np.ndarray, inputs: np.ndarray, groups) -> None:
        for function, inputs_at, terms_at, coef in groups:
            values = inputs[:, inputs_at]
            if function != "linear":
                values = response_function(values, function)
            out[:, terms_at] += values * coef

    def __call__(self, inputs: np.ndarray, keys=None) -> np.ndarray:
        """Terms, shape (n_rows, n_terms), columns ``self.terms``.

        ``keys`` (int, one per row), when given, says which rows have equal covariates:
        covariate terms are then evaluated once per key.
        """
        out = np.zeros((len(inputs), len(self.terms)))
        self._add(out, inputs, self.groups["motif"])
        if keys is None:
            self._add(out, inputs, self.groups["feature"])
        elif self.groups["feature"]:
            _, first, where = np.unique(keys, return_index=True, return_inverse=True)
            part = np.zeros((len(first), len(self.terms)))
            self._add(part, inputs[first], self.groups["feature"])
            out += part[where.ravel()]
        names, terms_at, coef = self.interactions
        if names:
            frame = pd.DataFrame(inputs, columns=self.input_names)
            out[:, terms_at] += self.model.interactions_.transform(frame)[names].to_numpy() * coef
        return out

    def decomposition(self, inputs: np.ndarray, keys=None) -> Decomposition:
        """The :class:`~iqmodel.interpret.Decomposition` of model inputs (n_rows, n_inputs)."""
        terms = self(inputs, keys)
        intercept = float(self.model.glm_.intercept)
        logit = intercept + terms.sum(axis=1)
        return Decomposition(
            terms=pd.DataFrame(terms, columns=self.terms),
            kinds=self.kinds,
            intercept=intercept,
            logit=logit,
            prediction=self.model.logit_to_dap(logit),
            inputs=pd.DataFrame(inputs, columns=self.input_names),
        )


class _Prepared(NamedTuple):
    """Per model and sequence length: motif tables and the term evaluator."""

    owners: tuple  # the fitted objects this was built from (compared by identity)
    length: int  # sequence length, bp
    tables: list
    evaluator: _TermEvaluator


_PREPARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _prepared(model, length: int) -> _Prepared:
    """Cached :class:`_Prepared` of ``model``; rebuilt when the model was refitted."""
    owners = (model.glm_, model.motifs_, model.energy_normalizer_, model.design_columns_)
    hit = _PREPARED.get(model)
    same = hit is not None and all(a is b for a, b in zip(hit.owners, owners, strict=True))
    if same and hit.length == length:
        return hit
    prepared = _Prepared(
        owners, length, _motif_tables(model.motifs_, length), _TermEvaluator(model)
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


def _inputs(model, prepared, codes, positions, alt, features) -> np.ndarray:
    """Model inputs ([0, 10], ``model.transform`` columns) of the reference (row 0) and of
    every substitution (rows 1..), shape (1 + n_mutants, n_inputs)."""
    unique = np.unique(positions)
    reference, mutants = _energies(prepared.tables, codes, unique, model.energy_mode == "max")
    raw = np.vstack([reference, mutants[np.searchsorted(unique, positions), alt]])
    energies = model.energy_normalizer_.transform(raw)
    if model.feature_scaler_ is None:
        return energies
    composition = None
    if model.sequence_features:
        base_counts, pair_counts = _composition(codes)
        composition = np.vstack(
            [
                _composition_features(base_counts[None, :], pair_counts[None, :]),
                _mutant_composition(codes, positions, alt),
            ]
        )
    return np.hstack([energies, _covariates(model, composition, features, len(raw))])


def _covariate_keys(codes: np.ndarray, positions: np.ndarray, alt: np.ndarray) -> np.ndarray:
    """One int per row of :func:`_inputs` (reference first, key -1): the composition of a
    mutant depends only on its neighbours, reference and alternative base (N or no
    neighbour: 4), so equal keys mean equal covariates."""
    padded = np.r_[4, codes, 4]
    left, right = padded[positions], padded[positions + 2]
    keys = ((left * 5 + codes[positions]) * 5 + right) * 4 + alt
    return np.r_[-1, keys]


def _split(both: Decomposition) -> tuple[Decomposition, Decomposition]:
    """Row 0 and rows 1.. of a decomposition."""
    parts = []
    for rows in (slice(0, 1), slice(1, None)):
        parts.append(
            both._replace(
                terms=both.terms.iloc[rows].reset_index(drop=True),
                logit=both.logit[rows],
                prediction=both.prediction[rows],
                inputs=both.inputs.iloc[rows].reset_index(drop=True),
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
        "ref_base": np.array(list(BASES + "N"))[codes[positions]],
        "alt_base": np.array(list(BASES))[alt],
    }
    tables = {}
    for name, one in models.items():
        prepared = _prepared(one, len(codes))
        both = prepared.evaluator.decomposition(
            _inputs(one, prepared, codes, positions, alt, features)
        )
        ref, mutants = _split(both)
        tables[name] = effect_table(one, ref, mutants, decompose=decompose, leading=leading)
    return Mutagenesis(sequence=seq.upper(), table=stack_trajectories(tables))
