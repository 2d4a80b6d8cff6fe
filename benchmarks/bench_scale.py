"""How do the time and memory of a full ``IQModel.fit`` against the 21,862-motif IceQream
database grow with the number of peaks, and does a Dask cluster scale the screen and the
distillation?

Modes (each case runs in a fresh process, so peak RSS is its own):

- ``fit``: ``IQModel(n_motifs=30, random_state=0).fit`` on N peaks, with the wall time and the
  peak RSS of every stage (the pipeline functions ``IQModel.fit`` calls are wrapped with
  timers; RSS is sampled every 20 ms) and of the whole fit. Data: ``planted``
  (``make_planted_dataset``, 500 bp, CEBPB/FOXA2/CTCF/ETS1 planted) and ``chip`` (the 67,861
  real 100-bp ChIP-seq peaks of ``../shared/data/chip``, target 1 for CTCF and 0 for PU.1
  peaks, the first N of a seeded shuffle). The growth exponent is the slope of log(time) and
  log(peak RSS) against log(N) between consecutive sizes.
- ``screen``: the streaming database screen (``screen_database``) against the previous
  implementation (the whole normalised energy matrix, ``database_energies`` +
  ``screen_energies``) on the same planted peaks: wall time, peak RSS and their ratio; the
  candidates must be identical.
- ``dask``: ``screen_database`` and ``distill_clusters`` (PREGO on the clusters of a lasso
  selection, one Dask task per cluster) on a ``LocalCluster`` of 1 and of 2 worker processes
  (one thread each), against the local run on 2 threads: wall time and speed-up; results
  identical.

Targets (issue #14, 2-core machine): 80,000 peaks x 21,862 motifs at most 8 GB and 30 minutes;
20,000 peaks at most 3 GB; memory at most linear in peaks.

Run:  python benchmarks/bench_scale.py [--mode fit|screen|dask] [--data planted,chip]
      [--peaks 5000,20000,40000,80000] [--out out/bench_scale.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager, nullcontext
from pathlib import Path

import numpy as np
import pandas as pd

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
FULL_DB = SHARED / "tanaylab" / "iceqream_motif_db.parquet"
CHIP = SHARED / "chip" / "ctcf_spi1_chip_peaks_hg19_100bp.tsv.gz"
PLANTED = ["CEBPB", "FOXA2", "MA0139.2", "ETS1"]  # MA0139.2: CTCF
STAGES = (  # names in iqmodel.model that IQModel.fit calls, in fit order
    "screen_database",
    "select_motifs",
    "cluster_motifs",
    "distill_clusters",
    "name_distilled_motifs",
    "compute_energies",
    "fit_response_glm",
    "filter_motifs",
)
PAGE = os.sysconf("SC_PAGE_SIZE")


# ----------------------------------------------------------------------------- measuring


class RssSampler:
    """Resident set size of this process, sampled every ``interval`` seconds in a thread."""

    def __init__(self, interval: float = 0.02):
        self.interval = interval
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def rss() -> int:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * PAGE

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.perf_counter(), self.rss()))
            time.sleep(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def peak(self, start: float, stop: float) -> int:
        """Largest sample in [start, stop] (bytes)."""
        inside = [rss for t, rss in self.samples if start <= t <= stop]
        return max(inside, default=self.rss())


def peak_rss_total() -> int:
    """Peak RSS of this process so far (bytes), from the kernel."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@contextmanager
def stage_timers(module, names, record: list):
    """Wrap ``module.<name>`` so that every call appends ``(name, start, stop, result)`` to
    ``record``."""
    originals = {name: getattr(module, name) for name in names}

    def timed(name, function):
        def wrapper(*args, **kwargs):
            start, result = time.perf_counter(), None
            try:
                result = function(*args, **kwargs)
                return result
            finally:
                record.append((name, start, time.perf_counter(), result))

        return wrapper

    for name, function in originals.items():
        setattr(module, name, timed(name, function))
    try:
        yield
    finally:
        for name, function in originals.items():
            setattr(module, name, function)


# ----------------------------------------------------------------------------- data


def planted(n: int):
    from iqmodel.datasets import make_planted_dataset

    data = make_planted_dataset(n_seqs=n, seq_length=500, motifs=PLANTED, random_state=0)
    return data.sequences, data.dap


def chip(n: int):
    table = pd.read_csv(CHIP, sep="\t", usecols=["tf", "sequence"])
    if n > len(table):
        raise SystemExit(f"chip has {len(table)} peaks; asked for {n}")
    rows = np.random.default_rng(0).permutation(len(table))[:n]
    part = table.iloc[rows]
    return part["sequence"].str.upper().tolist(), (part["tf"] == "CTCF").to_numpy(dtype=float)


DATA = {"planted": planted, "chip": chip}


def database():
    from iqmodel.io import read_motifs

    return read_motifs(FULL_DB)


# ----------------------------------------------------------------------------- children


def child_fit(data: str, n: int) -> dict:
    import iqmodel.model
    from iqmodel import IQModel

    seqs, dap = DATA[data](n)
    motifs = database()
    IQModel(motif_db=motifs[:40], n_motifs=3, random_state=0).fit(seqs[:300], dap[:300])  # jit
    record: list = []
    with RssSampler() as sampler, stage_timers(iqmodel.model, STAGES, record):
        start = time.perf_counter()
        model = IQModel(motif_db=motifs, n_motifs=30, random_state=0).fit(seqs, dap)
        seconds = time.perf_counter() - start
    stages = {}
    screens = [result for name, *_, result in record if name == "screen_database"]
    for name, begin, end, _ in record:
        entry = stages.setdefault(name, {"seconds": 0.0, "calls": 0, "peak_rss_mb": 0.0})
        entry["seconds"] += end - begin
        entry["calls"] += 1
        entry["peak_rss_mb"] = max(entry["peak_rss_mb"], sampler.peak(begin, end) / 2**20)
    accounted = sum(e["seconds"] for e in stages.values())
    stages["other"] = {"seconds": seconds - accounted, "calls": 0, "peak_rss_mb": np.nan}
    return {
        "mode": "fit",
        "data": data,
        "peaks": n,
        "length": len(seqs[0]),
        "database": len(motifs),
        "seconds": seconds,
        "peak_rss_mb": peak_rss_total() / 2**20,
        "candidates": len(screens[0].candidates),
        "motifs": len(model.motifs_),
        "train_r2": model.train_r2_,
        "stages": stages,
    }


def child_screen(method: str, n: int) -> dict:
    from iqmodel.pipeline import database_energies, screen_database, screen_energies
    from iqmodel.seq import encode

    seqs, dap = planted(n)
    codes = encode(seqs)
    motifs = database()
    screen_database(codes[:200], dap[:200], motifs[:300])  # jit
    baseline = peak_rss_total()
    start = time.perf_counter()
    if method == "streaming":
        screen = screen_database(codes, dap, motifs)
    else:
        screen = screen_energies(database_energies(codes, motifs), dap)
    return {
        "mode": "screen",
        "method": method,
        "peaks": n,
        "seconds": time.perf_counter() - start,
        "peak_rss_mb": peak_rss_total() / 2**20,
        "rss_before_mb": baseline / 2**20,
        "candidates": screen.candidates.tolist(),
    }


def child_dask(workers: int, n: int) -> dict:
    import joblib

    from iqmodel.pipeline import cluster_motifs, distill_clusters, screen_database, select_motifs
    from iqmodel.seq import encode

    seqs, dap = planted(n)
    codes = encode(seqs)
    motifs = database()
    screen_database(codes[:200], dap[:200], motifs[:300])  # jit here
    if workers:
        from distributed import Client, LocalCluster

        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
        with joblib.parallel_config(backend="dask"):  # jit on the workers
            screen_database(codes[:5000], dap[:5000], motifs[:1024])
        client.run(lambda: None)

    def distribute():
        return joblib.parallel_config(backend="dask") if workers else nullcontext()

    start = time.perf_counter()
    with distribute():
        screen = screen_database(codes, dap, motifs, n_jobs=2)
    screen_seconds = time.perf_counter() - start
    # selection and clustering stay local (and untimed): the same clusters in every run
    y01 = (dap - dap.min()) / np.ptp(dap)
    selection = select_motifs(screen.energies, y01, None, random_state=np.random.default_rng(0))
    energies = screen.energies[:, selection.columns]
    selected = [motifs[screen.candidates[i]] for i in selection.columns]
    clusters = cluster_motifs(energies, selection.betas, 30)
    start = time.perf_counter()
    with distribute():
        distillation = distill_clusters(
            codes, selected, energies, selection.betas, clusters, random_state=0, n_jobs=2
        )
    distill_seconds = time.perf_counter() - start
    if workers:
        client.close()
        cluster.close()
    return {
        "mode": "dask",
        "workers": workers,
        "peaks": n,
        "seconds": screen_seconds + distill_seconds,
        "screen_seconds": screen_seconds,
        "distill_seconds": distill_seconds,
        "clusters": len(clusters),
        "checksum": float(screen.energies.sum()),
        "candidates": screen.candidates.tolist(),
        "pwms": [m.pwm.tolist() for m in distillation.motifs],
        "spatial": [m.spatial.tolist() for m in distillation.motifs],
    }


def run_child(*args) -> dict:
    """Run one case in a fresh interpreter and return its JSON result."""
    command = [sys.executable, __file__, "--child", *map(str, args)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"case {args} failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- reports


def exponents(values: pd.Series) -> list[str]:
    """Slope of log(value) against log(peaks) from each size to the next."""
    out = ["-"]
    for (n0, v0), (n1, v1) in zip(values.items(), list(values.items())[1:], strict=False):
        out.append(f"{np.log(v1 / v0) / np.log(n1 / n0):.2f}")
    return out


def report_fit(results: list[dict]) -> None:
    for data in dict.fromkeys(r["data"] for r in results):
        part = [r for r in results if r["data"] == data]
        table = pd.DataFrame(
            {
                "peaks": [r["peaks"] for r in part],
                "fit s": [r["seconds"] for r in part],
                "peak RSS MB": [r["peak_rss_mb"] for r in part],
                "candidates": [r.get("candidates", np.nan) for r in part],
                "motifs": [r["motifs"] for r in part],
                "train R^2": [r["train_r2"] for r in part],
            }
        ).set_index("peaks")
        table["time exponent"] = exponents(table["fit s"])
        table["memory exponent"] = exponents(table["peak RSS MB"])
        print(f"\n== IQModel.fit, {data} ({part[0]['length']} bp) x {part[0]['database']:,} motifs")
        print(table.to_string(float_format=lambda v: f"{v:,.3f}" if v < 1 else f"{v:,.0f}"))
        stages = pd.DataFrame(
            {
                (r["peaks"], what): {s: e[key] for s, e in r["stages"].items()}
                for r in part
                for what, key in (("s", "seconds"), ("peak MB", "peak_rss_mb"))
            }
        )
        print("per stage (wall s, peak RSS MB while it ran):")
        print(stages.to_string(float_format=lambda v: f"{v:,.1f}", na_rep="-"))


def report_screen(results: list[dict]) -> None:
    rows = []
    for n in dict.fromkeys(r["peaks"] for r in results):
        by = {r["method"]: r for r in results if r["peaks"] == n}
        new, old = by["streaming"], by["whole matrix"]
        if new["candidates"] != old["candidates"]:
            raise SystemExit(f"{n} peaks: the streaming screen chose other candidates")
        rows.append(
            {
                "peaks": n,
                "candidates": len(new["candidates"]),
                "whole-matrix s": old["seconds"],
                "streaming s": new["seconds"],
                "whole-matrix peak MB": old["peak_rss_mb"],
                "streaming peak MB": new["peak_rss_mb"],
                "memory ratio": old["peak_rss_mb"] / new["peak_rss_mb"],
            }
        )
    print("\n== database screen, streaming vs whole matrix (same candidates)")
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:,.2f}"))


def report_dask(results: list[dict]) -> None:
    local = next(r for r in results if r["workers"] == 0)
    same = ("candidates", "checksum", "pwms", "spatial")
    rows = []
    for r in results:
        if any(r[key] != local[key] for key in same):
            raise SystemExit(f"{r['workers']} workers: results differ from the local run")
        rows.append(
            {
                "run": "local, 2 threads" if r["workers"] == 0 else f"{r['workers']} workers x 1",
                "peaks": r["peaks"],
                "screen s": r["screen_seconds"],
                f"distillation s ({r['clusters']} clusters)": r["distill_seconds"],
            }
        )
    table = pd.DataFrame(rows)
    one = next((r for r in results if r["workers"] == 1), None)
    if one is not None:
        table["screen speed-up vs 1 worker"] = one["screen_seconds"] / table["screen s"]
        table["distillation speed-up vs 1 worker"] = one["distill_seconds"] / table.iloc[:, 3]
    print("\n== screen and distillation on a Dask LocalCluster (identical results)")
    print(table.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["fit", "screen", "dask"], default="fit")
    parser.add_argument("--data", default="planted,chip")
    parser.add_argument("--peaks", default="5000,20000,40000,80000")
    parser.add_argument("--out", type=Path, help="JSON file of the results")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, what, n = args.child
        function = {"fit": child_fit, "screen": child_screen, "dask": child_dask}[kind]
        print(json.dumps(function(int(what) if kind == "dask" else what, int(n))))
        return
    if not FULL_DB.is_file():
        raise SystemExit(f"{FULL_DB} is missing: the benchmark needs ../shared/data")
    sizes = [int(n) for n in args.peaks.split(",")]
    print(f"{os.cpu_count()} CPUs; {args.mode}; peaks {sizes}", flush=True)
    results = []
    for n in sizes:
        if args.mode == "fit":
            cases = [("fit", data, n) for data in args.data.split(",")]
            cases = [c for c in cases if not (c[1] == "chip" and n > 67861)]
        elif args.mode == "screen":
            cases = [("screen", method, n) for method in ("streaming", "whole matrix")]
        else:
            cases = [("dask", workers, n) for workers in (0, 1, 2)]
        for case in cases:
            results.append(run_child(*case))
            print(f"  {case}: {results[-1]['seconds']:.0f} s", flush=True)
    {"fit": report_fit, "screen": report_screen, "dask": report_dask}[args.mode](results)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
