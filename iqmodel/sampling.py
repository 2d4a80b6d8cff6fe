"""Row sampling shared by PREGO and the model filter (spec 6.9), and a canonical row order.

The random draws of a fit (cross-validation folds, the filter's and PREGO's samples) would
otherwise follow the positions of the rows, so the same peaks in another order would give
another model. :func:`order_keys` ranks the rows in an order defined by their content; a draw
made in that order (``keys=`` of :func:`quantile_matched_sample` and of
:func:`iqmodel.glm.cross_validate_lambda`) picks the same rows whatever order they come in.
"""

from __future__ import annotations

import numpy as np

from iqmodel.seq import encode

__all__ = ["canonical_order", "order_keys", "quantile_matched_sample", "stage_seeds"]


def order_keys(codes, values=None) -> np.ndarray:
    """Rank of each row in a canonical order defined by its content.

    Rows are sorted lexicographically by their sequence codes (position 0 first), then by
    ``values`` (column 0 first). The result depends only on the multiset of rows: the same rows
    in another order get the same ranks, moved with their rows.

    Parameters
    ----------
    codes : ndarray of int8, shape (n_rows, length), or list of str
        Equal-length sequences, encoded (:func:`iqmodel.seq.encode`) or as strings.
    values : array-like of float, shape (n_rows,) or (n_rows, n_columns), optional
        Per-row values (e.g. the target) that order rows with the same sequence.

    Returns
    -------
    ndarray of int64, shape (n_rows,)
        A permutation of ``0 .. n_rows - 1``: ``keys[i]`` is the canonical rank of row ``i``.

    Notes
    -----
    Rows equal in sequence and values tie; the tie is broken by their original position (the
    sort is stable), which is the only dependence on the input order that remains. Such rows
    are interchangeable, so a draw made with these keys still selects the same content (the same
    multiset of rows), only possibly at the positions of their duplicates. NaN values sort after
    every number; ``-0.0`` and ``0.0`` tie.

    Examples
    --------
    >>> order_keys(["CA", "AC", "AA"]).tolist()
    [2, 1, 0]
    >>> order_keys(["AC", "AC", "AA"], values=[0.5, 0.2, 0.9]).tolist()
    [2, 1, 0]
    """
    codes = encode(codes)
    n_rows = codes.shape[0]
    columns = []
    if values is not None:
        matrix = np.asarray(values, dtype=np.float64)
        if matrix.ndim == 1:
            matrix = matrix[:, None]
        if matrix.ndim != 2 or matrix.shape[0] != n_rows:
            raise ValueError(
                f"values must have one value (or row of values) per sequence, shape "
                f"({n_rows},) or ({n_rows}, k); got shape {np.shape(values)}"
            )
        columns.extend(matrix.T[::-1])
    # np.lexsort sorts by its last key first: sequence position 0 is the primary key
    columns.extend(codes.T[::-1])
    if not columns:  # zero-length sequences and no values: every row ties
        order = np.arange(n_rows)
    else:
        order = np.lexsort(columns)
    keys = np.empty(n_rows, dtype=np.int64)
    keys[order] = np.arange(n_rows, dtype=np.int64)
    return keys


def canonical_order(keys, n_rows: int) -> np.ndarray:
    """Positions of the rows sorted by ``keys``: ``order[r]`` is the row of canonical rank ``r``.

    Parameters
    ----------
    keys : array-like of int, shape (n_rows,)
        Distinct integers, e.g. :func:`order_keys` of the rows or of a superset of them.
    n_rows : int
        Expected number of rows.

    Returns
    -------
    ndarray of int64, shape (n_rows,)
        Row positions, sorted by their key (the inverse permutation of ranks ``keys``).

    Raises
    ------
    ValueError
        When ``keys`` has the wrong shape or repeats a value (ties would be broken by
        position, the order dependence the keys are there to remove).
    TypeError
        When ``keys`` is not integer.

    Examples
    --------
    >>> keys = order_keys(["CA", "AC", "AA"])
    >>> canonical_order(keys, 3).tolist()
    [2, 1, 0]
    """
    array = np.asarray(keys)
    if array.shape != (n_rows,):
        raise ValueError(
            f"keys must have one value per row, shape ({n_rows},), got shape {array.shape}; "
            "use iqmodel.sampling.order_keys"
        )
    if n_rows and array.dtype.kind not in "iu":
        raise TypeError(f"keys must be integers (from order_keys), got dtype {array.dtype}")
    order = np.argsort(array, kind="stable")
    repeated = np.flatnonzero(array[order][1:] == array[order][:-1])
    if len(repeated):
        first, second = sorted(order[repeated[0] : repeated[0] + 2])
        raise ValueError(
            f"keys must be distinct, but keys[{first}] = keys[{second}] = {array[first]}; "
            "use iqmodel.sampling.order_keys"
        )
    return order.astype(np.int64)


def quantile_matched_sample(
    reference: np.ndarray,
    fraction: float,
    rng: np.random.Generator,
    *,
    n_quantiles: int = 10,
    keys=None,
) -> np.ndarray:
    """Indices of about ``fraction`` of the rows, drawn evenly across quantile bins of a reference.

    Spec 6.9 (``sample_quantile_matched_rows``): ``size = floor(n * fraction)``,
    ``q = min(size, n_quantiles)`` bins cut at the reference's quantiles (duplicate breaks
    merged), and from every bin ``min(smallest bin count, floor(size / q))`` rows drawn without
    replacement.

    Parameters
    ----------
    reference : ndarray of float, shape (n,)
        Values whose distribution the sample should follow (e.g. the response).
    fraction : float in (0, 1]
        Share of the rows to draw (at most; bins with few rows cap every bin).
    rng : numpy.random.Generator
        Source of the draws.
    n_quantiles : int, default 10
        Largest number of quantile bins.
    keys : array-like of int, shape (n,), optional
        Distinct canonical ranks of the rows (:func:`order_keys`). When given, the draw is made
        with the rows sorted by ``keys`` and mapped back, so for a given ``rng`` state the same
        rows are returned (at their new indices) for any permutation of the input rows that
        moves ``keys`` with them. Default: the draw follows the row positions.

    Returns
    -------
    ndarray of int64, shape (n_sampled,)
        Sorted row indices, ``n_sampled <= floor(n * fraction)``.

    Raises
    ------
    ValueError
        When ``floor(n * fraction)`` is 0, or ``keys`` are invalid.

    Examples
    --------
    20 % of 100 evenly spread values: 2 from each decile.

    >>> import numpy as np
    >>> rows = quantile_matched_sample(np.arange(100.0), 0.2, np.random.default_rng(0))
    >>> len(rows), np.bincount(rows // 10).tolist()
    (20, [2, 2, 2, 2, 2, 2, 2, 2, 2, 2])

    With ``keys`` the same rows are drawn whatever order they come in:

    >>> seqs = ["AAC", "GTA", "CCA", "TTT", "ACG", "GGG"]
    >>> y = np.array([0.1, 0.5, 0.2, 0.9, 0.4, 0.7])
    >>> draw = quantile_matched_sample(y, 0.5, np.random.default_rng(1), keys=order_keys(seqs))
    >>> shuffled = [5, 3, 1, 0, 2, 4]
    >>> again = quantile_matched_sample(
    ...     y[shuffled], 0.5, np.random.default_rng(1),
    ...     keys=order_keys([seqs[i] for i in shuffled]),
    ... )
    >>> sorted(seqs[i] for i in draw) == sorted(seqs[shuffled[i]] for i in again)
    True
    """
    reference = np.asarray(reference, dtype=float)
    if keys is not None:
        order = canonical_order(keys, len(reference))
        chosen = quantile_matched_sample(reference[order], fraction, rng, n_quantiles=n_quantiles)
        return np.sort(order[chosen])
    size = int(np.floor(len(reference) * fraction))
    if size < 1:
        raise ValueError(
            f"a {fraction:g} sample of {len(reference)} rows is empty; use a larger fraction"
        )
    n_bins = min(size, n_quantiles)
    breaks = np.unique(np.quantile(reference, np.linspace(0, 1, n_bins + 1)))
    labels = np.clip(np.searchsorted(breaks, reference, side="right") - 1, 0, len(breaks) - 2)
    if len(breaks) < 2:  # constant reference: one bin
        labels = np.zeros(len(reference), dtype=np.int64)
    groups = [np.flatnonzero(labels == b) for b in np.unique(labels)]
    per_bin = min(min(len(g) for g in groups), max(size // len(groups), 1))
    chosen = [rng.choice(g, per_bin, replace=False) for g in groups]
    return np.sort(np.concatenate(chosen)).astype(np.int64)


def stage_seeds(random_state, n: int) -> list[np.random.SeedSequence]:
    """Independent seeds for ``n`` random stages, so no stage shifts another's stream.

    Parameters
    ----------
    random_state : int, Generator, RandomState or None
        An int gives the same seeds every time; a generator is drawn from once; None gives
        fresh entropy.
    n : int
        Number of stages.

    Returns
    -------
    list of numpy.random.SeedSequence, length n
        Independent child seeds, e.g. for :func:`numpy.random.default_rng`.

    Examples
    --------
    >>> import numpy as np
    >>> first, second = stage_seeds(0, 2), stage_seeds(0, 2)
    >>> len(first)
    2
    >>> draw = lambda seed: int(np.random.default_rng(seed).integers(10**6))
    >>> draw(first[1]) == draw(second[1]), draw(first[0]) == draw(first[1])
    (True, False)
    """
    if isinstance(random_state, np.random.Generator):
        random_state = int(random_state.integers(2**63))
    elif isinstance(random_state, np.random.RandomState):
        random_state = int(random_state.randint(2**31))
    return np.random.SeedSequence(random_state).spawn(n)
