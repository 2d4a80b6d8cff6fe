"""Does the full IQ model predict held-out accessibility better than its ablations, and how long
does a fit take at the R reference's scale?

Mode "accuracy": every model is fitted on 80% of the peaks and scored on the other 20%, with the
coefficient of determination (sklearn ``r2_score``) and the squared Pearson correlation (the
number IceQream papers quote), plus the fit wall time. Data sets:

1. planted: ``make_planted_dataset`` (3,000 x 300 bp; CEBPB, FOXA2, CTCF, ETS1; a FOXA2 x ETS1
   interaction; seed 1), random 80/20 split; the oracle (noiseless truth) R^2 on the test rows
   is the ceiling.
2. mouse ATAC (``load_mouse_atac_example``, 1,000 peaks): each state's log2 accessibility is
   min-max scaled to [0, 1] (AP-like), dAP = AP(c3) - AP(c1) and AP(c5) - AP(c1); random 80/20
   split (seed 0).
3. DeepSTARR developmental enhancer activity (``Dev_log2_enrichment`` of 249-bp dm3 chrX
   sequences): rows deduplicated by ``ID``, sorted by chromosome and start, the last 20% are the
   test set (split by position, so overlapping fragments do not leak).

Rows: IQ (default: distilled motifs, response functions, lasso penalty chosen by
cross-validation, no interactions), IQ + interactions,
database motifs + linear GLM (``distill=False, response_bases=False``), IQ motifs + linear GLM
(``response_bases=False``), IQ max energies (``energy_mode="max"``) and XGBoost on IQ features
(``XGBoostIQModel`` on the default IQ model's motifs; its fit time adds the trees to that IQ fit),
and IQ with the R reference's fixed penalty 1e-5 (``glm_lambda=1e-5``).
``n_motifs=30`` (planted: 8), ``random_state=0``. A model that fails is reported in its row (and
the traceback on stderr); the run goes on.

Mode "speed", each case in a fresh process (wall time, peak RSS):

a. 2,000 real mouse peaks x the 311 HOMER motifs, end to end. Peaks: the 1,000 example peaks
   (target AP(c3) - AP(c1) as above) and 1,000 of the 2,359 clustered peaks not in the example set
   (seeded draw; target (cluster == c29) - (cluster == c5), scaled to the standard deviation of
   the example target). Target <= 40 s on 2 cores. R reference: ~7 min for a 2,000-peak x
   311-motif trajectory (84 s energies + ~340 s regression).
b. 5,000 peaks x the full 21,862-motif IceQream database: the 3,359 real peaks (all example and
   clustered peaks, targets as in a) and the reverse complements of the first 1,641 of them with
   the same targets. Target <= 10 minutes.

Both print the time of the database energy screen alone, measured separately, next to the fit,
and the fit of a small warm-up model that compiles the numba kernels first.

Run:  python benchmarks/bench_iqmodel.py [--mode accuracy|speed|all]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn.metrics import r2_score

from iqmodel.ablations import XGBoostIQModel
from iqmodel.datasets import load_mouse_atac_example, make_planted_dataset
from iqmodel.energy import compute_energies
from iqmodel.io import read_motifs
from iqmodel.model import IQModel
from iqmodel.seq import reverse_complement

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
TANAYLAB = SHARED / "tanaylab"
CLUSTER_PEAKS = TANAYLAB / "prego_cluster_sequences_example.tsv.gz"
HOMER_MOTIFS = TANAYLAB / "prego_HOMER_motifs.meme.gz"
FULL_DB = TANAYLAB / "iceqream_motif_db.parquet"
DEEPSTARR = SHARED / "mpra_starr" / "deepstarr_sample_3000_dm3chrX.tsv.gz"

SEED = 0
BASELINE = "database motifs + linear GLM"
DEFAULT = "IQ (default)"
XGBOOST = "XGBoost on IQ features"
VARIANTS = (
    (DEFAULT, {}),
    ("IQ + interactions", {"interactions": True}),
    (BASELINE, {"distill": False, "response_bases": False}),
    ("IQ motifs + linear GLM", {"response_bases": False}),
    ("IQ max energies", {"energy_mode": "max"}),
    ("IQ, reference penalty 1e-5", {"glm_lambda": 1e-5}),
)
R_REFERENCE = "R reference, 2,000 peaks x 311 motifs: ~7 min (84 s energies + ~340 s regression)"


class Split(NamedTuple):
    """One benchmark data set, split into training and test rows."""

    name: str
    train_seqs: list[str]
    train_y: np.ndarray
    test_seqs: list[str]
    test_y: np.ndarray
    n_motifs: int
    oracle_r2: float | None = None


# ----------------------------------------------------------------------------- data


def _split(name: str, seqs, y, test: np.ndarray, n_motifs: int, oracle=None) -> Split:
    """Split ``seqs`` and ``y`` by the boolean ``test`` mask."""
    seqs = np.asarray(seqs, dtype=object)
    y = np.asarray(y, dtype=float)
    return Split(
        name,
        seqs[~test].tolist(),
        y[~test],
        seqs[test].tolist(),
        y[test],
        n_motifs,
        oracle,
    )


def _random_test_mask(n: int, fraction: float = 0.2) -> np.ndarray:
    test = np.zeros(n, dtype=bool)
    test[np.random.default_rng(SEED).permutation(n)[: round(fraction * n)]] = True
    return test


def planted_split() -> Split:
    data = make_planted_dataset(
        n_seqs=3000,
        seq_length=300,
        motifs=["CEBPB", "FOXA2", "MA0139.2", "ETS1"],
        interactions=[("MA0047.4", "MA0098.4", 2.0)],
        random_state=1,
    )
    test = _random_test_mask(len(data.dap))
    oracle = r2_score(data.dap[test], data.truth.dap_noiseless[test])
    return _split("planted (3,000 x 300 bp)", data.sequences, data.dap, test, 8, oracle)


def mouse_dap(accessibility: pd.DataFrame, state: str, reference: str = "c1") -> np.ndarray:
    """AP(state) - AP(reference), each state's log2 accessibility min-max scaled to [0, 1]."""
    values = accessibility[[state, reference]]
    ap = (values - values.min()) / (values.max() - values.min())
    return (ap[state] - ap[reference]).to_numpy()


def mouse_splits() -> list[Split]:
    example = load_mouse_atac_example()
    test = _random_test_mask(len(example.sequences))
    return [
        _split(
            f"mouse ATAC dAP {state} - c1",
            example.sequences,
            mouse_dap(example.accessibility, state),
            test,
            30,
        )
        for state in ("c3", "c5")
    ]


def deepstarr_split() -> Split | None:
    if not DEEPSTARR.is_file():
        print(f"DeepSTARR skipped: {DEEPSTARR} is not present")
        return None
    table = pd.read_csv(DEEPSTARR, sep="\t")
    n_rows = len(table)
    table = table.drop_duplicates("ID").sort_values(["seqnames", "start"], kind="stable")
    print(f"DeepSTARR: {n_rows} rows, {len(table)} after deduplication by ID")
    test = np.zeros(len(table), dtype=bool)
    test[round(0.8 * len(table)) :] = True  # the last 20% by position
    return _split(
        "DeepSTARR Dev (249 bp, split by position)",
        table["Sequence"],
        table["Dev_log2_enrichment"],
        test,
        30,
    )


# ----------------------------------------------------------------------------- accuracy


def _pearson_r2(y: np.ndarray, prediction: np.ndarray) -> float:
    if np.ptp(prediction) == 0:
        return float("nan")
    return float(np.corrcoef(y, prediction)[0, 1] ** 2)


def _run(label: str, fit: Callable[[], object], split: Split, extra_seconds: float = 0.0):
    """Fit with ``fit()``, score on the test rows; returns (table row, fitted model or None)."""
    row = {"model": label}
    start = time.perf_counter()
    try:
        model = fit()
        seconds = time.perf_counter() - start + extra_seconds
        prediction = model.predict(split.test_seqs)
    except Exception as error:  # a failing model is reported in its row; the run goes on
        print(f"--- {split.name}: {label} failed", file=sys.stderr)
        traceback.print_exc()
        row["note"] = f"failed: {type(error).__name__}: {error}"[:90]
        return row, None
    iq = getattr(model, "iqmodel_", model)
    row.update(
        {
            "test R^2": r2_score(split.test_y, prediction),
            "test Pearson r^2": _pearson_r2(split.test_y, prediction),
            "train R^2": model.train_r2_,
            "motifs": len(iq.motifs_),
            "fit s": seconds,
            "note": "",
        }
    )
    return row, model


def _xgboost_row(split: Split, default: IQModel | None, default_seconds: float) -> dict:
    if importlib.util.find_spec("xgboost") is None:
        return {"model": XGBOOST, "note": "skipped: pip install 'iqmodel[xgboost]'"}
    if default is None:
        return {"model": XGBOOST, "note": f"skipped: {DEFAULT} failed"}
    model = XGBoostIQModel(iqmodel=default, prefit=True, random_state=SEED)
    row, _ = _run(
        XGBOOST,
        lambda: model.fit(split.train_seqs, split.train_y),
        split,
        extra_seconds=default_seconds,
    )
    row["note"] = row["note"] or "IQ (default) motifs; fit s includes that fit"
    return row


def accuracy_table(split: Split) -> pd.DataFrame:
    """One row per model variant, fitted on the training rows of ``split``."""
    rows, default, default_seconds = [], None, 0.0
    for label, params in VARIANTS:
        model = IQModel(n_motifs=split.n_motifs, random_state=SEED, verbose=0, **params)
        row, fitted = _run(label, lambda m=model: m.fit(split.train_seqs, split.train_y), split)
        rows.append(row)
        if label == DEFAULT:
            default, default_seconds = fitted, row.get("fit s", 0.0)
    rows.append(_xgboost_row(split, default, default_seconds))
    table = pd.DataFrame(rows)
    if "motifs" in table:
        table["motifs"] = table["motifs"].astype("Int64")
    return table


def _print_table(split: Split, table: pd.DataFrame) -> None:
    print(
        f"\n== {split.name}: {len(split.train_y)} train / {len(split.test_y)} test peaks, "
        f"n_motifs={split.n_motifs}"
    )
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}", na_rep="-"))
    if split.oracle_r2 is not None:
        print(f"oracle R^2 on the test rows (noiseless truth): {split.oracle_r2:.3f}")


def _verdict(split: Split, table: pd.DataFrame) -> str:
    scores = table.set_index("model").reindex(columns=["test R^2", "test Pearson r^2"])
    iq, base = scores.loc[DEFAULT], scores.loc[BASELINE]
    if iq.isna().any() or base.isna().any():
        return f"{split.name}: cannot compare ({DEFAULT} or {BASELINE} failed)"
    r2 = iq["test R^2"] > base["test R^2"]
    pearson = iq["test Pearson r^2"] > base["test Pearson r^2"]
    return (
        f"{split.name}: IQ beats {BASELINE}? R^2 {'yes' if r2 else 'NO'} "
        f"({iq['test R^2']:.4f} vs {base['test R^2']:.4f}), Pearson r^2 "
        f"{'yes' if pearson else 'NO'} ({iq['test Pearson r^2']:.4f} vs "
        f"{base['test Pearson r^2']:.4f})"
    )


def accuracy() -> None:
    splits = [planted_split(), *mouse_splits(), deepstarr_split()]
    verdicts = []
    for split in splits:
        if split is None:
            continue
        table = accuracy_table(split)
        _print_table(split, table)
        if not split.name.startswith("planted"):
            verdicts.append(_verdict(split, table))
    print("\n== IQ vs database motifs + linear GLM on the real sets (held-out)")
    print("\n".join(verdicts))


# ----------------------------------------------------------------------------- speed


def _example_peaks() -> tuple[list[str], np.ndarray]:
    example = load_mouse_atac_example()
    return example.sequences, mouse_dap(example.accessibility, "c3")


def _cluster_peaks(scale_like: np.ndarray, exclude: list[str], n: int | None):
    """Clustered peaks (``n`` drawn with the seed, or all) and their scaled c29-vs-c5 target."""
    table = pd.read_csv(CLUSTER_PEAKS, sep="\t")
    if n is not None:
        table = table[~table["sequence"].isin(set(exclude))]
        table = table.iloc[np.sort(np.random.default_rng(SEED).permutation(len(table))[:n])]
    target = (table["cluster"] == "c29").astype(float) - (table["cluster"] == "c5")
    target = target.to_numpy() * np.std(scale_like) / np.std(target)
    return table["sequence"].tolist(), target


def speed_peaks(n_peaks: int) -> tuple[list[str], np.ndarray]:
    """Real peaks and targets of the speed cases (see the module docstring)."""
    seqs, dap = _example_peaks()
    if n_peaks <= 2000:
        more, target = _cluster_peaks(dap, seqs, n_peaks - len(seqs))
        return seqs + more, np.concatenate([dap, target])
    more, target = _cluster_peaks(dap, seqs, None)
    seqs, dap = seqs + more, np.concatenate([dap, target])
    fill = n_peaks - len(seqs)
    return seqs + reverse_complement(seqs[:fill]), np.concatenate([dap, dap[:fill]])


def _speed_worker(case: str) -> None:
    n_peaks, path = {"homer": (2000, HOMER_MOTIFS), "full-db": (5000, FULL_DB)}[case]
    motifs = read_motifs(path)
    seqs, dap = speed_peaks(n_peaks)
    start = time.perf_counter()
    IQModel(motif_db=motifs[:20], n_motifs=2, random_state=SEED, verbose=0).fit(
        seqs[:300], dap[:300]
    )
    warm_up = time.perf_counter() - start
    start = time.perf_counter()
    model = IQModel(motif_db=motifs, n_motifs=30, random_state=SEED, verbose=0).fit(seqs, dap)
    fit = time.perf_counter() - start
    start = time.perf_counter()
    compute_energies(seqs, motifs)
    energies = time.perf_counter() - start
    result = {
        "case": f"{len(seqs):,} peaks x {len(motifs):,} motifs",
        "warm-up s": round(warm_up, 1),
        "fit s": round(fit, 1),
        "DB energies alone s": round(energies, 1),
        "motifs kept": len(model.motifs_),
        "train R^2": round(model.train_r2_, 3),
        "peak RSS MB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    print(json.dumps(result))


def speed() -> None:
    if not TANAYLAB.is_dir():
        print(f"speed mode needs the real data in {TANAYLAB}")
        return
    rows = []
    for case, target in (("homer", "<= 40 s"), ("full-db", "<= 600 s")):
        result = subprocess.run(
            [sys.executable, __file__, "--worker", case], capture_output=True, text=True
        )
        if result.returncode != 0:
            print(f"--- speed case {case} failed:\n{result.stderr}", file=sys.stderr)
            rows.append({"case": case, "note": f"failed (exit {result.returncode})"})
            continue
        rows.append({**json.loads(result.stdout.strip().splitlines()[-1]), "target": target})
    print(f"\n== speed: IQModel.fit end to end, n_motifs=30, {os.cpu_count()} CPUs, fresh process")
    print(pd.DataFrame(rows).to_string(index=False))
    print(R_REFERENCE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["accuracy", "speed", "all"], default="accuracy")
    parser.add_argument("--worker", choices=["homer", "full-db"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _speed_worker(args.worker)
        return
    print(f"{os.cpu_count()} CPUs; random_state={SEED}")
    if args.mode in ("accuracy", "all"):
        accuracy()
    if args.mode in ("speed", "all"):
        speed()


if __name__ == "__main__":
    main()
