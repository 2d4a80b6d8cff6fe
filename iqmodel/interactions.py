"""Pairwise interactions between motifs and additional features (spec 7.12, 10.5).

An interaction ``"a:b"`` is the product ``E_a * E_b`` of two inputs on the [0, 10] scale,
normalised to [0, 1] with constants fitted once on the training rows. Candidates are chosen
as in IceQream's ``iq_regression``: a linear lasso-logistic fit of the target on the raw
inputs marks the significant ones ("anchors"); each anchor is paired with its partners, and
when there are too many pairs the ones most correlated with the target are kept.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from iqmodel._validation import check_matrix, check_unique, format_names
from iqmodel.additional_features import DINUCLEOTIDE_FEATURES
from iqmodel.glm import DEFAULT_LAMBDA, fit_logistic_lasso
from iqmodel.metrics import CONSTANT_TOLERANCE, column_correlations
from iqmodel.motifs import _check_real

__all__ = ["PAIR_COLUMNS", "InteractionSet", "select_interactions"]

PAIR_COLUMNS = ("name", "term1", "term2", "inter_max", "norm_min", "norm_max")
"""Columns of :attr:`InteractionSet.pairs`: three strings, then three float constants."""

_TEXT_COLUMNS = PAIR_COLUMNS[:3]
_CONSTANT_COLUMNS = PAIR_COLUMNS[3:]
_PER_INPUT = 10
"""Default cap: this many interactions per motif or non-ignored additional feature."""


@dataclass(frozen=True, eq=False)
class InteractionSet:
    """Fitted interactions ``"term1:term2"`` and their normalisation constants.

    The value of an interaction on a row is ``v = clip(E_term1 * E_term2 / inter_max,
    norm_min, norm_max)`` mapped to ``(v - norm_min) / (norm_max - norm_min)`` in [0, 1]
    (0 when ``norm_max == norm_min``), as ``IQInteraction`` (spec 10.5) with ``scale = 1``.

    ``len(interactions)`` is the number of interactions.

    Parameters
    ----------
    pairs : DataFrame, shape (n_interactions, 6)
        The interaction table (see Attributes); validated and copied with a RangeIndex.

    Attributes
    ----------
    pairs : DataFrame, shape (n_interactions, 6)
        One row per interaction with the columns of :data:`PAIR_COLUMNS`: ``name``
        (``"term1:term2"``, unique), ``term1`` and ``term2`` (input column names; the
        authoritative terms, since names may themselves contain ``":"``), ``inter_max``
        (> 0, the training maximum of the product, or 1 when it is not positive) and
        ``norm_min <= norm_max`` (training range of ``product / inter_max``).

    Raises
    ------
    ValueError
        When ``pairs`` lacks a column of :data:`PAIR_COLUMNS`, repeats a name, or has
        constants that are not finite, ``inter_max <= 0`` or ``norm_min > norm_max``.
    TypeError
        When ``pairs`` is not a DataFrame or holds non-string names or terms.

    See Also
    --------
    select_interactions : Chooses the pairs and fits the constants.

    Examples
    --------
    ``A * B / 100`` clipped to [0, 0.5] and stretched to [0, 1]:

    >>> import pandas as pd
    >>> interactions = InteractionSet(pd.DataFrame({
    ...     "name": ["A:B"], "term1": ["A"], "term2": ["B"],
    ...     "inter_max": [100.0], "norm_min": [0.0], "norm_max": [0.5],
    ... }))
    >>> energies = pd.DataFrame({"A": [10.0, 5.0, 2.0], "B": [10.0, 5.0, 5.0]})
    >>> interactions.transform(energies)["A:B"].tolist()
    [1.0, 0.5, 0.2]
    >>> copy = InteractionSet.from_dict(interactions.to_dict())
    >>> len(copy), copy.pairs.equals(interactions.pairs)
    (1, True)
    """

    pairs: pd.DataFrame

    def __post_init__(self) -> None:
        object.__setattr__(self, "pairs", _checked_pairs(self.pairs))

    def __len__(self) -> int:
        return len(self.pairs)

    def transform(self, energies: pd.DataFrame) -> pd.DataFrame:
        """Compute the normalised interactions of new rows.

        Parameters
        ----------
        energies : DataFrame, shape (n_samples, n_inputs)
            Inputs on the [0, 10] scale, with (at least) a column for every term; other
            columns are ignored.

        Returns
        -------
        DataFrame of float64, shape (n_samples, n_interactions)
            Columns ``pairs["name"]``, index of ``energies``; values in [0, 1], each row
            computed from that row alone.

        Raises
        ------
        TypeError
            When ``energies`` is not a DataFrame.
        ValueError
            When a term column is missing or not finite.
        """
        values = _term_values(energies, self.pairs)
        products = values[0] * values[1]
        constants = [self.pairs[column].to_numpy() for column in _CONSTANT_COLUMNS]
        normalised = _normalise(products, *constants)
        return pd.DataFrame(normalised, index=energies.index, columns=self.pairs["name"].tolist())

    def to_dict(self) -> dict[str, list]:
        """The interactions as plain JSON-ready lists, one per column of :attr:`pairs`.

        Returns
        -------
        dict of str to list
            Keys :data:`PAIR_COLUMNS`; strings and Python floats (exact through ``json``).
        """
        return {column: self.pairs[column].tolist() for column in PAIR_COLUMNS}

    @classmethod
    def from_dict(cls, data: dict) -> InteractionSet:
        """Rebuild an :class:`InteractionSet` from :meth:`to_dict` output.

        Parameters
        ----------
        data : dict
            Keys :data:`PAIR_COLUMNS`, each a list with one entry per interaction.

        Returns
        -------
        InteractionSet
            Equal in content to the set that produced ``data``.

        Raises
        ------
        TypeError
            When ``data`` is not a dict.
        ValueError
            When a key is missing or the lists differ in length.
        """
        if not isinstance(data, dict):
            raise TypeError(f"data must be a dict from to_dict(), got {type(data).__name__}")
        missing = [column for column in PAIR_COLUMNS if column not in data]
        if missing:
            raise ValueError(
                f"data lacks the key(s) {format_names(missing)}; an InteractionSet dict has "
                f"the keys {format_names(PAIR_COLUMNS)}"
            )
        lengths = {column: len(data[column]) for column in PAIR_COLUMNS}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"the lists in data must have one length, got lengths {lengths}")
        return cls(pd.DataFrame({column: data[column] for column in PAIR_COLUMNS}))


def select_interactions(
    energies: pd.DataFrame,
    y01,
    *,
    motif_names: Iterable[str],
    threshold: float = 0.01,
    only_significant_partners: bool = True,
    max_interactions: int | None = None,
    ignore: Iterable[str] = DINUCLEOTIDE_FEATURES,
    lam: float = DEFAULT_LAMBDA,
) -> InteractionSet:
    """Choose pairwise interactions and fit their normalisation (spec 7.12.1).

    1. With fewer than 2 usable inputs (motifs and additional features not in ``ignore``)
       there are no interactions.
    2. A lasso-logistic GLM of ``y01`` on all columns of ``energies`` (raw values, ``lam``);
       an input is significant when ``|coef| > threshold``. Ignored columns take part in this
       fit but are never anchors or partners.
    3. Anchors are the significant usable inputs, in column order.
    4. A motif anchor pairs with every other significant motif (every other usable motif when
       ``only_significant_partners`` is False); an additional-feature anchor pairs with every
       usable motif and every other usable additional feature. Each unordered pair is made
       once, named ``"anchor:partner"`` after its first anchor.
    5. Each product ``E_a * E_b`` is divided by its maximum on these rows (``inter_max``,
       1 unless positive), and min-max scaled to [0, 1] with the range of these rows; a
       range that is only rounding residue (at most ``CONSTANT_TOLERANCE`` times the
       magnitude) counts as 0, so that interaction is 0 on every row.
    6. If there are more than ``max_interactions`` pairs, those with the largest
       ``|corr(column, y01)|`` are kept, in construction order; a column or target that is
       constant up to rounding (:func:`iqmodel.metrics.is_constant`) counts as 0.

    Parameters
    ----------
    energies : DataFrame, shape (n_samples, n_inputs)
        Training rows: motif energies and additional features, nominally on [0, 10]; finite,
        with unique column names.
    y01 : array-like of float, shape (n_samples,)
        Target rescaled to [0, 1].
    motif_names : iterable of str
        The columns of ``energies`` that are motifs; the others are additional features.
    threshold : float, default 0.01
        Minimum ``|coef|`` (per unit of the [0, 10] scale) for an input to be an anchor.
        ``iq_regression`` uses 0.01 (``add_interactions`` alone defaults to 0.001).
    only_significant_partners : bool, default True
        Pair motif anchors only with significant motifs (``iq_regression``'s
        ``only_sig_motifs = TRUE``); False pairs them with all usable motifs.
    max_interactions : int, optional
        Upper bound on the number of interactions; default ``10 * n_usable``, ten per usable
        input.
    ignore : iterable of str, default :data:`DINUCLEOTIDE_FEATURES`
        Columns that are never anchors or partners (absent names are fine).
    lam : float, default 1e-5
        Lasso penalty of the selection fit (spec 5).

    Returns
    -------
    InteractionSet
        Possibly empty; ``transform(energies)`` gives the normalised columns of these rows.

    Raises
    ------
    TypeError
        When ``energies`` is not a DataFrame, or ``motif_names`` / ``ignore`` is a single
        string.
    ValueError
        For a ``y01`` outside [0, 1] or of the wrong length, motif names that are not
        columns, or an invalid ``threshold`` / ``max_interactions``.

    Examples
    --------
    A target driven by motifs A and B (not C) gives the one interaction ``A:B``:

    >>> import numpy as np
    >>> import pandas as pd
    >>> from scipy.special import expit
    >>> rng = np.random.default_rng(0)
    >>> energies = pd.DataFrame(rng.uniform(0, 10, size=(200, 3)), columns=["A", "B", "C"])
    >>> y01 = expit(0.4 * energies["A"] + 0.3 * energies["B"] - 2)
    >>> interactions = select_interactions(energies, y01, motif_names=["A", "B", "C"])
    >>> interactions.pairs["name"].tolist()
    ['A:B']
    >>> values = interactions.transform(energies)["A:B"]
    >>> float(values.min()), float(values.max())
    (0.0, 1.0)
    """
    values, names = check_matrix(energies, "energies")
    if names is None:
        raise TypeError(
            f"energies must be a DataFrame with named columns, got {type(energies).__name__}"
        )
    target = _checked_target(y01, len(values))
    motifs = _checked_motif_names(motif_names, names)
    threshold = _check_real(threshold, "threshold", 0.0, np.inf)
    ignored = set(_name_list(ignore, "ignore"))
    usable_motifs = [name for name in names if name in motifs and name not in ignored]
    usable_features = [name for name in names if name not in motifs and name not in ignored]
    cap = _checked_cap(max_interactions, len(usable_motifs) + len(usable_features))
    if len(usable_motifs) + len(usable_features) < 2:
        return _empty()

    coef = fit_logistic_lasso(values, target, lam=lam).coef
    significant = set(names[np.abs(coef) > threshold])
    motif_partners = usable_motifs
    if only_significant_partners:
        motif_partners = [name for name in usable_motifs if name in significant]
    pairs = _candidate_pairs(
        [name for name in usable_motifs if name in significant],
        [name for name in usable_features if name in significant],
        motif_partners,
        usable_motifs + usable_features,
    )
    if not pairs:
        return _empty()
    return _fitted_set(values, names, pairs, target, cap)


def _candidate_pairs(
    motif_anchors: list[str],
    feature_anchors: list[str],
    motif_partners: list[str],
    feature_partners: list[str],
) -> list[tuple[str, str]]:
    """Unordered (anchor, partner) pairs, each once, in construction order (steps 3-4)."""
    pairs = []
    seen = set()
    blocks = [(motif_anchors, motif_partners), (feature_anchors, feature_partners)]
    for anchors, partners in blocks:
        for anchor in anchors:
            for partner in partners:
                key = frozenset((anchor, partner))
                if partner != anchor and key not in seen:
                    seen.add(key)
                    pairs.append((anchor, partner))
    return pairs


def _fitted_set(
    values: np.ndarray,
    names: np.ndarray,
    pairs: list[tuple[str, str]],
    target: np.ndarray,
    cap: int,
) -> InteractionSet:
    """Normalisation constants of the pairs on these rows, capped by |corr| (steps 5-6).

    Parameters
    ----------
    values : ndarray of float64, shape (n_samples, n_inputs)
    names : ndarray of str, shape (n_inputs,)
        Column names of ``values``.
    pairs : list of (str, str)
        (term1, term2) of each candidate.
    target : ndarray of float64, shape (n_samples,)
    cap : int
        Maximum number of interactions kept.
    """
    term1 = [anchor for anchor, _ in pairs]
    term2 = [partner for _, partner in pairs]
    position = pd.Index(names)
    products = values[:, position.get_indexer(term1)] * values[:, position.get_indexer(term2)]
    top = products.max(axis=0)
    inter_max = np.where(top > 0, top, 1.0)
    scaled = products / inter_max
    norm_min, norm_max = scaled.min(axis=0), scaled.max(axis=0)
    # a product that is constant up to rounding gets range 0 (value 0), so the min-max scaling
    # never stretches rounding residue to [0, 1] and lends it a correlation with the target
    spread = CONSTANT_TOLERANCE * np.maximum(np.abs(norm_min), np.abs(norm_max))
    norm_max = np.where(norm_max - norm_min <= spread, norm_min, norm_max)
    keep = np.arange(len(pairs))
    if len(pairs) > cap:
        strength = np.abs(
            column_correlations(_normalise(products, inter_max, norm_min, norm_max), target)
        )
        keep = np.sort(np.argsort(-strength, kind="stable")[:cap])
    return InteractionSet(
        _pairs_frame(
            [f"{term1[i]}:{term2[i]}" for i in keep],
            [term1[i] for i in keep],
            [term2[i] for i in keep],
            inter_max[keep],
            norm_min[keep],
            norm_max[keep],
        )
    )


def _normalise(
    products: np.ndarray, inter_max: np.ndarray, norm_min: np.ndarray, norm_max: np.ndarray
) -> np.ndarray:
    """``(clip(products / inter_max, norm_min, norm_max) - norm_min) / (norm_max - norm_min)``.

    Parameters
    ----------
    products : ndarray of float64, shape (n_samples, n_interactions)
    inter_max, norm_min, norm_max : ndarray of float64, shape (n_interactions,)

    Returns
    -------
    ndarray of float64, shape (n_samples, n_interactions)
        Values in [0, 1]; 0 in columns with ``norm_max == norm_min``.
    """
    shifted = np.clip(products / inter_max, norm_min, norm_max) - norm_min
    normalised = np.zeros_like(shifted)
    span = norm_max - norm_min
    np.divide(shifted, span, out=normalised, where=span > 0)  # exactly 1 at norm_max
    return normalised


def _term_values(energies, pairs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Finite values of the term1 and term2 columns, each shape (n_samples, n_pairs)."""
    if not isinstance(energies, pd.DataFrame):
        raise TypeError(
            f"energies must be a DataFrame with named columns, got {type(energies).__name__}"
        )
    needed = list(dict.fromkeys([*pairs["term1"], *pairs["term2"]]))
    columns = pd.Index([str(column) for column in energies.columns])
    check_unique(columns, "the column names of energies")
    missing = pd.Index(needed).difference(columns, sort=False)
    if len(missing):
        raise ValueError(
            f"energies lacks the interaction term column(s) {format_names(missing)}; pass "
            "the motif energies and additional features the interactions were fitted on"
        )
    values, names = check_matrix(energies.iloc[:, columns.get_indexer(needed)], "energies")
    position = pd.Index(names)
    return (
        values[:, position.get_indexer(pairs["term1"])],
        values[:, position.get_indexer(pairs["term2"])],
    )


def _checked_target(y01, n_samples: int) -> np.ndarray:
    target = np.asarray(y01, dtype=np.float64)
    if target.shape != (n_samples,):
        raise ValueError(
            f"y01 must have shape ({n_samples},), one value per row of energies; got shape "
            f"{target.shape}"
        )
    outside = np.flatnonzero(~((target >= 0) & (target <= 1)))
    if len(outside):
        i = outside[0]
        raise ValueError(
            f"y01 must be a finite fraction in [0, 1], but y01[{i}] = {target[i]}; rescale "
            "the target to [0, 1] first"
        )
    return target


def _name_list(names, what: str) -> list[str]:
    """An iterable of column names as a list of str; a single string is an error."""
    if isinstance(names, str):
        raise TypeError(f"{what} must be a list of column names, got the single string {names!r}")
    return [str(name) for name in names]


def _checked_motif_names(motif_names, columns: np.ndarray) -> set[str]:
    motifs = _name_list(motif_names, "motif_names")
    check_unique(motifs, "motif_names")
    missing = pd.Index(motifs).difference(columns, sort=False)
    if len(missing):
        raise ValueError(
            f"motif_names has name(s) that are not columns of energies: "
            f"{format_names(missing)}; pass the motif energies as columns of energies"
        )
    return set(motifs)


def _checked_cap(max_interactions, n_usable: int) -> int:
    if max_interactions is None:
        return _PER_INPUT * n_usable
    if (
        isinstance(max_interactions, bool)
        or not isinstance(max_interactions, numbers.Integral)
        or max_interactions < 1
    ):
        raise ValueError(
            f"max_interactions must be a positive integer or None, got {max_interactions!r}"
        )
    return int(max_interactions)


def _pairs_frame(name, term1, term2, inter_max, norm_min, norm_max) -> pd.DataFrame:
    """The pairs table with its column types: three str columns, three float64 columns."""
    text = {"name": name, "term1": term1, "term2": term2}
    constants = {"inter_max": inter_max, "norm_min": norm_min, "norm_max": norm_max}
    return pd.DataFrame(
        {column: np.asarray(values, dtype=object) for column, values in text.items()}
        | {column: np.asarray(values, dtype=np.float64) for column, values in constants.items()}
    )


def _empty() -> InteractionSet:
    return InteractionSet(_pairs_frame([], [], [], [], [], []))


def _checked_pairs(pairs) -> pd.DataFrame:
    """Validate an interaction table; return a fresh copy with a RangeIndex."""
    if not isinstance(pairs, pd.DataFrame):
        raise TypeError(f"pairs must be a DataFrame, got {type(pairs).__name__}")
    if list(pairs.columns) != list(PAIR_COLUMNS):
        raise ValueError(
            f"pairs must have exactly the columns {format_names(PAIR_COLUMNS)}, got "
            f"{format_names(pairs.columns)}"
        )
    for column in _TEXT_COLUMNS:
        not_text = [value for value in pairs[column] if not isinstance(value, str)]
        if not_text:
            raise TypeError(f"pairs[{column!r}] must hold strings, got {not_text[0]!r}")
    check_unique(pairs["name"], "interaction names")
    try:
        constants = pairs[list(_CONSTANT_COLUMNS)].to_numpy(dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"the constants of pairs must be numbers: {error}") from error
    inter_max, norm_min, norm_max = constants.T
    bad = ~np.isfinite(constants).all(axis=1) | (inter_max <= 0) | (norm_min > norm_max)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"interaction {pairs['name'].iloc[row]!r} has invalid constants inter_max="
            f"{inter_max[row]}, norm_min={norm_min[row]}, norm_max={norm_max[row]}; they "
            "must be finite with inter_max > 0 and norm_min <= norm_max"
        )
    return _pairs_frame(*(pairs[column].tolist() for column in _TEXT_COLUMNS), *constants.T)
