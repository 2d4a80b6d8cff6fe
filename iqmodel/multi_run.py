"""Several trajectories of one peak set, fitted and homogenized as a run (``iqmodel fit-multi``).

A run reads the peaks and their accessibility once (:func:`iqmodel.trajectory.load_trajectory`
or :func:`~iqmodel.trajectory.load_table_trajectory`), computes one dAP column per
``start:end`` pair on the same peaks and split, fits the shared-motif model and writes the run
folder as one whole (:func:`iqmodel.trajectory.write_run_folder`).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from iqmodel.ap import compute_dap
from iqmodel.io._atomic import atomic_write_text, write_table
from iqmodel.io.model_file import json_ready
from iqmodel.trajectory import Trajectory

__all__ = [
    "METHODS",
    "MultiTrajectory",
    "TrajectoryPair",
    "fit_multi_trajectory",
    "multi_trajectory",
    "parse_trajectory_pairs",
    "write_multi_run",
]

log = logging.getLogger("iqmodel")

METHODS = ("from-models", "fit")
"""``from-models``: one IQModel per trajectory, then homogenized (R's workflow; the run has
"before" statistics); ``fit``: :meth:`iqmodel.MultiIQModel.fit` (shared selection, faster)."""

_PAIR = re.compile(r"^(?:(?P<name>[^=:,]+)=)?(?P<start>[^=:,]+):(?P<end>[^=:,]+)$")


class TrajectoryPair(NamedTuple):
    """One trajectory: its name and its start and end state(s) (lists are averaged).

    Parameters
    ----------
    name : str
        Trajectory name (a column of the run's dAP table).
    start : str or list of str
        Start state(s).
    end : str or list of str
        End state(s).

    Examples
    --------
    >>> pair = TrajectoryPair("meso", ["c1", "c2"], "c3")
    >>> pair.name, pair.start, pair.end
    ('meso', ['c1', 'c2'], 'c3')
    """

    name: str
    start: str | list[str]
    end: str | list[str]


class MultiTrajectory(NamedTuple):
    """The data of a multi-trajectory run (what :func:`multi_trajectory` returns).

    Parameters
    ----------
    data : Trajectory
        The peaks, sequences, split and per-state values (its ``dap`` is the first pair's).
    pairs : list of TrajectoryPair
        The trajectories.
    dap : DataFrame of float64, shape (n_peaks, n_trajectories)
        One dAP column per pair, named after it; index = peak names.

    Examples
    --------
    >>> from iqmodel.trajectory import load_table_trajectory
    >>> table = load_table_trajectory("mouse-atac", "c1", "c3", random_state=0)
    >>> run = multi_trajectory(table, parse_trajectory_pairs("c1:c3,c1:c5"))
    >>> run.dap.shape, run.dap.columns.tolist(), [pair.end for pair in run.pairs]
    ((1000, 2), ['c1:c3', 'c1:c5'], ['c3', 'c5'])
    """

    data: Trajectory
    pairs: list
    dap: pd.DataFrame


def _states(text: str) -> str | list[str]:
    states = [s.strip() for s in text.split("+")]
    return states[0] if len(states) == 1 else states


def parse_trajectory_pairs(text: str) -> list[TrajectoryPair]:
    """Parse ``"c1:c2,c1:c3"`` or ``"meso=c1:c3,endo=c1:c4"`` into trajectory pairs.

    Each item is ``[name=]start:end``; ``start`` or ``end`` may average states with ``+``
    (``c1+c2:c5``). The default name is ``start:end`` as written.

    Parameters
    ----------
    text : str
        Comma-separated items (the ``--trajectories`` option).

    Returns
    -------
    list of TrajectoryPair
        At least two pairs, in the order given.

    Raises
    ------
    ValueError
        For an empty item, a malformed item, a repeated name or a pair whose start and end are
        the same, naming the item and the expected form.

    Examples
    --------
    >>> parse_trajectory_pairs("meso=c1:c3,c1+c2:c5")  # doctest: +NORMALIZE_WHITESPACE
    [TrajectoryPair(name='meso', start='c1', end='c3'),
     TrajectoryPair(name='c1+c2:c5', start=['c1', 'c2'], end='c5')]
    """
    pairs = []
    for item in (part.strip() for part in str(text).split(",")):
        match = _PAIR.match(item)
        if not match:
            raise ValueError(
                f"trajectory {item!r} is not of the form start:end or name=start:end (e.g. "
                "c1:c3 or meso=c1:c3; average states with +, e.g. c1+c2:c5)"
            )
        start, end = match["start"].strip(), match["end"].strip()
        if start == end:
            raise ValueError(f"trajectory {item!r} starts and ends in the same state")
        name = (match["name"] or f"{start}:{end}").strip()
        pairs.append(TrajectoryPair(name, _states(start), _states(end)))
    names = [p.name for p in pairs]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"trajectory names {repeated} are repeated; name each pair once")
    if len(pairs) < 2:
        raise ValueError(
            "--trajectories needs at least two start:end pairs (one trajectory: use `iqmodel fit`)"
        )
    return pairs


def multi_trajectory(data: Trajectory, pairs: Sequence[TrajectoryPair]) -> MultiTrajectory:
    """One dAP column per pair on the peaks and split of ``data``.

    ``data.ap`` holds every state (AP, or the values of a sequence table); each pair's dAP is
    computed as :func:`iqmodel.ap.compute_dap` does for ``iqmodel fit`` (norm01 of each side
    over the kept peaks, which ignores a constant shift, so log-scale tables work too).

    Parameters
    ----------
    data : Trajectory
        A loaded trajectory with per-state values (``data.ap``).
    pairs : sequence of TrajectoryPair
        The trajectories.

    Returns
    -------
    MultiTrajectory
        ``data``, the pairs and the dAP table (n_peaks, n_pairs).

    Raises
    ------
    ValueError
        When ``data.ap`` is None, or a pair names an unknown state.

    Examples
    --------
    The first pair reproduces the trajectory's own dAP:

    >>> import numpy as np
    >>> from iqmodel.trajectory import load_table_trajectory
    >>> table = load_table_trajectory("mouse-atac", "c1", "c3", random_state=0)
    >>> run = multi_trajectory(table, parse_trajectory_pairs("c1:c3,late=c1:c4+c5"))
    >>> run.dap.columns.tolist(), bool(np.allclose(run.dap["c1:c3"], table.dap))
    (['c1:c3', 'late'], True)
    """
    if data.ap is None:
        raise ValueError("the run has no per-state values to compute several trajectories from")
    shifted = data.ap - data.ap.min()
    dap = pd.DataFrame(
        {p.name: compute_dap(shifted, p.start, p.end).to_numpy() for p in pairs},
        index=data.dap.index,
    )
    return MultiTrajectory(data, list(pairs), dap)


def fit_multi_trajectory(
    run: MultiTrajectory, params: Mapping, multi_params: Mapping, *, method: str = "from-models"
) -> tuple:
    """Fit the shared-motif model of a run on its training peaks; predict every peak.

    Parameters
    ----------
    run : MultiTrajectory
        The peaks, sequences, split and dAP table.
    params : mapping
        IQModel parameters of every trajectory.
    multi_params : mapping
        ``max_motifs``, ``min_diff``, ``intra_cor_threshold`` (see
        :class:`~iqmodel.multi.MultiIQModel`).
    method : {"from-models", "fit"}
        See :data:`METHODS`.

    Returns
    -------
    model : MultiIQModel
        The fitted shared-motif model.
    predictions : DataFrame, shape (n_peaks, 2 + n_trajectories)
        ``name``, ``split`` and one column of predicted dAP per trajectory.
    metrics : dict
        ``trajectories``: per trajectory and stage (before / after / full), ``train`` and
        ``test`` R^2 and Pearson r^2 and the number of motifs; ``method``, ``n_train``,
        ``n_test``, ``n_shared_motifs``, ``n_removed``, ``fit_seconds``.

    Raises
    ------
    ValueError
        For an unknown ``method``, or invalid data or parameters.

    Examples
    --------
    >>> from iqmodel.datasets import make_planted_trajectories
    >>> from iqmodel.trajectory import Trajectory, split_peaks
    >>> effects = pd.DataFrame({"up": [2.5, 0.0], "down": [0.0, -2.5]})
    >>> planted = make_planted_trajectories(effects, n_seqs=300, seq_length=100,
    ...                                     random_state=0)
    >>> names = pd.Index([f"peak{i}" for i in range(300)], name="name")
    >>> dap = planted.dap.set_index(names)
    >>> data = Trajectory(pd.DataFrame(index=names), planted.sequences, dap["up"],
    ...                   split_peaks(names, random_state=0),
    ...                   pd.DataFrame(columns=["name", "reason"]), None)
    >>> run = MultiTrajectory(data, [TrajectoryPair("up", "s0", "s1"),
    ...                              TrajectoryPair("down", "s0", "s2")], dap)
    >>> params = {"motif_db": planted.truth.motifs, "distill": False, "filter": False,
    ...           "sequence_features": False, "verbose": 0, "random_state": 0}
    >>> model, predictions, metrics = fit_multi_trajectory(run, params, {})
    >>> predictions.columns.tolist(), metrics["n_shared_motifs"]
    (['name', 'split', 'up', 'down'], 2)
    >>> sorted(metrics["trajectories"]["up"]), metrics["n_test"]
    (['after', 'before', 'full'], 60)
    """
    from iqmodel.model import IQModel
    from iqmodel.multi import MultiIQModel

    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    test = (run.data.split == "test").to_numpy()
    sequences = run.data.sequences
    began = time.perf_counter()
    if method == "fit":
        model = MultiIQModel(IQModel(**params), **multi_params).fit(sequences, run.dap, test=test)
    else:
        train = [s for s, held in zip(sequences, test, strict=True) if not held]
        singles = {}
        for name in run.dap.columns:
            log.info("fitting trajectory %s on %d peaks", name, len(train))
            singles[name] = IQModel(**params).fit(train, run.dap[name].to_numpy()[~test])
        log.info("homogenizing %d trajectories", len(singles))
        model = MultiIQModel.from_models(singles, sequences, run.dap, test=test, **multi_params)
    seconds = time.perf_counter() - began
    predicted = model.predict(sequences)
    predictions = pd.concat(
        [
            pd.DataFrame({"name": run.dap.index, "split": run.data.split.to_numpy()}),
            predicted,
        ],
        axis=1,
    )
    metrics = {"trajectories": {}}
    for row in model.stats_.itertuples(index=False):
        stage = {
            "train": {"r2": row.r2_train, "pearson_r2": row.pearson_r2_train},
            "n_motifs": int(row.n_motifs),
        }
        if test.any():
            stage["test"] = {"r2": row.r2_test, "pearson_r2": row.pearson_r2_test}
        metrics["trajectories"].setdefault(row.trajectory, {})[row.type] = stage
    metrics.update(
        method=method,
        n_train=int((~test).sum()),
        n_test=int(test.sum()),
        n_shared_motifs=len(model.motifs_),
        n_removed=len(run.data.removed),
        fit_seconds=round(seconds, 2),
    )
    return model, predictions, metrics


def write_multi_run(
    out_dir,
    model,
    run: MultiTrajectory,
    predictions: pd.DataFrame,
    metrics: dict,
    config: Mapping,
    *,
    figures: bool = True,
    overwrite: bool = False,
) -> list[Path]:
    """Write a multi-trajectory run folder as one whole.

    Files: ``model.json`` (the :class:`MultiIQModel`), ``metrics.json``, ``predictions.tsv``
    (a column per trajectory), ``config.toml``, ``data.tsv.gz`` (peaks, sequences, split and
    the dAP of each trajectory), ``removed_peaks.tsv``, ``ap.tsv`` (when computed) and with
    ``figures`` the report (``report.pdf``: motif x trajectory heatmap, R^2 before / after,
    logos of the shared motifs).

    Parameters
    ----------
    out_dir : str or Path
        The run folder (see :func:`iqmodel.trajectory.check_run_folder`).
    model : MultiIQModel
        The fitted model.
    run : MultiTrajectory
        The data it was fitted on.
    predictions : DataFrame
        As returned by :func:`fit_multi_trajectory`.
    metrics : dict
        As returned by :func:`fit_multi_trajectory` (written as JSON).
    config : mapping of str to mapping
        TOML tables for ``config.toml``.
    figures : bool, default True
        Also write ``report.pdf`` (slow).
    overwrite : bool, default False
        Replace an existing non-empty ``out_dir``.

    Returns
    -------
    list of Path
        The files written (inside ``out_dir``).

    Raises
    ------
    NotADirectoryError, FileExistsError
        See :func:`iqmodel.trajectory.check_run_folder`; raised before anything is written.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from iqmodel.datasets import make_planted_trajectories
    >>> from iqmodel.trajectory import Trajectory, split_peaks
    >>> effects = pd.DataFrame({"up": [2.5, 0.0], "down": [0.0, -2.5]})
    >>> planted = make_planted_trajectories(effects, n_seqs=300, seq_length=100,
    ...                                     random_state=0)
    >>> names = pd.Index([f"peak{i}" for i in range(300)], name="name")
    >>> dap = planted.dap.set_index(names)
    >>> data = Trajectory(pd.DataFrame(index=names), planted.sequences, dap["up"],
    ...                   split_peaks(names, random_state=0),
    ...                   pd.DataFrame(columns=["name", "reason"]), None)
    >>> run = MultiTrajectory(data, [TrajectoryPair("up", "s0", "s1"),
    ...                              TrajectoryPair("down", "s0", "s2")], dap)
    >>> params = {"motif_db": planted.truth.motifs, "distill": False, "filter": False,
    ...           "sequence_features": False, "verbose": 0, "random_state": 0}
    >>> model, predictions, metrics = fit_multi_trajectory(run, params, {})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     files = write_multi_run(Path(folder) / "run", model, run, predictions, metrics,
    ...                             {"run": {"seed": 0}}, figures=False)
    ...     table = pd.read_csv(Path(folder) / "run" / "data.tsv.gz", sep="\\t")
    >>> len(files), table.columns.tolist()
    (6, ['name', 'sequence', 'split', 'dap:up', 'dap:down'])
    """
    from iqmodel.trajectory import write_run_folder

    return write_run_folder(
        out_dir,
        lambda folder: _write_files(folder, model, run, predictions, metrics, config, figures),
        overwrite=overwrite,
    )


def _write_files(out: Path, model, run, predictions, metrics, config, figures) -> list[Path]:
    from iqmodel.config import write_toml

    written = [out / "model.json"]
    model.save(written[0])
    written.append(
        atomic_write_text(out / "metrics.json", json.dumps(json_ready(metrics), indent=2) + "\n")
    )
    written.append(write_table(predictions, out / "predictions.tsv"))
    written.append(write_toml(config, out / "config.toml"))
    data = run.data
    table = data.peaks.reset_index(drop=True).drop(columns=["name"], errors="ignore")
    table.insert(0, "name", run.dap.index)
    table["sequence"] = data.sequences
    table["split"] = data.split.to_numpy()
    for name in run.dap.columns:
        table[f"dap:{name}"] = run.dap[name].to_numpy()
    written.append(write_table(table, out / "data.tsv.gz"))
    written.append(write_table(data.removed, out / "removed_peaks.tsv"))
    if data.ap is not None:
        written.append(write_table(data.ap, out / "ap.tsv", index=True))
    if figures:
        from iqmodel.plot import multi_report

        train = [s for s, split in zip(data.sequences, data.split, strict=True) if split == "train"]
        multi_report(model, train, path=out / "report.pdf")  # detached figures when saved
        written.append(out / "report.pdf")
    return written
