"""The real data sets of the model comparison, each with one fixed train / validation / test split.

Every model of ``compare_models.py`` is fitted on the ``train`` rows of a data set and scored on
its ``test`` rows; models that early-stop (the CNNs, the Bag-of-Motifs trees) monitor the
``val`` rows, which no model fits on. Rows of one group (an element in both orientations, a
promoter and its mutants) always share a split.

Data sets (files in ``../shared/data``):

- ``mouse``: 1,000 mouse ATAC peaks (300 bp) with log2 accessibility in 5 states, each scaled
  to [0, 1] (AP); 4 trajectories dAP = AP(c2..c5) - AP(c1), as in ``bench_multi.py``. No
  coordinates: the 20 % test rows are ``bench_multi``'s seeded draw, 10 % more are validation.
- ``deepstarr``: DeepSTARR Dev and Hk enhancer activity (249 bp, dm3 chrX), rows deduplicated
  by ID and sorted by position (``bench_multi.py``): the last 20 % by position are the test
  rows, the 10 % before them the validation rows.
- ``wtc11``: WTC11 lentiMPRA activity (230 bp: 200-bp element between fixed adapters). Most
  elements were measured in both orientations, so rows are grouped by element (the element or
  its reverse complement, whichever sorts first) and whole groups are drawn: 20 % test, 10 %
  validation. The upstream fold labels are not used.
- ``yeast``: expression of 110-bp yeast promoters in complex and defined medium (2
  trajectories): the 999 original promoters and their 1-3-substitution mutants, each
  sequence's level in both media; grouped by original promoter (20 % test, 10 % validation).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from bench_multi import SHARED
from bench_multi import deepstarr as bench_deepstarr
from bench_multi import mouse as bench_mouse

from iqmodel.datasets import load_mouse_atac_example
from iqmodel.seq import reverse_complement

WTC11 = SHARED / "mpra_starr" / "lentimpra_WTC11_agarwal2025.tsv.gz"
YEAST = SHARED / "variants" / "yeast_drift_vaishnav2022.tsv.gz"
SPLIT_SEED = 0
TEST_FRACTION = 0.2
VAL_FRACTION = 0.1
WTC11_ADAPTER = 15  # bp of fixed adapter at each end of a WTC11 sequence


class Dataset(NamedTuple):
    """One data set: sequences, trajectory targets and the fixed split.

    Attributes
    ----------
    name : str
        Short name (``mouse``, ``deepstarr``, ``wtc11``, ``yeast``).
    seqs : list of str, length n
        Equal-length DNA sequences.
    targets : DataFrame of float64, shape (n, n_trajectories)
        What every model predicts, one column per trajectory (dAP or activity).
    split : ndarray of str, shape (n,)
        ``"train"``, ``"val"`` or ``"test"`` per row.
    groups : ndarray of int, shape (n,)
        Group of each row; rows of one group share a split.
    split_rule : str
        How the split was made, in words.
    states : DataFrame of float64, shape (n, n_states), optional
        Per-state activities of which the trajectories are differences (mouse AP), for models
        trained on states (ChromBPNet-like); None when the targets are the states.
    contrasts : tuple of (trajectory, state, reference)
        ``targets[trajectory] == states[state] - states[reference]``; empty without states.
    """

    name: str
    seqs: list[str]
    targets: pd.DataFrame
    split: np.ndarray
    groups: np.ndarray
    split_rule: str
    states: pd.DataFrame | None = None
    contrasts: tuple[tuple[str, str, str], ...] = ()

    def rows(self, part: str) -> np.ndarray:
        """Boolean mask of shape (n,) of the rows in ``part`` (train, val or test)."""
        if part not in ("train", "val", "test"):
            raise ValueError(f"part must be 'train', 'val' or 'test', got {part!r}")
        return self.split == part

    def state_targets(self) -> pd.DataFrame:
        """The state activities, shape (n, n_states); the targets when there are no states."""
        return self.targets if self.states is None else self.states

    def to_trajectories(self, state_values: np.ndarray) -> np.ndarray:
        """Map predicted states (n, n_states) to trajectories (n, n_trajectories)."""
        state_values = np.asarray(state_values, dtype=float)
        if self.states is None:
            return state_values
        column = {name: i for i, name in enumerate(self.states.columns)}
        return np.column_stack(
            [state_values[:, column[s]] - state_values[:, column[r]] for _, s, r in self.contrasts]
        )

    def describe(self) -> str:
        """One line: rows per split, sequence length, trajectories and the split rule."""
        counts = {part: int(self.rows(part).sum()) for part in ("train", "val", "test")}
        return (
            f"{self.name}: {len(self.seqs)} x {len(self.seqs[0])} bp "
            f"(train {counts['train']}, val {counts['val']}, test {counts['test']}); "
            f"trajectories {', '.join(self.targets.columns)}; {self.split_rule}"
        )


def split_groups(groups: np.ndarray, seed: int = SPLIT_SEED) -> np.ndarray:
    """Assign whole groups to test (20 %), validation (10 %) and train, by a seeded draw.

    Parameters
    ----------
    groups : ndarray of int, shape (n,)
        Group id of each row.
    seed : int
        Seed of the permutation of the distinct groups.

    Returns
    -------
    ndarray of str, shape (n,)
    """
    distinct = np.unique(groups)
    order = np.random.default_rng(seed).permutation(len(distinct))
    n_test = round(TEST_FRACTION * len(distinct))
    n_val = round(VAL_FRACTION * len(distinct))
    part = np.full(len(distinct), "train", dtype=object)
    part[order[:n_test]] = "test"
    part[order[n_test : n_test + n_val]] = "val"
    return part[np.searchsorted(distinct, groups)].astype(str)


def mouse() -> Dataset:
    """Mouse ATAC, 4 trajectories c1 -> c2..c5 (see the module docstring)."""
    seqs, dap, test = bench_mouse()
    accessibility = load_mouse_atac_example().accessibility
    ap = (accessibility - accessibility.min()) / (accessibility.max() - accessibility.min())
    split = np.where(test, "test", "train").astype(object)
    train_rows = np.flatnonzero(~test)
    n_val = round(VAL_FRACTION * len(test))
    val_rows = np.random.default_rng(SPLIT_SEED + 1).permutation(train_rows)[:n_val]
    split[val_rows] = "val"
    contrasts = tuple((name, name.split("->")[1], "c1") for name in dap.columns)
    return Dataset(
        "mouse",
        seqs,
        dap.reset_index(drop=True),
        split.astype(str),
        np.arange(len(seqs)),
        "no coordinates: random 20 % test (bench_multi seed 0), random 10 % validation",
        ap.reset_index(drop=True),
        contrasts,
    )


def deepstarr() -> Dataset | None:
    """DeepSTARR Dev and Hk, split by position; None when the file is absent."""
    data = bench_deepstarr()
    if data is None:
        return None
    seqs, targets, test = data
    split = np.where(test, "test", "train").astype(object)
    first_test = int(np.flatnonzero(test)[0])
    split[first_test - round(VAL_FRACTION * len(seqs)) : first_test] = "val"
    return Dataset(
        "deepstarr",
        seqs,
        targets,
        split.astype(str),
        np.arange(len(seqs)),
        "by position on dm3 chrX: last 20 % test, the 10 % before them validation",
    )


def wtc11() -> Dataset | None:
    """WTC11 lentiMPRA activity, grouped by element; None when the file is absent."""
    if not WTC11.is_file():
        print(f"wtc11 skipped: {WTC11} is not present")
        return None
    table = pd.read_csv(WTC11, sep="\t")
    elements = table["seq"].str[WTC11_ADAPTER:-WTC11_ADAPTER].str.upper().tolist()
    canonical = [min(pair) for pair in zip(elements, reverse_complement(elements), strict=True)]
    groups = pd.factorize(pd.Series(canonical))[0]
    return Dataset(
        "wtc11",
        table["seq"].tolist(),
        pd.DataFrame({"activity": table["mean_value"].astype(float)}),
        split_groups(groups),
        groups,
        "grouped by element (both orientations together): 20 % test, 10 % validation",
    )


def yeast_levels(table: pd.DataFrame) -> pd.DataFrame:
    """Expression level of every distinct promoter sequence in each medium.

    In the source table the measured levels are swapped against the sequence columns: in each
    medium ``evol_measured`` is constant over the rows of one ``original_seq`` (all 1,998
    medium x promoter groups), while ``original_measured`` differs between the mutants of one
    promoter. So the level of ``original_seq`` is ``evol_measured`` and the level of
    ``evolved_seq`` is ``original_measured`` (an error if the first no longer holds).

    Parameters
    ----------
    table : DataFrame
        ``yeast_drift_vaishnav2022.tsv.gz`` as read.

    Returns
    -------
    DataFrame
        Index: sequence; columns ``family`` (its original promoter), ``complex``,
        ``defined`` (log-scale levels; NaN where not measured).
    """
    spread = table.groupby(["medium", "original_seq"])["evol_measured"].nunique()
    if (spread > 1).any():
        raise ValueError("evol_measured varies within an original promoter; layout changed")
    parents = table[["medium", "original_seq", "original_seq", "evol_measured"]]
    mutants = table[["medium", "evolved_seq", "original_seq", "original_measured"]]
    columns = ["medium", "sequence", "family", "level"]
    levels = pd.concat(
        [parents.set_axis(columns, axis=1), mutants.set_axis(columns, axis=1)]
    ).drop_duplicates(["medium", "sequence"])
    wide = levels.pivot(index="sequence", columns="medium", values="level")
    family = levels.drop_duplicates("sequence").set_index("sequence")["family"]
    return wide.join(family)


def yeast() -> Dataset | None:
    """Yeast promoter levels in 2 media, grouped by original promoter; None when absent."""
    if not YEAST.is_file():
        print(f"yeast skipped: {YEAST} is not present")
        return None
    levels = yeast_levels(pd.read_csv(YEAST, sep="\t"))
    both = levels.dropna(subset=["complex", "defined"]).sort_index()
    print(
        f"yeast: {len(levels)} distinct sequences, {len(levels) - len(both)} without a level "
        "in both media dropped"
    )
    groups = pd.factorize(both["family"])[0]
    return Dataset(
        "yeast",
        both.index.tolist(),
        both[["complex", "defined"]].reset_index(drop=True).astype(float),
        split_groups(groups),
        groups,
        "grouped by original promoter (with its mutants): 20 % test, 10 % validation",
    )


LOADERS = {"mouse": mouse, "deepstarr": deepstarr, "wtc11": wtc11, "yeast": yeast}


def subsample(dataset: Dataset, max_rows: int, seed: int = SPLIT_SEED + 2) -> Dataset:
    """About ``max_rows`` rows: whole groups drawn at random within each split.

    Each split keeps the same fraction of its rows, so the split proportions stay.

    Parameters
    ----------
    dataset : Dataset
    max_rows : int
        Upper bound on the rows kept (all rows when the data set is smaller).
    seed : int
        Seed of the draw of groups.

    Returns
    -------
    Dataset
        The kept rows in their original order.
    """
    if len(dataset.seqs) <= max_rows:
        return dataset
    rng = np.random.default_rng(seed)
    keep = np.zeros(len(dataset.seqs), dtype=bool)
    for part in ("train", "val", "test"):
        rows = dataset.rows(part)
        budget = int(rows.sum() * max_rows / len(dataset.seqs))
        distinct = rng.permutation(np.unique(dataset.groups[rows]))
        sizes = pd.Series(dataset.groups[rows]).value_counts().reindex(distinct).to_numpy()
        chosen = distinct[: int(np.searchsorted(np.cumsum(sizes), budget, side="right"))]
        keep |= rows & np.isin(dataset.groups, chosen)
    index = np.flatnonzero(keep)
    return dataset._replace(
        seqs=[dataset.seqs[i] for i in index],
        targets=dataset.targets.iloc[index].reset_index(drop=True),
        split=dataset.split[keep],
        groups=dataset.groups[keep],
        states=None
        if dataset.states is None
        else dataset.states.iloc[index].reset_index(drop=True),
        split_rule=f"{dataset.split_rule}; {len(index)} of {len(dataset.seqs)} rows (whole groups)",
    )
