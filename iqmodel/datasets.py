"""Example data sets: real data bundled with the package, and a planted known-answer data set."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from functools import lru_cache, partial
from importlib.resources import files
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.metrics import r2_score

from iqmodel.energy import compute_energies
from iqmodel.features import RESPONSE_FUNCTIONS, LogisticBasis, response_function
from iqmodel.io import load_motif_db
from iqmodel.motifs import Motif, _check_positive_int, _check_real, spatial_frame_start
from iqmodel.normalization import EnergyNormalizer
from iqmodel.seq import decode, reverse_complement

__all__ = [
    "DEFAULT_PLANTED_MOTIFS",
    "MouseATACExample",
    "PlantedDataset",
    "PlantedTrajectories",
    "PlantedTruth",
    "load_mouse_atac_example",
    "make_planted_dataset",
    "make_planted_trajectories",
]

_MOUSE_ATAC_FILE = "mouse_atac_example.tsv.gz"
_MOUSE_ATAC_DESCRIPTION = """\
Mouse (mm10) ATAC-seq peaks from Tanay-lab gastrulation data: 1,000 peaks x 300 bp,
soft-masked (lower case = repeat), with the accessibility of each peak in 5 cell states
c1..c5. Values are log2 of a normalised ATAC fraction, floored at -16.61 = log2(1e-5)
(19% / 9% / 1% / 24% / 41% of the peaks sit at the floor in c1..c5).
Source: prego's sequences_example + response_mat_example (github.com/tanaylab/prego),
MIT license, (c) 2022 Weizmann Institute of Science."""


class MouseATACExample(NamedTuple):
    """The mouse ATAC example returned by :func:`load_mouse_atac_example`.

    Parameters
    ----------
    sequences : list of str
        Peak sequences.
    accessibility : DataFrame or ndarray of float64, shape (n_peaks, 5)
        Accessibility per cell state.
    description : str
        Origin and meaning of the data.

    Attributes
    ----------
    sequences : list of str, length 1000
        Peak sequences, 300 bp each, soft-masked.
    accessibility : DataFrame or ndarray of float64, shape (1000, 5)
        log2 normalised accessibility per cell state; a DataFrame has columns ``c1..c5`` and
        the original row ids (str) as index.
    description : str
        Origin and meaning of the data.

    Examples
    --------
    >>> example = load_mouse_atac_example(as_frame=False)
    >>> len(example.sequences[0]), example.accessibility.shape, example.accessibility.dtype.kind
    (300, (1000, 5), 'f')
    """

    sequences: list[str]
    accessibility: pd.DataFrame | np.ndarray
    description: str


def load_mouse_atac_example(as_frame: bool = True) -> MouseATACExample:
    """Load 1,000 real mouse ATAC peaks with their accessibility in 5 cell states.

    Parameters
    ----------
    as_frame : bool, default True
        Return the accessibility as a DataFrame (columns ``c1..c5``, index = row id);
        False gives a float64 array of shape (1000, 5).

    Returns
    -------
    MouseATACExample
        ``(sequences, accessibility, description)``.

    Examples
    --------
    >>> example = load_mouse_atac_example()
    >>> len(example.sequences), example.accessibility.shape
    (1000, (1000, 5))
    >>> example.accessibility.columns.tolist()
    ['c1', 'c2', 'c3', 'c4', 'c5']
    >>> round(float(example.accessibility.to_numpy().min()), 2)  # the floor, log2(1e-5)
    -16.61
    """
    with files("iqmodel.data").joinpath(_MOUSE_ATAC_FILE).open("rb") as handle:
        table = pd.read_csv(
            handle, sep="\t", compression="gzip", dtype={"row_id": str}, index_col="row_id"
        )
    accessibility = table.drop(columns="sequence").astype(np.float64)
    return MouseATACExample(
        sequences=table["sequence"].tolist(),
        accessibility=accessibility if as_frame else accessibility.to_numpy(),
        description=_MOUSE_ATAC_DESCRIPTION,
    )


DEFAULT_PLANTED_MOTIFS = (
    "MA0466.4",  # CEBPB
    "MA0139.2",  # CTCF
    "MA0047.4",  # FOXA2
    "MA0105.4",  # NFKB1
    "MA0506.3",  # NRF1
    "MA0144.3",  # STAT3
    "MA0035.5",  # GATA1
    "MA0098.4",  # ETS1
)
"""JASPAR 2024 matrix ids planted by :func:`make_planted_dataset` when ``motifs=None``, in
order: 6-15 bp, 9-18 bits, pairwise :meth:`Motif.similarity` at most 0.41."""

_DEFAULT_EFFECTS = (3.0, -2.5, 2.0, -1.5)  # high-energy coefficients, cycled over the motifs
_DEFAULT_RESPONSE = "high-energy"
_N_SPATIAL_BINS = 11
_PLACEMENT_ATTEMPTS = 10  # positions tried per site before it is skipped
_COMPOSITION_TOLERANCE = 1e-6
_INTERACTION_COLUMNS = ("motif_a", "motif_b", "coefficient", "response")
_PRODUCT_SCALE = 10.0  # E_a * E_b / 10 stays on the [0, 10] energy scale
_SITE_COLUMNS = ("seq_index", "motif", "start", "strand", "sequence")


class PlantedTruth(NamedTuple):
    """The model that generated a planted data set (see :func:`make_planted_dataset`).

    Parameters
    ----------
    motifs : list of Motif
        The planted motifs with their truth spatial profiles.
    coefficients : DataFrame of float64, shape (n_motifs, 4)
        Logit-scale effects.
    interactions : DataFrame, shape (n_interactions, 4)
        Interaction terms.
    intercept : float
        Logit-scale intercept.
    sites : DataFrame, shape (n_sites, 5)
        The planted sites.
    n_skipped : Series of int64
        Sites not planted, per motif.
    energies : ndarray of float64, shape (n_seqs, n_motifs)
        Normalised truth energies.
    dap_noiseless : ndarray of float64, shape (n_seqs,)
        dAP before noise.
    oracle_r2 : float
        R^2 of the noiseless dAP.

    Attributes
    ----------
    motifs : list of Motif, length n_motifs
        The planted motifs as scored by the truth model: the input PWMs with an 11-bin
        spatial profile centred where their sites were planted (no profile for
        ``position="uniform"``).
    coefficients : DataFrame of float64, shape (n_motifs, 4)
        Effect of each motif (index, motif name) through each response function (columns,
        ``RESPONSE_FUNCTIONS`` order) on the logit scale.
    interactions : DataFrame, shape (n_interactions, 4)
        Columns ``motif_a, motif_b, coefficient, response``: each row adds
        ``coefficient * response(E_a * E_b / 10)`` to the logit.
    intercept : float
        Logit of ``(dap + 1) / 2`` when every term is zero.
    sites : DataFrame, shape (n_sites, 5)
        One row per planted site, sorted by sequence and start: ``seq_index`` (int),
        ``motif`` (name), ``start`` (0-based, bp), ``strand`` (``'+'`` or ``'-'``) and
        ``sequence``, the site read in the motif's orientation, so
        ``sequences[seq_index][start:start + len(sequence)]`` is ``sequence`` on ``'+'`` and
        its reverse complement on ``'-'``.
    n_skipped : Series of int64, length n_motifs
        Sites per motif (index, motif name) that found no free position after 10 attempts
        and were not planted.
    energies : ndarray of float64, shape (n_seqs, n_motifs)
        Normalised truth-model energies on [0, 10], columns in ``motifs`` order.
    dap_noiseless : ndarray of float64, shape (n_seqs,)
        ``2 * sigmoid(eta) - 1``, in (-1, 1), before noise.
    oracle_r2 : float
        Coefficient of determination of ``dap_noiseless`` as a prediction of the noisy
        ``dap``: the best score any model can reach.

    Examples
    --------
    Every site is where the table says, on its strand:

    >>> from iqmodel.seq import reverse_complement
    >>> data = make_planted_dataset(n_seqs=50, seq_length=100, n_motifs=2, random_state=0)
    >>> truth = data.truth
    >>> truth.coefficients.loc[:, "high-energy"].tolist(), truth.energies.shape
    ([3.0, -2.5], (50, 2))
    >>> def read(site):
    ...     text = data.sequences[site.seq_index][site.start : site.start + len(site.sequence)]
    ...     return text if site.strand == "+" else reverse_complement([text])[0]
    >>> all(read(site) == site.sequence for site in truth.sites.itertuples())
    True
    """

    motifs: list[Motif]
    coefficients: pd.DataFrame
    interactions: pd.DataFrame
    intercept: float
    sites: pd.DataFrame
    n_skipped: pd.Series
    energies: np.ndarray
    dap_noiseless: np.ndarray
    oracle_r2: float


class PlantedDataset(NamedTuple):
    """Synthetic sequences with a known accessibility model (see :func:`make_planted_dataset`).

    Parameters
    ----------
    sequences : list of str
        The sequences.
    dap : ndarray of float64, shape (n_seqs,)
        Noisy dAP.
    truth : PlantedTruth
        The generating model.

    Attributes
    ----------
    sequences : list of str, length n_seqs
        Upper-case ACGT sequences of ``seq_length`` bp.
    dap : ndarray of float64, shape (n_seqs,)
        Noisy differential accessibility in [-1, 1].
    truth : PlantedTruth
        The generating model, the planted sites and the noiseless target.

    Examples
    --------
    >>> import numpy as np
    >>> data = make_planted_dataset(n_seqs=50, seq_length=100, n_motifs=1, random_state=0)
    >>> len(data.sequences), set("".join(data.sequences)) <= set("ACGT")
    (50, True)
    >>> bool(np.all(np.abs(data.dap) <= 1))
    True
    """

    sequences: list[str]
    dap: np.ndarray
    truth: PlantedTruth


def make_planted_dataset(
    *,
    n_seqs: int = 2000,
    seq_length: int = 300,
    motifs=None,
    n_motifs: int | None = None,
    gc_content=0.42,
    site_rate=0.5,
    affinity=2.0,
    position="center",
    position_sd: float = 40.0,
    coefficients=None,
    interactions=None,
    intercept: float = 0.0,
    noise_sd: float = 0.05,
    random_state=None,
) -> PlantedDataset:
    """Random sequences with planted motif sites and dAP from a known IQ-form model.

    1. Background: i.i.d. bases with the given composition.
    2. Sites: each sequence gets Poisson(``site_rate``) sites of each motif, in random order
       over all motifs. A site is drawn from the PWM sharpened by ``affinity``
       (``p ** affinity``, renormalised per position), on a random strand, starting at
       ``round(N(centre - length / 2, position_sd))`` clipped into the sequence (or uniformly
       for ``"uniform"``). Sites never overlap: a site whose position is taken is redrawn up
       to 9 times, then skipped and counted in ``truth.n_skipped``.
    3. Truth model (IQ form): raw energies of the planted motifs on the final sequences
       (:func:`~iqmodel.energy.compute_energies`), each motif carrying an 11-bin spatial
       profile of ``seq_length // 11`` bp bins on the centred frame, weights a Gaussian of sd
       ``position_sd`` around the mean site start (peak 1); normalised to [0, 10] by an
       :class:`~iqmodel.normalization.EnergyNormalizer` fitted on these sequences;
       ``eta = intercept + sum_ij coefficients[i, j] * f_j(E_i)
       + sum_(a, b, c, f) c * f(E_a * E_b / 10)`` with the response functions ``f_j`` of
       :class:`~iqmodel.features.LogisticBasis`.
    4. ``dap = clip(2 * sigmoid(eta) - 1 + N(0, noise_sd), -1, 1)``.

    Parameters
    ----------
    n_seqs : int >= 2, default 2000
        Number of sequences.
    seq_length : int, default 300
        Length of every sequence in bp; at least the longest motif + 11 bp.
    motifs : list of (Motif or str), optional
        Motifs to plant, with unique names. A string is a matrix id or a TF name
        (``alt_name``) of the bundled JASPAR 2024 database, case-insensitive, and must match
        one motif; a single motif or name is accepted too. Spatial profiles of given motifs
        are replaced by that of the planting.
        Default: the first ``n_motifs`` of :data:`DEFAULT_PLANTED_MOTIFS`.
    n_motifs : int, optional
        Number of default motifs (at most 8); default 4. When ``motifs`` is given it must be
        None or ``len(motifs)``.
    gc_content : float or array-like of shape (4,), default 0.42
        G + C fraction of the background in [0, 1] (0.42: mouse genome), or the probabilities
        of A, C, G, T.
    site_rate : float >= 0 or list of float, default 0.5
        Mean number of sites per sequence, one value or one per motif.
    affinity : float >= 0 or list of float, default 2.0
        PWM sharpening exponent, one value or one per motif: 0 gives uniform random sites, 1
        samples the PWM as is, larger values give sites closer to the consensus. The default
        makes a planted site raise the motif's energy clearly above the background (see
        Notes).
    position : {"center", "uniform"} or float or list, default "center"
        Where sites go, one value or one per motif: ``"center"`` (site centre around
        ``seq_length / 2``), a site centre in bp in ``[0, seq_length]``, or ``"uniform"``
        (anywhere; the truth motif then has no spatial profile).
    position_sd : float > 0, default 40.0
        Standard deviation of the site centre in bp (the IQ spatial bin width).
    coefficients : DataFrame or array-like of shape (n_motifs,), optional
        Logit-scale effects: a DataFrame with motif names as index and response function
        names as columns (missing entries are 0), or one ``high-energy`` coefficient per
        motif. Default: ``high-energy`` effects +3, -2.5, +2, -1.5, repeated.
    interactions : list of tuple or DataFrame, optional
        ``(motif_a, motif_b, coefficient)`` or ``(motif_a, motif_b, coefficient, response)``
        tuples, or a DataFrame with those columns (as ``truth.interactions``); each adds
        ``coefficient * response(E_a * E_b / 10)`` to the logit, ``response`` defaulting to
        ``"high-energy"``. Default: none.
    intercept : float, default 0.0
        Logit-scale intercept.
    noise_sd : float >= 0, default 0.05
        Standard deviation of the Gaussian noise added to dAP.
    random_state : None, int or numpy.random.Generator, default None
        Seed; an int gives the same data set every time.

    Returns
    -------
    PlantedDataset
        ``(sequences, dap, truth)``.

    Notes
    -----
    With the defaults (2,000 x 300 bp, 4 motifs, seed 0) the data set holds about 4,000
    sites, skips 2 of them, and ``truth.oracle_r2`` is 0.985. The normalisation window spans
    7 log2 units below the best sequence, so sequences without a site of a motif mostly get
    energy 0 and those with one about 7 (median); the energy separates them with a ROC AUC of
    0.98-0.996 per motif at ``affinity=2``, but only 0.83-0.96 at ``affinity=1`` (sites drawn
    from the unsharpened 15-bp CTCF PWM are often weak), hence the default of 2.

    Examples
    --------
    >>> data = make_planted_dataset(n_seqs=200, random_state=0)
    >>> len(data.sequences), data.dap.shape, data.truth.energies.shape
    (200, (200,), (200, 4))
    >>> [motif.alt_name for motif in data.truth.motifs]
    ['CEBPB', 'CTCF', 'FOXA2', 'NFKB1']
    >>> bool(data.truth.oracle_r2 > 0.9)
    True

    Chosen motifs, an interaction and no noise (the oracle is then exact):

    >>> data = make_planted_dataset(n_seqs=100, seq_length=120, motifs=["GATA1", "MA0139.2"],
    ...                             interactions=[("MA0035.5", "MA0139.2", 1.0)],
    ...                             noise_sd=0.0, random_state=0)
    >>> data.truth.interactions["response"].tolist(), data.truth.oracle_r2
    (['high-energy'], 1.0)
    """
    n_seqs = _check_positive_int(n_seqs, "n_seqs")
    if n_seqs < 2:
        raise ValueError("n_seqs must be at least 2 (oracle_r2 needs two sequences), got 1")
    motifs = _planted_motifs(motifs, n_motifs)
    names = [motif.name for motif in motifs]
    seq_length = _checked_seq_length(seq_length, motifs)
    composition = _base_composition(gc_content)
    rates = _per_motif(site_rate, "site_rate", names, partial(_check_real, low=0.0, high=np.inf))
    affinities = _per_motif(affinity, "affinity", names, partial(_check_real, low=0.0, high=np.inf))
    centres = _per_motif(position, "position", names, partial(_site_centre, seq_length=seq_length))
    position_sd = _check_real(position_sd, "position_sd", 0.0, np.inf)
    if position_sd == 0:
        raise ValueError("position_sd must be > 0 bp, got 0; use a small value such as 1.0")
    coefficients = _coefficient_table(coefficients, names)
    interactions = _interaction_table(interactions, names)
    intercept = _finite(intercept, "intercept")
    noise_sd = _check_real(noise_sd, "noise_sd", 0.0, np.inf)
    rng = _generator(random_state)

    codes = rng.choice(4, size=(n_seqs, seq_length), p=composition).astype(np.int8)
    sites, n_skipped = _plant_sites(codes, motifs, rates, affinities, centres, position_sd, rng)
    truth_motifs = [
        _with_site_profile(motif, centre, position_sd, seq_length)
        for motif, centre in zip(motifs, centres, strict=True)
    ]
    energies = EnergyNormalizer().fit_transform(compute_energies(codes, truth_motifs))
    dap_noiseless = 2.0 * expit(_logit(energies, coefficients, interactions, intercept)) - 1.0
    dap = np.clip(dap_noiseless + rng.normal(0.0, noise_sd, n_seqs), -1.0, 1.0)
    truth = PlantedTruth(
        motifs=truth_motifs,
        coefficients=coefficients,
        interactions=interactions,
        intercept=intercept,
        sites=sites,
        n_skipped=n_skipped,
        energies=energies,
        dap_noiseless=dap_noiseless,
        oracle_r2=float(r2_score(dap, dap_noiseless)),
    )
    return PlantedDataset(sequences=decode(codes), dap=dap, truth=truth)


class PlantedTrajectories(NamedTuple):
    """A planted data set with several trajectories (:func:`make_planted_trajectories`).

    Parameters
    ----------
    sequences : list of str
        The sequences.
    dap : DataFrame, shape (n_seqs, n_trajectories)
        dAP per trajectory.
    effects : DataFrame, shape (n_motifs, n_trajectories)
        Effects per motif and trajectory.
    truth : PlantedTruth
        The planting.
    oracle_r2 : Series
        Oracle R^2 per trajectory.

    Attributes
    ----------
    sequences : list of str
    dap : DataFrame, shape (n_seqs, n_trajectories)
        One column per trajectory.
    effects : DataFrame, shape (n_motifs, n_trajectories)
        The ``high-energy`` logit coefficient of each planted motif (index: motif names) in
        each trajectory; 0 where a motif has no effect.
    truth : PlantedTruth
        The planting (motifs, sites, energies); its ``coefficients``, ``dap_noiseless`` and
        ``oracle_r2`` are those of the first trajectory.
    oracle_r2 : Series
        R^2 of the noiseless dAP against the noisy one, per trajectory.

    Examples
    --------
    See :func:`make_planted_trajectories`.

    >>> import pandas as pd
    >>> effects = pd.DataFrame({"t1": [1.0], "t2": [-1.0]})
    >>> data = make_planted_trajectories(effects, n_seqs=50, seq_length=100, random_state=0)
    >>> data.dap.columns.tolist(), data.oracle_r2.index.tolist()
    (['t1', 't2'], ['t1', 't2'])
    """

    sequences: list
    dap: pd.DataFrame
    effects: pd.DataFrame
    truth: PlantedTruth
    oracle_r2: pd.Series


def make_planted_trajectories(
    effects, *, motifs=None, noise_sd: float = 0.05, random_state=None, **planting
) -> PlantedTrajectories:
    """Planted sequences with one dAP column per trajectory: shared sites, per-trajectory effects.

    The sites and energies are planted once as in :func:`make_planted_dataset`; trajectory
    ``t`` gets ``dap_t = clip(2 * sigmoid(sum_i effects[i, t] * high_energy(E_i)) - 1 +
    N(0, noise_sd), -1, 1)``, so a motif may raise accessibility in one trajectory, lower it
    in another and do nothing in a third.

    Parameters
    ----------
    effects : DataFrame, shape (n_motifs, n_trajectories)
        ``high-energy`` coefficients, rows in the order of ``motifs``, one named column per
        trajectory.
    motifs : list of (Motif or str), optional
        As in :func:`make_planted_dataset` (default: its first ``len(effects)`` defaults).
    noise_sd : float >= 0, default 0.05
        Standard deviation of the Gaussian noise added to each trajectory's dAP.
    random_state : None, int or numpy.random.Generator
        Seed; an int gives the same data set every time.
    **planting
        Other arguments of :func:`make_planted_dataset` (``n_seqs``, ``seq_length``,
        ``site_rate``, ``affinity``, ``position``, ``position_sd``, ``gc_content``).

    Returns
    -------
    PlantedTrajectories
        The shared sequences, one dAP column per trajectory (in [-1, 1]), the effects table
        (index: the planted motif names), the planting and the oracle R^2 per trajectory.

    Raises
    ------
    TypeError
        When ``effects`` is not a DataFrame with at least one column.
    ValueError
        For invalid planting arguments (see :func:`make_planted_dataset`).

    Examples
    --------
    CEBPB opens chromatin in one trajectory, CTCF closes it in the other:

    >>> import numpy as np
    >>> import pandas as pd
    >>> effects = pd.DataFrame({"up": [2.0, 0.0], "down": [0.0, -2.0]})
    >>> data = make_planted_trajectories(effects, n_seqs=200, seq_length=100, random_state=0)
    >>> data.dap.shape, data.effects.index.tolist()
    ((200, 2), ['MA0466.4', 'MA0139.2'])
    >>> cebpb, ctcf = data.truth.energies.T
    >>> bool(np.corrcoef(cebpb, data.dap["up"])[0, 1] > 0.8)
    True
    >>> bool(np.corrcoef(ctcf, data.dap["down"])[0, 1] < -0.8)
    True
    """
    if not isinstance(effects, pd.DataFrame) or effects.shape[1] == 0:
        raise TypeError("effects must be a DataFrame with one named column per trajectory")
    rng = _generator(random_state)
    noise_sd = _check_real(noise_sd, "noise_sd", 0.0, np.inf)
    values = effects.to_numpy(dtype=np.float64)
    base = make_planted_dataset(
        motifs=motifs,
        n_motifs=len(effects),
        coefficients=values[:, 0],
        noise_sd=0.0,
        random_state=rng,
        **planting,
    )
    names = [m.name for m in base.truth.motifs]
    none = _interaction_table(None, names)
    dap, oracle = {}, {}
    for j, trajectory in enumerate(effects.columns):
        logit = _logit(base.truth.energies, _coefficient_table(values[:, j], names), none, 0.0)
        noiseless = 2.0 * expit(logit) - 1.0
        dap[str(trajectory)] = np.clip(noiseless + rng.normal(0.0, noise_sd, len(logit)), -1, 1)
        oracle[str(trajectory)] = float(r2_score(dap[str(trajectory)], noiseless))
    table = pd.DataFrame(values, index=names, columns=[str(c) for c in effects.columns])
    return PlantedTrajectories(
        base.sequences, pd.DataFrame(dap), table, base.truth, pd.Series(oracle)
    )


@lru_cache(maxsize=1)
def _jaspar() -> tuple[Motif, ...]:
    return tuple(load_motif_db("jaspar2024"))


def _jaspar_motif(name: str) -> Motif:
    """The one bundled JASPAR motif whose matrix id, or else TF name, is ``name``."""
    key = name.lower()
    hits = [motif for motif in _jaspar() if motif.name.lower() == key]
    hits = hits or [motif for motif in _jaspar() if motif.alt_name.lower() == key]
    if not hits:
        raise ValueError(
            f"motif {name!r} is not in the bundled JASPAR 2024 database; give a matrix id "
            "(e.g. 'MA0139.2') or a TF name (e.g. 'CEBPB'), or pass a Motif"
        )
    if len(hits) > 1:
        ids = ", ".join(motif.name for motif in hits)
        raise ValueError(
            f"motif {name!r} matches {len(hits)} JASPAR 2024 motifs ({ids}); pass one of "
            "these matrix ids instead"
        )
    return hits[0]


def _planted_motifs(motifs, n_motifs) -> list[Motif]:
    """Resolve ``motifs`` / ``n_motifs`` to a non-empty list of uniquely named motifs."""
    if n_motifs is not None:
        n_motifs = _check_positive_int(n_motifs, "n_motifs")
    if motifs is None:
        n_motifs = len(_DEFAULT_EFFECTS) if n_motifs is None else n_motifs
        if n_motifs > len(DEFAULT_PLANTED_MOTIFS):
            raise ValueError(
                f"n_motifs must be at most {len(DEFAULT_PLANTED_MOTIFS)} with the default "
                f"motif set, got {n_motifs}; pass motifs=[...] to plant more"
            )
        return [_jaspar_motif(name) for name in DEFAULT_PLANTED_MOTIFS[:n_motifs]]
    if isinstance(motifs, (Motif, str)):
        motifs = [motifs]
    if not isinstance(motifs, Sequence):
        raise TypeError(
            f"motifs must be a list of Motif objects or JASPAR names, got {type(motifs).__name__}"
        )
    if not motifs:
        raise ValueError("motifs is empty; pass at least one motif, or None for the defaults")
    if n_motifs is not None and n_motifs != len(motifs):
        raise ValueError(
            f"n_motifs={n_motifs} contradicts the {len(motifs)} motifs given; leave "
            "n_motifs=None when passing motifs"
        )
    resolved = []
    for i, motif in enumerate(motifs):
        if isinstance(motif, str):
            motif = _jaspar_motif(motif)
        elif not isinstance(motif, Motif):
            raise TypeError(
                f"motifs[{i}] is a {type(motif).__name__}; expected a Motif or a JASPAR name"
            )
        resolved.append(motif)
    names = pd.Index([motif.name for motif in resolved])
    if names.has_duplicates:
        raise ValueError(
            f"motif names must be unique, {list(names[names.duplicated()])} repeat; rename "
            "one with Motif.renamed()"
        )
    return resolved


def _checked_seq_length(seq_length, motifs: list[Motif]) -> int:
    seq_length = _check_positive_int(seq_length, "seq_length")
    longest = max(motif.length for motif in motifs)
    if seq_length < longest + _N_SPATIAL_BINS:
        raise ValueError(
            f"seq_length must be at least {longest + _N_SPATIAL_BINS} bp (the longest motif, "
            f"{longest} bp, + {_N_SPATIAL_BINS}, so that it fits in the {_N_SPATIAL_BINS}-bin "
            f"spatial frame), got {seq_length}"
        )
    return seq_length


def _base_composition(gc_content) -> np.ndarray:
    """Probabilities of A, C, G, T, shape (4,), from a GC fraction or a composition."""
    if isinstance(gc_content, numbers.Number):
        gc = _check_real(gc_content, "gc_content", 0.0, 1.0, include_high=True)
        return np.array([1.0 - gc, gc, gc, 1.0 - gc]) / 2.0
    try:
        composition = np.asarray(gc_content, dtype=np.float64)
    except (TypeError, ValueError):
        composition = np.full(0, np.nan)
    valid = (
        composition.shape == (4,)
        and np.isfinite(composition).all()
        and (composition >= 0).all()
        and abs(composition.sum() - 1.0) <= _COMPOSITION_TOLERANCE
    )
    if not valid:
        raise ValueError(
            "gc_content must be a G + C fraction in [0, 1] or 4 non-negative probabilities "
            f"of A, C, G, T summing to 1, got {gc_content!r}"
        )
    return composition / composition.sum()


def _per_motif(value, name: str, motif_names: list[str], check) -> list:
    """``value`` checked by ``check(value, name)``, one per motif (a scalar is repeated)."""
    if isinstance(value, (numbers.Number, str)):
        return [check(value, name)] * len(motif_names)
    if not isinstance(value, Sequence | np.ndarray):
        raise TypeError(
            f"{name} must be one value or a list with one value per motif, got "
            f"{type(value).__name__}"
        )
    if len(value) != len(motif_names):
        raise ValueError(
            f"{name} has {len(value)} values but {len(motif_names)} motifs are planted "
            f"({', '.join(motif_names)}); give one value or one per motif"
        )
    return [check(item, f"{name}[{i}]") for i, item in enumerate(value)]


def _site_centre(position, name: str, *, seq_length: int) -> float | None:
    """Mean site centre in bp for one motif; None for uniform placement."""
    if isinstance(position, str):
        if position == "uniform":
            return None
        if position == "center":
            return seq_length / 2
        raise ValueError(
            f"{name} must be 'center', 'uniform' or a site centre in bp, got {position!r}"
        )
    return _check_real(position, name, 0.0, seq_length, include_high=True)


def _finite(value, name: str) -> float:
    if isinstance(value, numbers.Real) and not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return _check_real(value, name, -np.inf, np.inf)


def _coefficient_table(coefficients, names: list[str]) -> pd.DataFrame:
    """Coefficients as a float64 DataFrame, motifs x ``RESPONSE_FUNCTIONS``."""
    if coefficients is None:
        coefficients = [_DEFAULT_EFFECTS[i % len(_DEFAULT_EFFECTS)] for i in range(len(names))]
    if isinstance(coefficients, pd.DataFrame):
        unknown_motifs = coefficients.index.difference(names)
        unknown_responses = coefficients.columns.difference(RESPONSE_FUNCTIONS)
        if len(unknown_motifs) or len(unknown_responses):
            raise ValueError(
                "coefficients must have planted motif names as index and response function "
                f"names as columns; unknown motifs: {list(unknown_motifs)}, unknown "
                f"columns: {list(unknown_responses)}. Planted: {names}; responses: "
                f"{list(RESPONSE_FUNCTIONS)}"
            )
        table = coefficients.reindex(index=names, columns=list(RESPONSE_FUNCTIONS), fill_value=0)
    else:
        effects = np.asarray(coefficients, dtype=np.float64)
        if effects.shape != (len(names),):
            raise ValueError(
                f"coefficients must be a DataFrame or one {_DEFAULT_RESPONSE} coefficient per "
                f"motif (shape ({len(names)},)), got shape {effects.shape}"
            )
        table = pd.DataFrame(0.0, index=names, columns=list(RESPONSE_FUNCTIONS))
        table[_DEFAULT_RESPONSE] = effects
    table = table.astype(np.float64).rename_axis(index="motif", columns="response")
    if not np.isfinite(table.to_numpy()).all():
        raise ValueError("coefficients must be finite; found NaN or inf")
    return table


def _interaction_table(interactions, names: list[str]) -> pd.DataFrame:
    """Interactions as a DataFrame with columns ``motif_a, motif_b, coefficient, response``."""
    if interactions is None:
        interactions = []
    if isinstance(interactions, pd.DataFrame):
        missing = set(_INTERACTION_COLUMNS[:3]).difference(interactions.columns)
        if missing:
            raise ValueError(
                f"an interactions DataFrame needs the columns {list(_INTERACTION_COLUMNS)} "
                f"(response optional); missing: {sorted(missing)}"
            )
        response = interactions.get("response", _DEFAULT_RESPONSE)
        interactions = interactions.assign(response=response)[list(_INTERACTION_COLUMNS)]
        interactions = list(interactions.itertuples(index=False, name=None))
    if not isinstance(interactions, Sequence):
        raise TypeError(
            "interactions must be a list of (motif_a, motif_b, coefficient[, response]) tuples "
            f"or a DataFrame, got {type(interactions).__name__}"
        )
    rows = [
        _interaction_row(row, f"interactions[{i}]", names) for i, row in enumerate(interactions)
    ]
    table = pd.DataFrame(rows, columns=list(_INTERACTION_COLUMNS))
    return table.astype({"coefficient": np.float64})


def _interaction_row(row, name: str, names: list[str]) -> tuple[str, str, float, str]:
    if isinstance(row, str) or not isinstance(row, Sequence) or len(row) not in (3, 4):
        raise ValueError(
            f"{name} must be a tuple (motif_a, motif_b, coefficient[, response]), got {row!r}"
        )
    motif_a, motif_b, coefficient, response = (*row, _DEFAULT_RESPONSE)[:4]
    for motif in (motif_a, motif_b):
        if motif not in names:
            raise ValueError(f"{name} names {motif!r}, which is not a planted motif: {names}")
    if motif_a == motif_b:
        raise ValueError(f"{name} pairs {motif_a!r} with itself; use two different motifs")
    if response not in RESPONSE_FUNCTIONS:
        raise ValueError(
            f"{name} has response {response!r}; valid: {', '.join(RESPONSE_FUNCTIONS)}"
        )
    return motif_a, motif_b, _finite(coefficient, f"{name} coefficient"), response


def _generator(random_state) -> np.random.Generator:
    valid_seed = (
        isinstance(random_state, numbers.Integral)
        and not isinstance(random_state, bool)
        and random_state >= 0
    )
    if random_state is None or valid_seed or isinstance(random_state, np.random.Generator):
        return np.random.default_rng(random_state)
    raise ValueError(
        f"random_state must be None, a non-negative int or a numpy Generator, got {random_state!r}"
    )


def _sample_sites(motif: Motif, affinity: float, n_sites: int, rng) -> np.ndarray:
    """Site codes in the motif's orientation, int8 (n_sites, length), from ``pwm ** affinity``.

    Each row is divided by its largest probability first, so large exponents cannot
    underflow.
    """
    sharpened = (motif.pwm / motif.pwm.max(axis=1, keepdims=True)) ** affinity
    cumulative = np.cumsum(sharpened / sharpened.sum(axis=1, keepdims=True), axis=1)
    uniform = rng.random((n_sites, motif.length, 1))
    return (uniform > cumulative[:, :3]).sum(axis=2).astype(np.int8)


def _candidate_starts(n_sites: int, length: int, centre, position_sd, seq_length, rng):
    """Start positions to try for each site, int64 (n_sites, _PLACEMENT_ATTEMPTS)."""
    shape = (n_sites, _PLACEMENT_ATTEMPTS)
    last = seq_length - length
    if centre is None:
        return rng.integers(0, last + 1, size=shape)
    starts = np.rint(rng.normal(centre - length / 2, position_sd, size=shape))
    return np.clip(starts, 0, last).astype(np.int64)


class _SitePlan(NamedTuple):
    """Sites drawn for one motif, before placement; one row per site."""

    seq_index: np.ndarray  # int64 (n_sites,)
    texts: list[str]  # site in the motif's orientation
    strands: np.ndarray  # "+" / "-" (n_sites,)
    starts: np.ndarray  # int64 (n_sites, _PLACEMENT_ATTEMPTS), positions to try in order
    planted: np.ndarray  # int8 (n_sites, length), the bases written on the + strand


def _plan_sites(
    motif: Motif, rate, affinity, centre, position_sd, n_seqs, seq_length, rng
) -> _SitePlan:
    """Draw the number, bases, strands and candidate starts of one motif's sites."""
    seq_index = np.repeat(np.arange(n_seqs), rng.poisson(rate, n_seqs))
    sites = _sample_sites(motif, affinity, len(seq_index), rng)
    reverse = rng.random(len(seq_index)) < 0.5
    starts = _candidate_starts(len(seq_index), motif.length, centre, position_sd, seq_length, rng)
    return _SitePlan(
        seq_index=seq_index,
        texts=decode(sites),
        strands=np.where(reverse, "-", "+"),
        starts=starts,
        planted=np.where(reverse[:, None], reverse_complement(sites), sites),
    )


def _plant_sites(codes, motifs, rates, affinities, centres, position_sd, rng):
    """Write non-overlapping sites into ``codes`` (int8 (n_seqs, seq_length), in place).

    Sites of all motifs are placed in one random order; each takes the first of its candidate
    starts that overlaps no site placed before it.

    Returns
    -------
    sites : DataFrame
        As ``PlantedTruth.sites``.
    n_skipped : Series of int64
        Sites per motif that found no free position.
    """
    plans = [
        _plan_sites(motif, rate, affinity, centre, position_sd, *codes.shape, rng)
        for motif, rate, affinity, centre in zip(motifs, rates, affinities, centres, strict=True)
    ]
    owners = np.concatenate([np.full(len(plan.seq_index), k) for k, plan in enumerate(plans)])
    members = np.concatenate([np.arange(len(plan.seq_index)) for plan in plans])
    occupied = np.zeros(codes.shape, dtype=bool)
    records = []
    n_skipped = np.zeros(len(motifs), dtype=np.int64)
    for order in rng.permutation(len(owners)):
        k, j = owners[order], members[order]
        plan, length = plans[k], motifs[k].length
        row = plan.seq_index[j]
        free = (s for s in plan.starts[j] if not occupied[row, s : s + length].any())
        start = next(free, None)
        if start is None:
            n_skipped[k] += 1
            continue
        occupied[row, start : start + length] = True
        codes[row, start : start + length] = plan.planted[j]
        records.append((row, motifs[k].name, start, plan.strands[j], plan.texts[j]))
    sites = pd.DataFrame(records, columns=list(_SITE_COLUMNS)).astype(
        {"seq_index": np.int64, "start": np.int64}
    )
    sites = sites.sort_values(["seq_index", "start"], ignore_index=True)
    names = [motif.name for motif in motifs]
    return sites, pd.Series(n_skipped, index=names, name="n_skipped")


def _with_site_profile(motif: Motif, centre, position_sd: float, seq_length: int) -> Motif:
    """``motif`` with the spatial profile of its planting (none for uniform placement).

    11 bins of ``seq_length // 11`` bp on the centred frame; a bin's weight is the Gaussian
    density (sd ``position_sd``) at its middle window start, relative to the mean site start
    ``centre - length / 2``, scaled so that the largest weight is 1.
    """
    if centre is None:
        return motif.with_spatial(None, None)
    bin_size = seq_length // _N_SPATIAL_BINS
    first = spatial_frame_start(seq_length, _N_SPATIAL_BINS, bin_size)
    middles = first + bin_size * np.arange(_N_SPATIAL_BINS) + (bin_size - 1) / 2
    log_density = -0.5 * ((middles - (centre - motif.length / 2)) / position_sd) ** 2
    return motif.with_spatial(np.exp(log_density - log_density.max()), bin_size)


def _logit(energies, coefficients: pd.DataFrame, interactions: pd.DataFrame, intercept: float):
    """``eta`` of the truth model, float64 (n_seqs,), from normalised energies (n_seqs, k)."""
    features = LogisticBasis().fit_transform(energies)
    eta = intercept + features @ coefficients.to_numpy().ravel()
    column = {name: j for j, name in enumerate(coefficients.index)}
    for motif_a, motif_b, coefficient, response in interactions.itertuples(index=False):
        product = energies[:, column[motif_a]] * energies[:, column[motif_b]] / _PRODUCT_SCALE
        eta += coefficient * response_function(product, response)
    return eta
