"""The stages of the IceQream regression (spec 7) as public functions with small result types.

Each stage takes arrays and parameters and returns a :class:`~typing.NamedTuple`; none keeps
state between calls, so :class:`~iqmodel.model.IQModel` (one trajectory) and the
multi-trajectory model call the same functions. In fit order:

1. :func:`screen_database`: normalised energies of every database motif, correlation screen;
2. :func:`select_motifs`: two-round lasso-logistic selection;
3. :func:`cluster_motifs`: complete-linkage clusters of the selected energies;
4. :func:`distill_clusters`: one motif per cluster (PREGO on the partial response);
5. :func:`name_distilled_motifs`: distilled motifs named after their best database match;
6. :func:`build_design` and :func:`fit_response_glm`: logistic response features, final GLM;
7. :func:`filter_motifs` (with :func:`drop_one_r2`): information content and added R^2;
8. :func:`iqmodel.interactions.select_interactions`: pairwise interactions.

A GLM column's identity (which motif, covariate or interaction it belongs to) is structural:
:class:`Design` carries a table of its columns, so motif names may contain any character.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import fcluster, linkage, to_tree

from iqmodel._parallel import dask_backend_active, map_tiles, thread_limit
from iqmodel.energy import EnergyNormalizer, compute_energies
from iqmodel.exceptions import check_memory
from iqmodel.features import RESPONSE_FUNCTIONS, LogisticBasis
from iqmodel.glm import DEFAULT_LAMBDA, GLMFit, cross_validate_lambda, fit_logistic_lasso
from iqmodel.interactions import InteractionSet
from iqmodel.metrics import column_correlations, correlation_matrix, is_constant, pearson_r2
from iqmodel.motifs import Motif, best_matches
from iqmodel.prego import fit_motif
from iqmodel.sampling import quantile_matched_sample, stage_seeds

__all__ = [
    "DESIGN_COLUMN_FIELDS",
    "SCREEN_CHUNK",
    "SELECTION_TOL",
    "DatabaseScreen",
    "Design",
    "Distillation",
    "FilterResult",
    "Naming",
    "ResponseFit",
    "ScreenResult",
    "Selection",
    "build_design",
    "cluster_coherent",
    "cluster_motifs",
    "database_energies",
    "distill_clusters",
    "drop_one_r2",
    "filter_motifs",
    "fit_response_glm",
    "mean_pairwise_correlation",
    "name_distilled_motifs",
    "screen_database",
    "screen_database_targets",
    "screen_energies",
    "screen_memory",
    "select_motifs",
    "selection_memory",
]

SELECTION_TOL = 1e-7
"""glmnet tolerance of the selection and drop-one fits (R's default)."""

DESIGN_COLUMN_FIELDS = ("column", "term", "kind", "response", "term1", "term2")
"""Fields of :attr:`Design.columns`."""

SCREEN_CHUNK = 256
"""Database motifs per chunk of the streaming screen (:func:`screen_database_targets`)."""

_DISTILLED = "iqmodel distilled"


def _progress(iterable, verbose: int, **kwargs):
    if verbose:
        from tqdm.auto import tqdm

        return tqdm(iterable, **kwargs)
    return iterable


# ----------------------------------------------------------------------------- screen


class ScreenResult(NamedTuple):
    """Database motifs that pass the correlation screen (spec 7.5).

    Parameters
    ----------
    candidates : ndarray of int64, shape (k,)
        Indices into the database.
    correlations : ndarray of float64, shape (n_database,)
        Pearson r of every database motif with dAP.
    energies : ndarray of float64, shape (n_seqs, k), or None
        Normalised energies of the candidates.
    threshold : float
        The ``|r|`` threshold used.

    Attributes
    ----------
    candidates : ndarray of int64, shape (k,)
        Indices into the database, ascending.
    correlations : ndarray of float64, shape (n_database,)
        Pearson r of every database motif's normalised energy with dAP (0 for a motif whose
        energy is constant, e.g. longer than the sequences).
    energies : ndarray of float64, shape (n_seqs, k)
        Normalised [0, 10] energies of the candidates.
    threshold : float
        The ``|r|`` threshold that let enough motifs through (``min_cor``, else
        ``min_cor / 2``); NaN when the top motifs by ``|r|`` were taken instead.

    See Also
    --------
    screen_database, screen_energies : Return it.

    Examples
    --------
    >>> import numpy as np
    >>> result = screen_energies(np.array([[0.0, 1.0], [5.0, 1.0], [10.0, 1.0]]), [0, 1, 3])
    >>> result.candidates.tolist(), result.energies.shape, result.threshold
    ([0, 1], (3, 2), nan)
    """

    candidates: np.ndarray
    correlations: np.ndarray
    energies: np.ndarray
    threshold: float


def screen_database(
    codes: np.ndarray,
    dap: np.ndarray,
    database: list[Motif],
    *,
    min_cor: float = 0.05,
    n_wanted: int = 30,
    n_jobs: int | None = None,
    progress: bool = False,
    chunk_size: int = SCREEN_CHUNK,
) -> ScreenResult:
    """Energies of every database motif, normalised on the peaks, screened by ``|r|`` with dAP.

    Motifs with ``|r| >= min_cor`` pass; when fewer than ``n_wanted`` do, the threshold is
    halved, and if still too few the ``n_wanted`` motifs with the largest ``|r|`` are taken.
    The database is streamed in chunks of ``chunk_size`` motifs
    (:func:`screen_database_targets`): only the candidates' energies are ever held whole.

    Parameters
    ----------
    codes : ndarray of int8, shape (n_seqs, length)
        Encoded sequences (:func:`iqmodel.seq.encode`).
    dap : ndarray of float64, shape (n_seqs,)
        Accessibility change of each sequence.
    database : list of Motif
        Motifs to screen.
    min_cor : float, default 0.05
        Least ``|r|`` of a motif's normalised energy with ``dap``.
    n_wanted : int, default 30
        Number of motifs the later stages need at least (the model's ``n_motifs``).
    n_jobs : int, optional
        Threads for the energy kernel; results do not depend on it.
    progress : bool, default False
        Progress bar over the database.
    chunk_size : int, default SCREEN_CHUNK
        Database motifs per chunk; results do not depend on it.

    Returns
    -------
    ScreenResult
        The candidates (at least ``min(n_wanted, n_database)``), the correlations of the
        whole database and the candidates' [0, 10] energies.

    Raises
    ------
    ValueError, TypeError
        For a ``chunk_size`` that is not a positive integer, or invalid sequences or motifs.

    Examples
    --------
    On sequences with CEBPB and CTCF sites planted, among 30 decoy motifs:

    >>> from iqmodel.datasets import make_planted_dataset
    >>> from iqmodel.io import load_motif_db
    >>> from iqmodel.seq import encode
    >>> data = make_planted_dataset(n_seqs=300, seq_length=100, n_motifs=2, random_state=0)
    >>> planted = [m.with_spatial(None, None) for m in data.truth.motifs]
    >>> database = load_motif_db("jaspar2024")[:30] + planted
    >>> screen = screen_database(encode(data.sequences), data.dap, database, min_cor=0.2,
    ...                          n_wanted=3)
    >>> [database[i].label for i in screen.candidates]
    ['MA0116.1 (Znf423)', 'MA0466.4 (CEBPB)', 'MA0139.2 (CTCF)']
    >>> screen.threshold, screen.energies.shape
    (0.2, (300, 3))

    With too few motifs above ``min_cor`` the threshold is halved:

    >>> strict = screen_database(encode(data.sequences), data.dap, database, min_cor=0.9,
    ...                          n_wanted=2)
    >>> [database[i].alt_name for i in strict.candidates], strict.threshold
    (['CEBPB', 'CTCF'], 0.45)
    """
    screen = screen_database_targets(
        codes,
        dap,
        database,
        min_cor=min_cor,
        n_wanted=n_wanted,
        n_jobs=n_jobs,
        progress=progress,
        chunk_size=chunk_size,
    )
    return screen.screens[0]._replace(energies=screen.energies)


def screen_memory(
    n_seqs: int, length: int, n_database: int, n_wanted: int, chunk_size: int = SCREEN_CHUNK
) -> int:
    """Bytes a fit needs at least for the database screen and the selection after it.

    The codes (``n_seqs * length``), one chunk of motifs with its temporaries (the raw and
    normalised energies and the copies the correlation makes, about ``64 * n_seqs * chunk``)
    and, at the least, ``n_wanted`` candidates held by the screen and copied twice by the
    selection (``24 * n_seqs * n_wanted``): a lower bound known from the shapes before any
    work (the number of candidates is known after the screen, see
    :func:`selection_memory`).

    Parameters
    ----------
    n_seqs, length : int
        Training sequences and their length in bp.
    n_database, n_wanted : int
        Database motifs and the model's ``n_motifs``.
    chunk_size : int, default SCREEN_CHUNK
        Database motifs per screening chunk.

    Returns
    -------
    int
        Bytes.

    Examples
    --------
    >>> round(screen_memory(80_000, 500, 21_862, 30) / 1e9, 2)  # GB
    1.41
    """
    chunk = min(chunk_size, n_database)
    return n_seqs * length + 64 * n_seqs * chunk + 24 * n_seqs * min(n_wanted, n_database)


def selection_memory(n_seqs: int, n_candidates: int) -> int:
    """Bytes the lasso selection allocates beyond the screened energies it is given: at most
    the round-2 design and glmnet's Fortran-ordered copy of it (or of one cross-validation
    fold, which is smaller), ``16 * n_seqs * n_candidates``.

    Examples
    --------
    >>> selection_memory(80_000, 3_000) / 1e9  # GB
    3.84
    """
    return 16 * n_seqs * n_candidates


class DatabaseScreen(NamedTuple):
    """The correlation screen of a motif database against one or more targets.

    Parameters
    ----------
    screens : list of ScreenResult
        One screen per target.
    columns : ndarray of int64, shape (k,)
        Database indices of the columns of ``energies``.
    energies : ndarray of float64, shape (n_seqs, k)
        Their normalised energies.

    Attributes
    ----------
    screens : list of ScreenResult, one per target
        Each target's screen, equal to :func:`screen_energies` on the whole database's
        energies, except that its ``energies`` is None: its candidates' energies are columns
        of ``energies`` below (:meth:`candidate_energies`).
    columns : ndarray of int64, shape (k,)
        Database indices of the columns of ``energies``, ascending: the union of the targets'
        candidates.
    energies : ndarray of float64, shape (n_seqs, k)
        Normalised [0, 10] energies of the motifs in ``columns``.

    See Also
    --------
    screen_database_targets : Returns it.

    Examples
    --------
    >>> import numpy as np
    >>> screen = DatabaseScreen(
    ...     screens=[ScreenResult(np.array([3]), np.zeros(5), None, 0.1),
    ...              ScreenResult(np.array([1, 3]), np.zeros(5), None, 0.1)],
    ...     columns=np.array([1, 3]),
    ...     energies=np.array([[0.0, 9.0], [1.0, 8.0]]),
    ... )
    >>> screen.positions([3]).tolist(), screen.candidate_energies(0).tolist()
    ([1], [[9.0], [8.0]])
    """

    screens: list[ScreenResult]
    columns: np.ndarray
    energies: np.ndarray

    def positions(self, database_indices) -> np.ndarray:
        """Columns of ``energies`` of the given database indices (each must be in ``columns``).

        Parameters
        ----------
        database_indices : array-like of int, shape (m,)
            Indices into the database, each one of ``columns``.

        Returns
        -------
        ndarray of int64, shape (m,)
            Column positions in ``energies`` (meaningless for an index not in ``columns``).
        """
        return np.searchsorted(self.columns, np.asarray(database_indices, dtype=np.int64))

    def candidate_energies(self, target: int) -> np.ndarray:
        """Energies of the candidates of target ``target``, shape (n_seqs, k_target).

        Parameters
        ----------
        target : int
            Index of the target (column of ``targets`` in :func:`screen_database_targets`).

        Returns
        -------
        ndarray of float64, shape (n_seqs, k_target)
            Normalised [0, 10] energies of ``screens[target].candidates``, in their order.
        """
        return self.energies[:, self.positions(self.screens[target].candidates)]


def _screen_rule(r: np.ndarray, wanted: int, min_cor: float) -> tuple[np.ndarray, float]:
    """Indices that pass the screen of the correlations ``r`` (shape (k,)), and the threshold:
    ``|r| >= min_cor`` when ``wanted`` pass, else ``min_cor / 2``, else the ``wanted`` largest
    ``|r|`` (ties to the lower index) with a NaN threshold."""
    for threshold in (min_cor, min_cor / 2):
        passed = np.flatnonzero(np.abs(r) >= threshold)
        if len(passed) >= wanted:
            return passed, float(threshold)
    return np.sort(np.argsort(-np.abs(r), kind="stable")[:wanted]), float("nan")


def screen_database_targets(
    codes: np.ndarray,
    targets: np.ndarray,
    database: list[Motif],
    *,
    min_cor: float = 0.05,
    n_wanted: int = 30,
    n_jobs: int | None = None,
    progress: bool = False,
    chunk_size: int = SCREEN_CHUNK,
) -> DatabaseScreen:
    """Screen a database against each target, streaming over chunks of motifs.

    Before the screen, and again before the candidates' energies are assembled, the memory
    that the screen and the lasso selection after it need (:func:`screen_memory`,
    :func:`selection_memory`) is checked against the machine's available memory.

    The energies of ``chunk_size`` database motifs at a time are computed, normalised and
    correlated with every target; only the columns that some target's screen could still need
    are kept. The screen rule only ever drops a motif for good (once ``n_wanted`` motifs pass
    a threshold, no weaker motif can come back), so the result equals
    :func:`screen_energies` on the energies of the whole database, while memory stays
    O(n_seqs x (candidates + chunk_size)) instead of O(n_seqs x n_database).

    Parameters
    ----------
    codes : ndarray of int8, shape (n_seqs, length)
        Encoded sequences.
    targets : ndarray of float64, shape (n_seqs,) or (n_seqs, n_targets)
        dAP of one or several trajectories.
    database : list of Motif
        Motifs to screen.
    min_cor : float, default 0.05
        As in :func:`screen_database`.
    n_wanted : int, default 30
        As in :func:`screen_database`.
    n_jobs : int, optional
        As in :func:`screen_database`.
    progress : bool, default False
        Progress bar over the motif chunks.
    chunk_size : int, default SCREEN_CHUNK
        Database motifs per chunk: one chunk and its temporaries take about
        ``64 * n_seqs * chunk_size`` bytes. Results do not depend on it.

    Returns
    -------
    DatabaseScreen
        One screen per target and the energies of the union of their candidates.

    Raises
    ------
    TypeError
        When ``chunk_size`` is not an integer.
    ValueError
        When ``chunk_size`` is below 1.
    InsufficientMemoryError
        When the screen or the selection after it would not fit in the available memory.

    Examples
    --------
    The streamed screen of two targets equals :func:`screen_energies` on all energies, for
    any chunk size:

    >>> import numpy as np
    >>> from iqmodel.datasets import make_planted_dataset
    >>> from iqmodel.io import load_motif_db
    >>> from iqmodel.seq import encode
    >>> data = make_planted_dataset(n_seqs=300, seq_length=100, n_motifs=2, random_state=0)
    >>> codes = encode(data.sequences)
    >>> database = load_motif_db("jaspar2024")[:30] + data.truth.motifs
    >>> targets = np.column_stack([data.dap, data.dap ** 2])
    >>> streamed = screen_database_targets(codes, targets, database, min_cor=0.2,
    ...                                    n_wanted=3, chunk_size=7)
    >>> whole = database_energies(codes, database)
    >>> all(
    ...     np.array_equal(streamed.screens[t].candidates,
    ...                    screen_energies(whole, targets[:, t], min_cor=0.2,
    ...                                    n_wanted=3).candidates)
    ...     for t in range(2)
    ... )
    True
    >>> bool(np.allclose(streamed.energies, whole[:, streamed.columns]))
    True
    """
    targets = np.asarray(targets, dtype=np.float64)
    targets = targets[:, None] if targets.ndim == 1 else targets
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)):
        raise TypeError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size}")
    n, length = codes.shape
    check_memory(
        screen_memory(n, length, len(database), n_wanted, chunk_size),
        f"the database screen of {n:,} peaks x {len(database):,} motifs",
        "fit on fewer peaks, or on a machine with more memory",
    )
    wanted = min(n_wanted, len(database))
    correlations = np.zeros((targets.shape[1], len(database)))
    pieces: list[tuple[np.ndarray, np.ndarray]] = []  # (database indices, their energies)
    starts = _progress(
        range(0, len(database), chunk_size), progress, desc="database screen", unit="chunk"
    )
    for start in starts:
        stop = min(start + chunk_size, len(database))
        block = database_energies(codes, database[start:stop], n_jobs=n_jobs)
        for t, target in enumerate(targets.T):
            correlations[t, start:stop] = column_correlations(block, target)
        pieces.append((np.arange(start, stop), block))
        needed = _needed_columns(correlations[:, :stop], wanted, min_cor)
        pieces = [
            piece if np.isin(piece[0], needed).all() else _keep_columns(piece, needed)
            for piece in pieces
        ]
        pieces = [piece for piece in pieces if len(piece[0])]
    screens = []
    for r in correlations:
        candidates, threshold = _screen_rule(r, wanted, min_cor)
        screens.append(ScreenResult(candidates, r, None, threshold))
    largest = max(len(screen.candidates) for screen in screens)
    check_memory(
        selection_memory(n, largest),
        f"the lasso selection on {largest:,} screened motifs x {n:,} peaks",
        f"raise min_cor (now {min_cor:g}) so that fewer motifs pass the screen, or fit on "
        "fewer peaks",
    )
    columns = _needed_columns(correlations, wanted, min_cor)
    energies = np.empty((len(codes), len(columns)))
    filled = 0
    while pieces:  # move the kept columns into one matrix, freeing each piece as it goes
        indices, block = _keep_columns(pieces.pop(0), columns)
        energies[:, filled : filled + len(indices)] = block
        filled += len(indices)
    return DatabaseScreen(screens, columns, energies)


def _needed_columns(correlations: np.ndarray, wanted: int, min_cor: float) -> np.ndarray:
    """Ascending union over the targets (rows of ``correlations``) of the screened columns."""
    passed = [_screen_rule(r, wanted, min_cor)[0] for r in correlations]
    return np.unique(np.concatenate(passed)).astype(np.int64)


def _keep_columns(piece: tuple[np.ndarray, np.ndarray], needed: np.ndarray):
    """The columns of a ``(database indices, energies)`` piece whose index is in ``needed``."""
    indices, block = piece
    keep = np.isin(indices, needed)
    return indices[keep], block[:, keep]


def database_energies(
    codes: np.ndarray, database: list[Motif], *, n_jobs: int | None = None, progress: bool = False
) -> np.ndarray:
    """Energies of every database motif normalised to [0, 10] on the sequences themselves.

    Parameters
    ----------
    codes : ndarray of int8, shape (n_seqs, length)
        Encoded sequences (strings work too).
    database : list of Motif
        The motifs.
    n_jobs : int, optional
        Threads for the energy kernel; results do not depend on it.
    progress : bool, default False
        Progress bar over motif chunks.

    Returns
    -------
    ndarray of float64, shape (n_seqs, n_database)
        :class:`~iqmodel.normalization.EnergyNormalizer` (fitted on these energies) of the
        raw energies: 10 on each motif's best sequence.

    Examples
    --------
    >>> from iqmodel.io import load_motif_db
    >>> from iqmodel.seq import encode
    >>> codes = encode(["ACGTACGTACGTAAAAAAAA", "CACGTGTTTTGGGGCCCCAA", "TTTTTTTTTTTTTTTTTTTT"])
    >>> energies = database_energies(codes, load_motif_db("jaspar2024")[:5])
    >>> energies.shape, energies.max(axis=0).tolist()
    ((3, 5), [10.0, 10.0, 10.0, 10.0, 10.0])
    """
    raw = compute_energies(codes, database, n_jobs=n_jobs, progress=progress)
    return EnergyNormalizer().fit(raw).transform(raw)


def screen_energies(
    energies: np.ndarray, dap: np.ndarray, *, min_cor: float = 0.05, n_wanted: int = 30
) -> ScreenResult:
    """The correlation screen of :func:`screen_database` on precomputed database energies.

    Parameters
    ----------
    energies : ndarray of float64, shape (n_seqs, n_database)
        From :func:`database_energies` (computed once for several targets).
    dap : ndarray of float64, shape (n_seqs,)
        Accessibility change of each sequence.
    min_cor : float, default 0.05
        As in :func:`screen_database`.
    n_wanted : int, default 30
        As in :func:`screen_database`.

    Returns
    -------
    ScreenResult
        The candidates, correlations, candidate energies and threshold.

    Examples
    --------
    Column 1 follows ``dap``, column 0 weakly, column 2 is constant:

    >>> import numpy as np
    >>> energies = np.array([[1.0, 0.0, 5.0], [0.0, 5.0, 5.0], [1.0, 9.0, 5.0], [0.0, 10.0, 5.0]])
    >>> screen = screen_energies(energies, np.array([0.0, 0.4, 0.8, 1.0]), min_cor=0.5,
    ...                          n_wanted=1)
    >>> screen.candidates.tolist(), screen.threshold, screen.correlations.round(2).tolist()
    ([1], 0.5, [-0.39, 0.99, 0.0])
    """
    r = column_correlations(energies, dap)
    candidates, threshold = _screen_rule(r, min(n_wanted, energies.shape[1]), min_cor)
    return ScreenResult(candidates, r, energies[:, candidates], threshold)


# ----------------------------------------------------------------------------- selection


def _penalty(glm_lambda) -> float:
    """The fixed penalty of fits that are not cross-validated."""
    return DEFAULT_LAMBDA if glm_lambda == "cv" else float(glm_lambda)


class Selection(NamedTuple):
    """Motifs kept by the two-round lasso selection (spec 7.6).

    Parameters
    ----------
    columns : ndarray of int64, shape (k_selected,)
        Indices into the screened energies.
    betas : ndarray of float64, shape (k_selected,)
        Their coefficients.
    penalty : float
        Lasso penalty of the second round.

    Attributes
    ----------
    columns : ndarray of int64, shape (k_selected,)
        Indices into the screened energies.
    betas : ndarray of float64, shape (k_selected,)
        Their coefficients in the second-round fit (the first-round ones when the second
        round zeroes every motif).
    penalty : float
        Lasso penalty of the second round.

    See Also
    --------
    select_motifs : Returns it.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.special import expit
    >>> energies = np.random.default_rng(0).uniform(0, 10, size=(200, 3))
    >>> selection = select_motifs(energies, expit(energies[:, 1] - 5), glm_lambda=1e-4)
    >>> 1 in selection.columns.tolist(), float(selection.penalty)
    (True, 0.0001)
    """

    columns: np.ndarray
    betas: np.ndarray
    penalty: float


def select_motifs(
    energies: np.ndarray,
    y01: np.ndarray,
    covariates: np.ndarray | None = None,
    *,
    selection_beta: float = 0.003,
    glm_lambda="cv",
    solver: str = "auto",
    random_state=None,
    keys: np.ndarray | None = None,
) -> Selection:
    """Two-round lasso-logistic selection of screened motifs (spec 7.6).

    Round 1 fits the energies alone with the reference penalty (1e-5, or ``glm_lambda``) and
    keeps ``|beta| >= selection_beta``; round 2 fits those with the covariates and keeps
    ``beta != 0``. With ``glm_lambda="cv"`` the round-2 penalty is cross-validated (3 folds):
    betas of a 1e-5 fit on a few thousand rows are mostly noise.

    Parameters
    ----------
    energies : ndarray of float64, shape (n_seqs, k)
        Normalised energies of the screened motifs.
    y01 : ndarray of float64, shape (n_seqs,)
        Target on [0, 1].
    covariates : ndarray of float64, shape (n_seqs, n_covariates), optional
        Scaled per-peak features, part of the round-2 design.
    selection_beta : float, default 0.003
        Least ``|beta|`` (per unit of the [0, 10] scale) in round 1.
    glm_lambda : float or "cv", default "cv"
        Penalty: ``"cv"`` uses 1e-5 in round 1 and cross-validates round 2; a number is
        used in both rounds.
    solver : {"auto", "glmnet", "glum"}, default "auto"
        GLM solver (:func:`iqmodel.glm.fit_logistic_lasso`).
    random_state : int, Generator or None
        Fold assignment of the cross-validation.
    keys : ndarray of int64, shape (n_seqs,), optional
        Canonical row order (:func:`iqmodel.sampling.order_keys`): folds follow rows, not
        positions, so the selection does not depend on the row order.

    Returns
    -------
    Selection
        The kept columns of ``energies`` and their betas. When round 1 keeps nothing, every
        column goes to round 2; when round 2 keeps nothing, the round-1 survivors are
        returned with their round-1 betas.

    Examples
    --------
    On planted CEBPB and CTCF sites, the planted motifs survive with the signs of their
    effects (+3 and -2.5):

    >>> import numpy as np
    >>> from iqmodel.datasets import make_planted_dataset
    >>> from iqmodel.io import load_motif_db
    >>> from iqmodel.seq import encode
    >>> data = make_planted_dataset(n_seqs=300, seq_length=100, n_motifs=2, random_state=0)
    >>> database = load_motif_db("jaspar2024")[:30] + data.truth.motifs
    >>> screen = screen_database(encode(data.sequences), data.dap, database, min_cor=0.2,
    ...                          n_wanted=3)
    >>> y01 = (data.dap - data.dap.min()) / np.ptp(data.dap)
    >>> selection = select_motifs(screen.energies, y01, random_state=0)
    >>> chosen = {database[screen.candidates[c]].alt_name: float(np.sign(beta))
    ...           for c, beta in zip(selection.columns, selection.betas)}
    >>> chosen["CEBPB"], chosen["CTCF"]
    (1.0, -1.0)
    """
    first = fit_logistic_lasso(
        energies, y01, lam=_penalty(glm_lambda), solver=solver, tol=SELECTION_TOL
    )
    kept = np.flatnonzero(np.abs(first.coef) >= selection_beta)
    if len(kept) == 0:
        kept = np.arange(energies.shape[1])
    design = energies[:, kept] if covariates is None else np.hstack([energies[:, kept], covariates])
    penalty = _penalty(glm_lambda)
    if glm_lambda == "cv":
        penalty = cross_validate_lambda(
            design, y01, n_lambdas=8, n_folds=3, random_state=random_state, solver=solver, keys=keys
        ).best
    second = fit_logistic_lasso(design, y01, lam=penalty, solver=solver, tol=SELECTION_TOL)
    if not second.coef[: len(kept)].any():  # the chosen penalty zeroed every motif
        penalty = DEFAULT_LAMBDA
        second = fit_logistic_lasso(design, y01, lam=penalty, solver=solver, tol=SELECTION_TOL)
    betas = second.coef[: len(kept)]
    chosen = np.flatnonzero(betas != 0)
    if len(chosen) == 0:
        return Selection(kept, first.coef[kept], penalty)
    return Selection(kept[chosen], betas[chosen], penalty)


# ----------------------------------------------------------------------------- clustering


def cluster_motifs(energies: np.ndarray, betas: np.ndarray, n_clusters: int) -> list[np.ndarray]:
    """Complete-linkage clusters of motif energies on ``1 - r`` (spec 7.7).

    Parameters
    ----------
    energies : ndarray of float64, shape (n_seqs, k)
        Normalised energies of the selected motifs.
    betas : ndarray of float64, shape (k,)
        Selection coefficients; clusters are ordered by their largest ``|beta|``.
    n_clusters : int
        At most this many clusters (``min(n_clusters, k)``).

    Returns
    -------
    list of ndarray of int64
        Column indices of each cluster (ascending), strongest cluster first.

    Examples
    --------
    Columns 0 and 1 are near copies; column 2 is independent:

    >>> import numpy as np
    >>> x, z = np.random.default_rng(0).normal(size=(2, 50))
    >>> energies = np.column_stack([x, x + 0.1 * z, z])
    >>> [c.tolist() for c in cluster_motifs(energies, np.array([0.1, 0.2, 0.5]), 2)]
    [[2], [0, 1]]
    """
    k = energies.shape[1]
    if k == 1:
        return [np.array([0])]
    correlation = correlation_matrix(energies)
    distance = np.clip(1 - correlation[np.triu_indices(k, k=1)], 0, 2)
    labels = fcluster(linkage(distance, "complete"), min(n_clusters, k), "maxclust")
    groups = [np.flatnonzero(labels == c) for c in np.unique(labels)]
    return sorted(groups, key=lambda g: -np.abs(betas[g]).max())


def mean_pairwise_correlation(correlation: np.ndarray, members) -> float:
    """Mean of the off-diagonal correlations among ``members`` (1 for a single member).

    Parameters
    ----------
    correlation : ndarray of float64, shape (k, k)
        A correlation matrix.
    members : sequence of int
        Row/column indices.

    Returns
    -------
    float
        Mean of ``correlation[i, j]`` over the pairs ``i < j`` of ``members``; 1.0 for
        fewer than two members.

    Examples
    --------
    >>> import numpy as np
    >>> correlation = np.array([[1.0, 0.8, 0.2], [0.8, 1.0, 0.4], [0.2, 0.4, 1.0]])
    >>> round(mean_pairwise_correlation(correlation, [0, 1, 2]), 6)
    0.466667
    >>> mean_pairwise_correlation(correlation, [2])
    1.0
    """
    members = np.asarray(members)
    if len(members) < 2:
        return 1.0
    block = correlation[np.ix_(members, members)]
    return float(block[np.triu_indices(len(members), k=1)].mean())


def cluster_coherent(
    profiles: np.ndarray, strength: np.ndarray, n_clusters: int, min_mean_cor: float
) -> list[np.ndarray]:
    """Clusters of columns whose members agree: complete linkage on ``1 - r``, cut into
    ``n_clusters``, each incoherent cluster split along its subtree (spec 8.2 steps 6-8).

    The distance is one minus the *signed* Pearson r, so anti-correlated columns are far
    apart. A cluster whose mean pairwise r is below ``min_mean_cor`` is replaced by its two
    subtrees, recursively, until every part is coherent or a single column. (The R reference
    explodes such a cluster into singletons, losing the coherent groups inside it.) The result
    may therefore have more than ``n_clusters`` clusters.

    Parameters
    ----------
    profiles : ndarray of float64, shape (n_rows, k)
        One column per item (e.g. a motif's energies, or a cluster's partial response).
    strength : ndarray of float64, shape (k,)
        Orders clusters (by their largest ``|strength|``) and members within a cluster
        (descending ``|strength|``).
    n_clusters : int
        Clusters of the first cut (``min(n_clusters, k)``).
    min_mean_cor : float
        Least mean pairwise r of a cluster's members.

    Returns
    -------
    list of ndarray of int64
        Column indices of each cluster, strongest member first; strongest cluster first.

    Examples
    --------
    Columns 2 and 3 are anti-correlated: cut into 2 clusters they share one with column 0,
    which is incoherent and split (:func:`cluster_motifs` would keep it):

    >>> import numpy as np
    >>> x, y = np.random.default_rng(0).normal(size=(2, 50))
    >>> profiles = np.column_stack([x, x, y, -y])
    >>> strength = np.array([0.1, 0.5, 0.3, 0.2])
    >>> [c.tolist() for c in cluster_coherent(profiles, strength, 2, min_mean_cor=0.5)]
    [[1, 0], [2], [3]]
    """
    k = profiles.shape[1]
    order = np.argsort(-np.abs(strength), kind="stable")
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    if k == 1:
        return [np.array([0])]
    correlation = correlation_matrix(profiles)
    distance = np.clip(1 - correlation[np.triu_indices(k, k=1)], 0, 2)
    tree = linkage(distance, "complete")
    labels = fcluster(tree, min(n_clusters, k), "maxclust")
    groups, stack = [], [to_tree(tree)]
    while stack:
        node = stack.pop()
        leaves = node.pre_order()
        cut = len(np.unique(labels[leaves])) > 1
        if not node.is_leaf() and (
            cut or mean_pairwise_correlation(correlation, leaves) < min_mean_cor
        ):
            stack += [node.get_right(), node.get_left()]
            continue
        groups.append(np.array(sorted(leaves, key=lambda i: rank[i]), dtype=np.int64))
    return sorted(groups, key=lambda g: rank[g[0]])


# ----------------------------------------------------------------------------- distillation


class Distillation(NamedTuple):
    """One motif per cluster.

    Parameters
    ----------
    motifs : list of Motif
        One motif per cluster.
    members : DataFrame
        The cluster members.

    Attributes
    ----------
    motifs : list of Motif
        In cluster order. A distilled motif is named after its cluster's strongest member
        (its seed) until :func:`name_distilled_motifs` renames it.
    members : DataFrame
        One row per selected database motif: ``cluster`` (index into ``motifs``), ``motif``
        (the cluster's seed name), ``member`` and ``beta``.

    See Also
    --------
    distill_clusters : Returns it.

    Examples
    --------
    >>> import pandas as pd
    >>> from iqmodel.motifs import Motif
    >>> result = Distillation(
    ...     [Motif("GATA", [[0, 0, 1, 0], [1, 0, 0, 0]])],
    ...     pd.DataFrame({"cluster": [0], "motif": ["GATA"], "member": ["GATA"], "beta": [0.2]}),
    ... )
    >>> result.motifs[0].name, result.members["member"].tolist()
    ('GATA', ['GATA'])
    """

    motifs: list
    members: pd.DataFrame


def distill_clusters(
    codes: np.ndarray,
    motifs: list[Motif],
    energies: np.ndarray,
    betas: np.ndarray,
    clusters: list[np.ndarray],
    *,
    trajectories: np.ndarray | None = None,
    learn_rows: np.ndarray | None = None,
    distill: bool = True,
    motif_length: int = 15,
    n_bins: int | None = None,
    bin_size: int | None = None,
    kmer_sequence_length: int | None = 300,
    random_state=None,
    n_jobs: int | None = None,
    verbose: int = 0,
) -> Distillation:
    """PREGO on each cluster's partial response ``energies[:, c] @ betas[c]`` (spec 7.7, 8.2).

    A singleton (one distinct motif) keeps its database PWM and learns only a spatial profile;
    a larger cluster learns a ``motif_length`` PWM de novo. ``distill=False`` keeps each
    cluster's strongest member unchanged (the "database motifs" ablation), as does a cluster
    whose partial response is constant. With ``trajectories`` the response is a matrix with
    one column per trajectory among the cluster's members (that trajectory's partial
    response), and PREGO maximises the sum of the per-column r^2.

    Parameters
    ----------
    codes : ndarray of int8, shape (n_seqs, length)
        Encoded sequences.
    motifs : list of Motif, length k
        The selected database motifs, one per column of ``energies``.
    energies : ndarray of float64, shape (n_seqs, k)
        Their normalised [0, 10] energies.
    betas : ndarray of float64, shape (k,)
        Their selection coefficients.
    clusters : list of ndarray of int64
        From :func:`cluster_motifs`.
    trajectories : ndarray, shape (k,), optional
        The trajectory each column belongs to (default: one trajectory).
    learn_rows : ndarray of int64, optional
        The rows PREGO learns on (default all).
    distill : bool, default True
        As in :class:`~iqmodel.model.IQModel`.
    motif_length : int, default 15
        Length (bp) of de-novo motifs.
    n_bins, bin_size : int, optional
        Spatial bins (:func:`iqmodel.prego.calculate_bins`).
    kmer_sequence_length : int or None, default 300
        Central part of each sequence (bp) of PREGO's k-mer screen.
    random_state : int, Generator or None
        Seeds PREGO.
    n_jobs : int, optional
        Threads for the kernels; results do not depend on it.
    verbose : int, default 0
        Progress bar over the clusters when positive.

    Returns
    -------
    Distillation
        One motif per cluster (named after its seed, ``source`` ``"iqmodel distilled"``
        for a de-novo motif) and the member table.

    Examples
    --------
    The cluster of a single database motif keeps its PWM (probabilities floored at 1e-3)
    and learns a spatial profile:

    >>> import numpy as np
    >>> from iqmodel.datasets import make_planted_dataset
    >>> from iqmodel.seq import encode
    >>> data = make_planted_dataset(n_seqs=300, seq_length=100, n_motifs=1, random_state=0)
    >>> cebpb = data.truth.motifs[0].with_spatial(None, None)
    >>> energies = data.truth.energies
    >>> result = distill_clusters(encode(data.sequences), [cebpb], energies, np.array([0.3]),
    ...                           [np.array([0])], random_state=0)
    >>> learned = result.motifs[0]
    >>> learned.name, bool(np.allclose(learned.pwm, cebpb.pwm, atol=0.01)), learned.n_bins
    ('MA0466.4', True, 3)
    """
    options = dict(
        motif_length=motif_length,
        n_bins=n_bins,
        bin_size=bin_size,
        multi_kmers=False,
        kmer_sequence_length=kmer_sequence_length,
    )
    seeds = stage_seeds(random_state, len(clusters))
    labels = np.zeros(len(betas)) if trajectories is None else np.asarray(trajectories)
    learn_on = codes if learn_rows is None else codes[learn_rows]
    out = []
    rows = []
    learned_clusters, tasks = [], []  # the clusters PREGO learns, and their PREGO tasks
    for index, group in enumerate(clusters):
        representative = motifs[group[np.argmax(np.abs(betas[group]))]]
        rows += [
            {
                "cluster": index,
                "motif": representative.name,
                "member": motifs[i].name,
                "beta": float(betas[i]),
            }
            for i in group
        ]
        out.append(representative)
        response = np.column_stack(
            [
                energies[:, group[labels[group] == t]] @ betas[group[labels[group] == t]]
                for t in dict.fromkeys(labels[group])
            ]
        )
        response = response[:, ~is_constant(response)]
        if not distill or response.shape[1] == 0:
            continue
        partial = response[:, 0] if response.shape[1] == 1 else response
        if learn_rows is not None:
            partial = partial[learn_rows]
        single = len({motifs[i].name for i in group}) == 1
        learned_clusters.append(index)
        tasks.append((partial, representative if single else None, seeds[index]))
    learned = _learn_cluster_motifs(learn_on, tasks, options, n_jobs, verbose)
    for index, task, motif in zip(learned_clusters, tasks, learned, strict=True):
        representative, single = out[index], task[1] is not None
        out[index] = Motif(
            representative.name,
            motif.pwm,
            spatial=motif.spatial,
            bin_size=motif.bin_size,
            source=representative.source if single else _DISTILLED,
            alt_name=representative.alt_name,
        )
    return Distillation(out, pd.DataFrame(rows, columns=["cluster", "motif", "member", "beta"]))


def _learn_cluster_motifs(codes, tasks, options, n_jobs, verbose) -> list[Motif]:
    """:func:`_learn_cluster_motif` of every task: one Dask task each under joblib's Dask
    backend (``codes`` is sent to the cluster once), else one after another here."""
    if tasks and dask_backend_active():
        if verbose:
            print(f"distilling {len(tasks)} clusters on the Dask cluster", flush=True)
        return map_tiles(_learn_cluster_motif, [(*task, options) for task in tasks], (codes,))
    with thread_limit(n_jobs):
        return [
            _learn_cluster_motif(codes, *task, options)
            for task in _progress(tasks, verbose, desc="distilling motifs", unit="cluster")
        ]


def _learn_cluster_motif(codes, response, seed_motif, seed, options) -> Motif:
    """PREGO for one cluster (spec 7.7): the spatial profile of ``seed_motif`` (a singleton
    cluster's database motif) or a de-novo motif, with the numba threads in effect."""
    import numba

    options = {**options, "random_state": seed, "n_jobs": numba.get_num_threads()}
    if seed_motif is None:
        return fit_motif(codes, response, **options).motif
    del options["motif_length"]  # the database motif keeps its own length
    return fit_motif(codes, response, seed=seed_motif, optimize_pwm=False, **options).motif


# ----------------------------------------------------------------------------- naming


class Naming(NamedTuple):
    """Names of the model's motifs (spec 7.15.5).

    Parameters
    ----------
    motifs : list of Motif
        The named motifs.
    table : DataFrame
        How each got its name.

    Attributes
    ----------
    motifs : list of Motif
        The motifs with their final names.
    table : DataFrame
        One row per motif: ``motif`` (final name), ``seed`` (the strongest database member of
        its cluster), ``match`` (best database match, or empty), ``similarity`` (Pearson r of
        the aligned PWMs; NaN when not compared) and ``named_by``: ``"database"`` (a
        database motif kept as is), ``"match"`` (renamed after its match) or ``"neutral"``
        (a weak match: ``motif_<i>``).

    See Also
    --------
    name_distilled_motifs : Returns it.

    Examples
    --------
    >>> from iqmodel.motifs import Motif
    >>> naming = name_distilled_motifs([Motif("A", [[1, 0, 0, 0]])], [], reserved=["A"])
    >>> [m.name for m in naming.motifs], naming.table["named_by"].tolist()
    (['A.2'], ['database'])
    """

    motifs: list
    table: pd.DataFrame


def _unique(name: str, taken: set) -> str:
    """``name``, or ``name.2``, ``name.3``, ... when taken (R's suffixes)."""
    candidate, k = name, 1
    while candidate in taken:
        k += 1
        candidate = f"{name}.{k}"
    return candidate


def name_distilled_motifs(
    motifs: list[Motif],
    database: list[Motif],
    *,
    min_similarity: float = 0.7,
    rename: bool = True,
    reserved=(),
) -> Naming:
    """Name de-novo motifs after their best database match, others keep their names.

    A motif learned de novo (``source == "iqmodel distilled"``) carries its seed's name but a
    new PWM. With ``rename`` it takes the name of its most similar ``database`` motif (both
    orientations, any offset) when the similarity reaches ``min_similarity``, else the
    neutral ``motif_<i>`` (``i`` its position); the seed is kept in the table. Repeated names
    get the suffixes ``.2``, ``.3``, and no motif takes a name in ``reserved`` (covariate
    names), so every model term has a unique name.

    Parameters
    ----------
    motifs : list of Motif
        The distilled motifs, in model order.
    database : list of Motif
        Motifs to match against (the model uses the screened candidates: a de-novo motif
        explains a response those motifs correlate with).
    min_similarity : float, default 0.7
        Vignette matches of the reference range from 0.55 to 0.93; below 0.7 a match rarely
        shares the core of the motif.
    rename : bool, default True
        False keeps every name (the seed's), made unique.
    reserved : iterable of str
        Names no motif may take.

    Returns
    -------
    Naming
        The motifs with their final names (PWMs and profiles unchanged) and the naming
        table.

    Examples
    --------
    A de-novo motif close to a database motif takes its name; one that matches nothing well
    gets a neutral name:

    >>> from iqmodel.motifs import Motif
    >>> gata = Motif("MA_GATA", [[0, 0, 1, 0], [1, 0, 0, 0], [0, 0, 0, 1], [1, 0, 0, 0]],
    ...              alt_name="GATA")
    >>> learned = Motif("seed1", [[0.1, 0.1, 0.7, 0.1], [0.7, 0.1, 0.1, 0.1],
    ...                           [0.1, 0.1, 0.1, 0.7], [0.7, 0.1, 0.1, 0.1]],
    ...                 source="iqmodel distilled")
    >>> odd = Motif("seed2", [[0.4, 0.3, 0.2, 0.1]] * 4, source="iqmodel distilled")
    >>> naming = name_distilled_motifs([learned, odd], [gata])
    >>> [m.label for m in naming.motifs], naming.table["named_by"].tolist()
    (['MA_GATA (GATA)', 'motif_2'], ['match', 'neutral'])
    """
    taken = set(reserved)
    matches = None
    learned = [i for i, m in enumerate(motifs) if m.source == _DISTILLED]
    if rename and learned and database:
        matches = best_matches([motifs[i] for i in learned], database).set_index(pd.Index(learned))
    named, rows = [], []
    for i, motif in enumerate(motifs):
        row = {"seed": motif.name, "match": "", "similarity": np.nan, "named_by": "database"}
        name, alt_name = motif.name, motif.alt_name
        if i in learned:
            row["named_by"] = "seed"
            if matches is not None:
                best = matches.loc[i]
                row["match"], row["similarity"] = best["match"], float(best["similarity"])
                strong = best["similarity"] >= min_similarity
                name = best["match"] if strong else f"motif_{i + 1}"
                alt_name = best["match_alt_name"] if strong else ""
                row["named_by"] = "match" if strong else "neutral"
        name = _unique(name, taken)
        taken.add(name)
        if (name, alt_name) != (motif.name, motif.alt_name):
            motif = Motif(
                name,
                motif.pwm,
                spatial=motif.spatial,
                bin_size=motif.bin_size,
                source=motif.source,
                alt_name=alt_name,
            )
        named.append(motif)
        rows.append({"motif": name, **row})
    return Naming(named, pd.DataFrame(rows))


# ----------------------------------------------------------------------------- design


class Design(NamedTuple):
    """The GLM design and the identity of its columns.

    Parameters
    ----------
    matrix : DataFrame of float64, shape (n_seqs, n_columns)
        GLM inputs.
    columns : DataFrame, shape (n_columns, 6)
        Identity of each column.

    Attributes
    ----------
    matrix : DataFrame of float64, shape (n_seqs, n_columns)
        GLM inputs: four logistic response features per model input (or the input itself
        without response bases), then one column per interaction.
    columns : DataFrame, shape (n_columns, 6)
        One row per column of ``matrix`` with :data:`DESIGN_COLUMN_FIELDS`: ``column`` (its
        name), ``term`` (the motif, covariate or interaction it belongs to), ``kind``
        (``"motif"``, ``"feature"`` or ``"interaction"``), ``response`` (response function
        or ``"linear"``), and for interactions ``term1`` and ``term2`` (else empty).

    See Also
    --------
    build_design : Returns it.

    Examples
    --------
    >>> import pandas as pd
    >>> design = build_design(pd.DataFrame({"A": [0.0, 10.0], "gc": [1.0, 2.0]}), ["A"])
    >>> design.matrix.shape, design.columns["kind"].tolist()[::4]
    ((2, 8), ['motif', 'feature'])
    """

    matrix: pd.DataFrame
    columns: pd.DataFrame

    def terms_of_column(self) -> list[set]:
        """The motifs and covariates each column depends on (two for an interaction).

        Returns
        -------
        list of set of str, length n_columns
            ``{term}`` for a motif or covariate column, ``{term1, term2}`` for an
            interaction.
        """
        return [
            {row.term1, row.term2} if row.kind == "interaction" else {row.term}
            for row in self.columns.itertuples()
        ]


def build_design(
    inputs: pd.DataFrame,
    motif_names,
    *,
    response_bases: bool = True,
    interactions: InteractionSet | None = None,
) -> Design:
    """GLM design of model inputs on the [0, 10] scale.

    Parameters
    ----------
    inputs : DataFrame, shape (n_seqs, n_inputs)
        Normalised motif energies and scaled covariates, unique column names.
    motif_names : iterable of str
        The columns of ``inputs`` that are motifs; the others are covariates.
    response_bases : bool, default True
        Four logistic response features per input; False: the inputs themselves.
    interactions : InteractionSet, optional
        Appended as one linear column each.

    Returns
    -------
    Design
        The GLM matrix (``n_seqs`` rows, ``4 * n_inputs`` or ``n_inputs`` columns plus one
        per interaction) and its column table.

    Raises
    ------
    ValueError
        When input names repeat, or two GLM column names collide.

    Examples
    --------
    >>> import pandas as pd
    >>> inputs = pd.DataFrame({"A": [0.0, 5.0, 10.0], "gc": [1.0, 2.0, 3.0]})
    >>> design = build_design(inputs, ["A"])
    >>> design.matrix.columns.tolist()[:4]
    ['A_low-energy', 'A_sigmoid', 'A_high-energy', 'A_higher-energy']
    >>> design.columns.loc[4, ["term", "kind", "response"]].tolist()
    ['gc', 'feature', 'low-energy']

    Without response bases, with an interaction:

    >>> from iqmodel.interactions import InteractionSet
    >>> pairs = InteractionSet(pd.DataFrame({
    ...     "name": ["A:gc"], "term1": ["A"], "term2": ["gc"],
    ...     "inter_max": [30.0], "norm_min": [0.0], "norm_max": [1.0],
    ... }))
    >>> linear = build_design(inputs, ["A"], response_bases=False, interactions=pairs)
    >>> linear.matrix.columns.tolist(), linear.matrix["A:gc"].round(3).tolist()
    (['A', 'gc', 'A:gc'], [0.0, 0.333, 1.0])
    >>> [sorted(terms) for terms in linear.terms_of_column()]
    [['A'], ['gc'], ['A', 'gc']]
    """
    motif_names = set(motif_names)
    names = [str(c) for c in inputs.columns]
    if len(set(names)) != len(names):
        repeated = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"model inputs must have unique names; repeated: {repeated}")
    rows = []
    if response_bases:
        matrix = LogisticBasis().fit_transform(inputs)
        responses = RESPONSE_FUNCTIONS
    else:
        matrix = inputs.copy()
        responses = ("linear",)
    for name in names:
        kind = "motif" if name in motif_names else "feature"
        rows += [
            (column, name, kind, response, "", "")
            for column, response in zip(
                [f"{name}_{r}" for r in responses] if response_bases else [name],
                responses,
                strict=True,
            )
        ]
    if interactions is not None and len(interactions):
        matrix = pd.concat([matrix, interactions.transform(inputs)], axis=1)
        rows += [
            (pair.name, pair.name, "interaction", "linear", pair.term1, pair.term2)
            for pair in interactions.pairs.itertuples()
        ]
    columns = pd.DataFrame(rows, columns=list(DESIGN_COLUMN_FIELDS))
    if columns["column"].duplicated().any():
        repeated = columns.loc[columns["column"].duplicated(), "column"].tolist()
        raise ValueError(
            f"GLM column names collide: {repeated}; rename the motifs or covariates so that "
            "no name is another's name plus a response suffix"
        )
    return Design(matrix, columns)


# ----------------------------------------------------------------------------- response GLM


class ResponseFit(NamedTuple):
    """The response GLM (spec 7.8).

    Parameters
    ----------
    glm : GLMFit
        The fitted GLM.
    lambda_path : DataFrame or None
        The cross-validation table.

    Attributes
    ----------
    glm : GLMFit
        The fitted GLM.
    lambda_path : DataFrame or None
        The cross-validation table (``glm_lambda="cv"``), else None.

    See Also
    --------
    fit_response_glm : Returns it.

    Examples
    --------
    >>> import pandas as pd
    >>> from scipy.special import expit
    >>> energies = pd.DataFrame({"A": [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]})
    >>> fit = fit_response_glm(build_design(energies, ["A"]), expit(energies["A"] - 5),
    ...                        glm_lambda=1e-4)
    >>> fit.glm.coef.shape, fit.lambda_path is None
    ((4,), True)
    """

    glm: GLMFit
    lambda_path: pd.DataFrame | None


def fit_response_glm(
    design: Design,
    y01: np.ndarray,
    *,
    glm_lambda="cv",
    solver: str = "auto",
    random_state=None,
    keys: np.ndarray | None = None,
) -> ResponseFit:
    """Lasso-logistic GLM of ``y01`` on the design; ``"cv"`` chooses the penalty (5 folds).

    Parameters
    ----------
    design : Design
        The GLM design (:func:`build_design`).
    y01 : ndarray of float64, shape (n_seqs,)
        Target on [0, 1].
    glm_lambda : float or "cv", default "cv"
        Lasso penalty, or ``"cv"`` for 5-fold cross-validation.
    solver : {"auto", "glmnet", "glum"}, default "auto"
        GLM solver.
    random_state : int, Generator or None
        Fold assignment.
    keys : ndarray of int64, shape (n_seqs,), optional
        Canonical row order for the folds (see :func:`select_motifs`).

    Returns
    -------
    ResponseFit
        The GLM (one coefficient per design column) and the cross-validation table.

    Examples
    --------
    A target driven by motif A alone is fitted almost exactly:

    >>> import numpy as np
    >>> import pandas as pd
    >>> from scipy.special import expit
    >>> energies = pd.DataFrame(np.random.default_rng(0).uniform(0, 10, (200, 3)),
    ...                         columns=["A", "B", "C"])
    >>> fit = fit_response_glm(build_design(energies, ["A", "B", "C"]),
    ...                        expit(energies["A"].to_numpy() - 5), random_state=0)
    >>> fit.glm.coef.shape, fit.lambda_path.shape, fit.glm.deviance_ratio > 0.99
    ((12,), (12, 3), True)
    """
    matrix = design.matrix.to_numpy()
    path = None
    penalty = _penalty(glm_lambda)
    if glm_lambda == "cv":
        cv = cross_validate_lambda(matrix, y01, random_state=random_state, solver=solver, keys=keys)
        path, penalty = cv.table, cv.best
    return ResponseFit(fit_logistic_lasso(matrix, y01, lam=penalty, solver=solver), path)


# ----------------------------------------------------------------------------- filter


def drop_one_r2(
    design: Design,
    y01: np.ndarray,
    dap: np.ndarray,
    terms,
    *,
    penalty: float,
    solver: str = "auto",
    fit_rows: np.ndarray | None = None,
    _cache: dict | None = None,
) -> pd.DataFrame:
    """Added R^2 of each term: squared Pearson r of a refitted model with and without it.

    The one definition used by the model filter and :func:`iqmodel.interpret.drop_one_r2`:
    the GLM is refitted on ``fit_rows`` (default all rows) without the columns that depend on
    the term (its response features and its interactions), and scored on all rows as the
    squared Pearson r of the GLM mean with ``dap``. A model left with fewer than 2 columns
    scores 0 (spec 7.11).

    Parameters
    ----------
    design : Design
        The GLM design.
    y01 : ndarray of float64, shape (n_seqs,)
        Target on [0, 1] the refits are fitted to.
    dap : ndarray of float64, shape (n_seqs,)
        Target on its own scale the refits are scored against.
    terms : iterable of str or of frozenset
        Motifs (or covariates) to drop one at a time; a frozenset drops several together.
    penalty : float
        Lasso penalty of the refits.
    solver : {"auto", "glmnet", "glum"}, default "auto"
        GLM solver.
    fit_rows : ndarray of int64, optional
        Rows the refits are fitted on.

    Returns
    -------
    DataFrame, shape (n_terms, 4)
        Columns ``term``, ``r2_full``, ``r2_without``, ``delta_r2`` (squared Pearson r, in
        [0, 1], and their difference), in the order of ``terms``.

    Examples
    --------
    Only motif A drives the target, so only dropping A costs R^2:

    >>> import numpy as np
    >>> import pandas as pd
    >>> from scipy.special import expit
    >>> energies = pd.DataFrame(np.random.default_rng(0).uniform(0, 10, (200, 3)),
    ...                         columns=["A", "B", "C"])
    >>> y01 = expit(energies["A"].to_numpy() - 5)
    >>> table = drop_one_r2(build_design(energies, ["A", "B", "C"]), y01, 2 * y01 - 1,
    ...                     ["A", "B", "C"], penalty=1e-3)
    >>> table["term"].tolist(), (table["delta_r2"] > 0.5).tolist()
    (['A', 'B', 'C'], [True, False, False])
    """
    cache = {} if _cache is None else _cache
    depends = design.terms_of_column()
    matrix = design.matrix.to_numpy()
    rows = slice(None) if fit_rows is None else fit_rows

    def r2_without(dropped: frozenset) -> float:
        if dropped not in cache:
            keep = [j for j, needs in enumerate(depends) if not needs & dropped]
            cache[dropped] = 0.0
            if len(keep) >= 2:
                sub = matrix[:, keep]
                fit = fit_logistic_lasso(
                    sub[rows], y01[rows], lam=penalty, solver=solver, tol=SELECTION_TOL
                )
                cache[dropped] = pearson_r2(dap, fit.predict(sub))
        return cache[dropped]

    full = r2_without(frozenset())
    out = []
    for term in terms:
        dropped = term if isinstance(term, frozenset) else frozenset([term])
        without = r2_without(dropped)
        out.append(
            {"term": term, "r2_full": full, "r2_without": without, "delta_r2": full - without}
        )
    return pd.DataFrame(out, columns=["term", "r2_full", "r2_without", "delta_r2"])


class FilterResult(NamedTuple):
    """Motifs kept by the filter (spec 7.11).

    Parameters
    ----------
    kept : list of str
        Names of the kept motifs.
    report : DataFrame
        The per-motif report.

    Attributes
    ----------
    kept : list of str
        Names of the motifs that stay, in model order.
    report : DataFrame
        One row per motif: ``motif``, ``bits`` (information content), ``added_r2`` and
        ``removed`` (``""``, ``"bits"`` or ``"r2"``).

    See Also
    --------
    filter_motifs : Returns it.

    Examples
    --------
    >>> import pandas as pd
    >>> report = pd.DataFrame({"motif": ["A", "B"], "bits": [8.0, 1.0],
    ...                        "added_r2": [0.3, 0.0], "removed": ["", "bits"]})
    >>> FilterResult(["A"], report).kept
    ['A']
    """

    kept: list
    report: pd.DataFrame


def filter_motifs(
    design: Design,
    y01: np.ndarray,
    dap: np.ndarray,
    motifs: list[Motif],
    *,
    bits_threshold: float = 1.75,
    r2_threshold: float = 5e-4,
    sample_frac: float = 0.1,
    penalty: float = DEFAULT_LAMBDA,
    solver: str = "auto",
    random_state=None,
    keys: np.ndarray | None = None,
) -> FilterResult:
    """Remove motifs by information content and added R^2 (spec 7.11).

    The drop-one models (:func:`drop_one_r2`) are fitted on a quantile-matched sample of
    ``sample_frac`` of the rows (at least 5 rows per GLM column) and scored on all rows.
    Motifs below ``bits_threshold`` go; of the motifs adding less than ``r2_threshold``, the
    weakest goes unconditionally and each next one when removing it too costs less than
    ``r2_threshold``. The last motif always stays.

    Parameters
    ----------
    design : Design
        The GLM design of the motifs (and covariates).
    y01 : ndarray of float64, shape (n_seqs,)
        Target on [0, 1].
    dap : ndarray of float64, shape (n_seqs,)
        Target on its own scale (the sample is matched on its quantiles).
    motifs : list of Motif
        The motifs of the design.
    bits_threshold : float, default 1.75
        Least information content (bits) of a kept motif.
    r2_threshold : float, default 5e-4
        Least added R^2 of a kept motif.
    sample_frac : float, default 0.1
        Fraction of the rows the drop-one models are fitted on.
    penalty : float, default 1e-5
        Lasso penalty of the drop-one refits.
    solver : {"auto", "glmnet", "glum"}, default "auto"
        GLM solver.
    random_state : int, Generator or None
        The sample.
    keys : ndarray of int64, optional
        Canonical row order: the sample follows rows, not positions.

    Returns
    -------
    FilterResult
        The kept motif names (at least one) and the report.

    Examples
    --------
    Motif B is uninformative (0 bits), motif C adds nothing to the fit:

    >>> import numpy as np
    >>> import pandas as pd
    >>> from scipy.special import expit
    >>> from iqmodel.motifs import Motif
    >>> energies = pd.DataFrame(np.random.default_rng(0).uniform(0, 10, (200, 3)),
    ...                         columns=["A", "B", "C"])
    >>> y01 = expit(energies["A"].to_numpy() - 5)
    >>> sharp = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
    >>> motifs = [Motif("A", sharp), Motif("B", [[0.25] * 4] * 4), Motif("C", sharp)]
    >>> result = filter_motifs(build_design(energies, ["A", "B", "C"]), y01, 2 * y01 - 1,
    ...                        motifs, penalty=1e-3, random_state=0)
    >>> result.kept, result.report["removed"].tolist()
    (['A'], ['', 'bits', 'r2'])
    """
    names = [m.name for m in motifs]
    report = pd.DataFrame(
        {"motif": names, "bits": [m.bits() for m in motifs], "added_r2": np.nan, "removed": ""}
    )
    if len(names) < 2:
        return FilterResult(names, report)
    size = max(sample_frac, min(1.0, 5 * design.matrix.shape[1] / len(dap)))
    sample = quantile_matched_sample(dap, size, np.random.default_rng(random_state), keys=keys)
    cache: dict = {}
    options = dict(penalty=penalty, solver=solver, fit_rows=sample, _cache=cache)

    def r2_without(dropped: set) -> float:
        table = drop_one_r2(design, y01, dap, [frozenset(dropped)], **options)
        return float(table["r2_without"].iloc[0])

    report["added_r2"] = drop_one_r2(design, y01, dap, names, **options)["delta_r2"].to_numpy()
    removed = set(report.loc[report["bits"] < bits_threshold, "motif"])
    report.loc[report["motif"].isin(removed), "removed"] = "bits"
    weak = report[(report["added_r2"] < r2_threshold) & (report["removed"] == "")]
    for position, name in enumerate(weak.sort_values("added_r2", kind="stable")["motif"]):
        if len(removed) + 1 >= len(names):
            break
        # the weakest goes unconditionally; each next one if removing it costs < threshold
        if position == 0 or r2_without(removed) - r2_without(removed | {name}) < r2_threshold:
            removed.add(name)
            report.loc[report["motif"] == name, "removed"] = "r2"
    if len(removed) >= len(names):  # never remove every motif
        removed.discard(names[0])
        report.loc[report["motif"] == names[0], "removed"] = ""
    return FilterResult([n for n in names if n not in removed], report)
