"""How fast are the ATAC signal readers, against the obvious per-peak implementation?

Both readers are timed on synthetic data written into a temporary directory (seeded), each
next to a baseline measured in the same run on the same files and peaks; the tables give the
time per peak and the ratio baseline / iqmodel. The data are written by one worker process and
every timed reader runs in its own fresh one (all import iqmodel first), so its peak memory
(max RSS, from resource.getrusage) is measured separately; "RSS growth" is the growth of max
RSS during the timed call. getrusage carries the launcher's max RSS over exec, so that value
(printed) is a floor under every worker's; the launcher only imports numpy and pandas.

bigWig: one chromosome "chr1" of 60 Mb covered by bedGraph-like intervals of 10-40 bp with
random values (10% of them left out, i.e. bases without data), about 2.2 M intervals, written
with pyBigWig.addEntries in chunks; one state. iqmodel.io.tracks.bigwig_signal (peak and
regional sums, window 20 kb) against, per peak, ``np.nansum(bw.values(chrom, start, end,
numpy=True))`` over the peak and over the regional window (clamped to the chromosome). The
baseline is slow, so it runs on a random subsample of the peaks and its time per peak is
extrapolated to all of them (marked in the table); the sums of both are compared on that
subsample (max relative difference; the baseline's nansum accumulates in float32).

10x fragments: fragments.tsv.gz with 2 M fragments on chr1 (sorted by start, lengths 40-700
bp), barcodes of 2,000 cells in 5 states, and the barcode -> state table.
iqmodel.io.tracks.fragment_counts (streamed in chunks, window 20 kb) against loading the whole
file with pandas, mapping barcodes to states, sorting the Tn5 insertion sites (start and
end - 1) per state and counting with a Python loop over peaks, np.searchsorted per state; the
peak and regional counts must agree exactly.

Peaks: random 500-bp intervals on chr1 (default 50,000).

Run:  python benchmarks/bench_io.py [--n-peaks 50000] [--n-fragments 2000000] [--quick]
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

CHROM = "chr1"
WINDOW = 20_000
PEAK_WIDTH = 500
N_CELLS = 2_000
N_STATES = 5
WORKERS = ("setup", "bigwig-iqmodel", "bigwig-baseline", "fragments-iqmodel", "fragments-baseline")


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


# ----------------------------------------------------------------------------- synthetic data


def _write_bigwig(path: Path, chrom_length: int, rng: np.random.Generator) -> int:
    """bedGraph-like intervals of 10-40 bp over the chromosome, 10% left out; returns count."""
    import pyBigWig

    spans = rng.integers(10, 41, size=chrom_length // 10)
    ends = np.cumsum(spans)
    ends = ends[ends <= chrom_length]
    starts = ends - spans[: len(ends)]
    keep = rng.random(len(ends)) >= 0.1
    starts, ends = starts[keep], ends[keep]
    values = rng.gamma(0.5, 4.0, size=len(starts))
    bw = pyBigWig.open(str(path), "w")
    try:
        bw.addHeader([(CHROM, chrom_length)], maxZooms=10)
        chunk = 500_000
        for lo in range(0, len(starts), chunk):
            hi = min(lo + chunk, len(starts))
            bw.addEntries(
                np.full(hi - lo, CHROM),
                starts[lo:hi].astype(np.int64),
                ends=ends[lo:hi].astype(np.int64),
                values=values[lo:hi].astype(np.float64),
            )
    finally:
        bw.close()
    return len(starts)


def _write_fragments(
    path: Path, barcodes_path: Path, n_fragments: int, chrom_length: int, rng: np.random.Generator
) -> None:
    """10x-style fragments (chrom, start, end, barcode, count) sorted by start, and the
    barcode -> state table (no header)."""
    letters = np.array(list("ACGT"))
    barcodes = pd.unique(
        pd.Series(["".join(row) + "-1" for row in letters[rng.integers(0, 4, (3 * N_CELLS, 16))]])
    )[:N_CELLS]
    states = np.array([f"state{k}" for k in range(N_STATES)])[rng.integers(0, N_STATES, N_CELLS)]
    pd.DataFrame({"barcode": barcodes, "state": states}).to_csv(
        barcodes_path, sep="\t", header=False, index=False
    )
    lengths = np.clip(rng.lognormal(np.log(150), 0.6, n_fragments), 40, 700).astype(np.int64)
    starts = np.sort(rng.integers(0, chrom_length - 700, n_fragments))
    frame = pd.DataFrame(
        {
            "chrom": CHROM,
            "start": starts,
            "end": starts + lengths,
            "barcode": barcodes[rng.integers(0, N_CELLS, n_fragments)],
            "count": rng.integers(1, 4, n_fragments),
        }
    )
    with gzip.open(path, "wt", compresslevel=6) as handle:
        handle.write("# synthetic 10x fragments for benchmarks/bench_io.py\n")
        frame.to_csv(handle, sep="\t", header=False, index=False)


def _random_peaks(n_peaks: int, chrom_length: int, rng: np.random.Generator) -> pd.DataFrame:
    start = np.sort(rng.integers(0, chrom_length - PEAK_WIDTH, n_peaks))
    return pd.DataFrame(
        {
            "chrom": CHROM,
            "start": start,
            "end": start + PEAK_WIDTH,
            "name": [f"peak{i}" for i in range(n_peaks)],
        }
    )


# ----------------------------------------------------------------------------- baselines


def _bigwig_baseline(path: Path, peaks: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per peak: nansum of bw.values over the peak and over the clamped regional window."""
    import pyBigWig

    bw = pyBigWig.open(str(path))
    sizes = bw.chroms()
    peak_sum = np.empty(len(peaks))
    regional = np.empty(len(peaks))
    rows = zip(peaks["chrom"], peaks["start"], peaks["end"], strict=True)
    for i, (chrom, start, end) in enumerate(rows):
        lo = max(start - WINDOW // 2, 0)
        hi = min(end + WINDOW // 2, sizes[chrom])
        peak_sum[i] = np.nansum(bw.values(chrom, int(start), int(end), numpy=True))
        regional[i] = np.nansum(bw.values(chrom, int(lo), int(hi), numpy=True))
    bw.close()
    return peak_sum, regional


def _fragments_baseline(
    path: Path, barcodes_path: Path, peaks: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, float]:
    """Whole file in pandas, sorted insertion sites per state, a Python loop over peaks."""
    t0 = time.perf_counter()
    frame = pd.read_csv(
        path,
        sep="\t",
        header=None,
        comment="#",
        names=["chrom", "start", "end", "barcode", "count"],
    )
    table = pd.read_csv(barcodes_path, sep="\t", header=None, names=["barcode", "state"])
    states = list(pd.unique(table["state"]))
    frame["state"] = frame["barcode"].map(dict(zip(table["barcode"], table["state"], strict=True)))
    sites: dict[tuple[str, str], np.ndarray] = {}
    for (chrom, state), group in frame.groupby(["chrom", "state"], sort=False):
        both = np.concatenate([group["start"].to_numpy(), group["end"].to_numpy() - 1])
        sites[(chrom, state)] = np.sort(both)
    load = time.perf_counter() - t0
    empty = np.empty(0, dtype=np.int64)
    peak_counts = np.zeros((len(peaks), len(states)))
    regional = np.zeros((len(peaks), len(states)))
    rows = zip(peaks["chrom"], peaks["start"], peaks["end"], strict=True)
    for i, (chrom, start, end) in enumerate(rows):
        edges = [start, end, max(start - WINDOW // 2, 0), end + WINDOW // 2]
        for j, state in enumerate(states):
            at = np.searchsorted(sites.get((chrom, state), empty), edges, side="left")
            peak_counts[i, j] = at[1] - at[0]
            regional[i, j] = at[3] - at[2]
    return peak_counts, regional, load


# ----------------------------------------------------------------------------- workers


def _worker(kind: str, workdir: Path) -> None:
    """Time one reader in this (fresh) process; save its results, print a JSON record."""
    if kind == "setup":
        _setup(workdir)
        return
    from iqmodel.io.tracks import bigwig_signal, fragment_counts

    peaks = pd.read_csv(workdir / "peaks.tsv", sep="\t")
    sub = np.load(workdir / "subsample.npy")
    if kind == "bigwig-baseline":
        peaks = peaks.iloc[sub].reset_index(drop=True)
    rss_before = _max_rss_mb()
    record: dict = {"kind": kind, "peaks_timed": len(peaks)}
    start = time.perf_counter()
    if kind == "bigwig-iqmodel":
        signal = bigwig_signal({"s": workdir / "signal.bw"}, peaks, window=WINDOW)
        wall = time.perf_counter() - start
        result = [signal.peak.to_numpy()[sub, 0], signal.regional.to_numpy()[sub, 0]]
    elif kind == "bigwig-baseline":
        result = list(_bigwig_baseline(workdir / "signal.bw", peaks))
        wall = time.perf_counter() - start
    elif kind == "fragments-iqmodel":
        signal = fragment_counts(
            workdir / "fragments.tsv.gz", workdir / "barcodes.tsv", peaks, window=WINDOW
        )
        wall = time.perf_counter() - start
        states = [f"state{k}" for k in range(N_STATES)]
        result = [signal.peak[states].to_numpy(), signal.regional[states].to_numpy()]
        record["n_fragments_read"] = signal.stats["n_fragments"]
    else:
        peak_counts, regional, load = _fragments_baseline(
            workdir / "fragments.tsv.gz", workdir / "barcodes.tsv", peaks
        )
        wall = time.perf_counter() - start
        table = pd.read_csv(workdir / "barcodes.tsv", sep="\t", header=None)
        order = [list(pd.unique(table[1])).index(f"state{k}") for k in range(N_STATES)]
        result = [peak_counts[:, order], regional[:, order]]
        record["load_s"] = load
    np.savez(workdir / f"{kind}.npz", peak=result[0], regional=result[1])
    record.update(
        wall_s=wall,
        peak_rss_mb=_max_rss_mb(),
        rss_growth_mb=_max_rss_mb() - rss_before,
    )
    print(json.dumps(record))


def _run_worker(kind: str, workdir: Path) -> dict | None:
    result = subprocess.run(
        [sys.executable, __file__, "--worker", kind, "--dir", str(workdir)],
        capture_output=True,
        text=True,
    )
    if result.returncode:
        sys.exit(f"worker {kind} failed:\n{result.stderr}")
    lines = result.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else None


# ----------------------------------------------------------------------------- report


def _markdown(rows: list[dict]) -> str:
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(row[key]) for key in header) + " |" for row in rows]
    return "\n".join(lines)


def _row(reader: str, record: dict, n_peaks: int, base_per_peak: float, note: str) -> dict:
    per_peak = record["wall_s"] / record["peaks_timed"]
    return {
        "reader": reader,
        "peaks timed": f"{record['peaks_timed']:,}",
        "wall s (timed)": f"{record['wall_s']:.2f}",
        f"wall s for {n_peaks:,} peaks": f"{per_peak * n_peaks:.2f}{note}",
        "us / peak": f"{per_peak * 1e6:.1f}",
        "speed-up vs baseline": f"{base_per_peak / per_peak:.1f}x",
        "peak RSS MB": f"{record['peak_rss_mb']:.0f}",
        "RSS growth in call MB": f"{record['rss_growth_mb']:.0f}",
    }


def _max_relative(a: np.ndarray, b: np.ndarray) -> float:
    scale = np.maximum(np.abs(b), 1e-12)
    return float(np.max(np.abs(a - b) / scale)) if len(a) else 0.0


def _setup(workdir: Path) -> None:
    """Write the synthetic bigWig, fragments, barcode table and peaks (run in a worker, so
    the launching process never holds them and its RSS stays small)."""
    config = json.loads((workdir / "config.json").read_text())
    rng = np.random.default_rng(config["seed"])
    t0 = time.perf_counter()
    chrom_length = config["chrom_length"]
    n_intervals = _write_bigwig(workdir / "signal.bw", chrom_length, rng)
    _write_fragments(
        workdir / "fragments.tsv.gz",
        workdir / "barcodes.tsv",
        config["n_fragments"],
        chrom_length,
        rng,
    )
    n_peaks = config["n_peaks"]
    _random_peaks(n_peaks, chrom_length, rng).to_csv(workdir / "peaks.tsv", sep="\t", index=False)
    sub = np.sort(rng.choice(n_peaks, config["n_baseline"], replace=False))
    np.save(workdir / "subsample.npy", sub)
    config.update(n_intervals=n_intervals, setup_s=time.perf_counter() - t0)
    (workdir / "config.json").write_text(json.dumps(config))


def run(n_peaks: int, n_fragments: int, n_baseline: int, chrom_length: int, seed: int) -> None:
    n_baseline = min(n_baseline, n_peaks)
    with tempfile.TemporaryDirectory(prefix="bench_io_") as tmp:
        workdir = Path(tmp)
        config = {
            "seed": seed,
            "chrom_length": chrom_length,
            "n_fragments": n_fragments,
            "n_peaks": n_peaks,
            "n_baseline": n_baseline,
        }
        (workdir / "config.json").write_text(json.dumps(config))
        _run_worker("setup", workdir)
        config = json.loads((workdir / "config.json").read_text())
        launcher_rss = _max_rss_mb()
        timed = WORKERS[1:]
        records = {kind: _run_worker(kind, workdir) for kind in timed}
        results = {kind: dict(np.load(workdir / f"{kind}.npz")) for kind in timed}
        size_bw = (workdir / "signal.bw").stat().st_size / 2**20
        size_frag = (workdir / "fragments.tsv.gz").stat().st_size / 2**20
    n_intervals, setup = config["n_intervals"], config["setup_s"]

    print(
        f"synthetic data written in {setup:.1f} s (seed {seed}); {n_peaks:,} random "
        f"{PEAK_WIDTH}-bp peaks on {CHROM} ({chrom_length / 1e6:g} Mb), window {WINDOW:,} bp; "
        "each reader in a fresh process"
    )
    print(
        f"max RSS of the launching process: {launcher_rss:.0f} MB (getrusage carries it over "
        "exec, so it is a floor under every worker's peak RSS)"
    )

    base = records["bigwig-baseline"]
    base_per_peak = base["wall_s"] / base["peaks_timed"]
    print(
        f"\n== bigWig: {n_intervals:,} intervals ({size_bw:.1f} MB), one state, "
        "peak + regional sums"
    )
    print(
        _markdown(
            [
                _row(
                    "iqmodel bigwig_signal", records["bigwig-iqmodel"], n_peaks, base_per_peak, ""
                ),
                _row(
                    "baseline: per-peak bw.values + np.nansum (x2)",
                    base,
                    n_peaks,
                    base_per_peak,
                    " (extrapolated)" if base["peaks_timed"] < n_peaks else "",
                ),
            ]
        )
    )
    ours, theirs = results["bigwig-iqmodel"], results["bigwig-baseline"]
    print(
        f"agreement on the {n_baseline:,} baseline peaks: max relative difference "
        f"{_max_relative(ours['peak'], theirs['peak']):.1e} (peak sums), "
        f"{_max_relative(ours['regional'], theirs['regional']):.1e} (regional sums)"
    )

    base = records["fragments-baseline"]
    base_per_peak = base["wall_s"] / base["peaks_timed"]
    print(
        f"\n== 10x fragments: {n_fragments:,} fragments ({size_frag:.1f} MB gzipped), "
        f"{N_CELLS:,} cells in {N_STATES} states, peak + regional insertion counts"
    )
    print(
        _markdown(
            [
                _row(
                    "iqmodel fragment_counts",
                    records["fragments-iqmodel"],
                    n_peaks,
                    base_per_peak,
                    "",
                ),
                _row(
                    "baseline: pandas load + per-peak searchsorted",
                    base,
                    n_peaks,
                    base_per_peak,
                    "",
                ),
            ]
        )
    )
    print(
        f"baseline split: {base['load_s']:.2f} s loading/sorting the whole file, "
        f"{base['wall_s'] - base['load_s']:.2f} s in the loop over peaks"
    )
    ours, theirs = results["fragments-iqmodel"], results["fragments-baseline"]
    same_peak = np.array_equal(ours["peak"], theirs["peak"])
    same_regional = np.array_equal(ours["regional"], theirs["regional"])
    print(
        f"agreement on all {n_peaks:,} peaks x {N_STATES} states: peak counts "
        f"{'identical' if same_peak else 'DIFFER'}, regional counts "
        f"{'identical' if same_regional else 'DIFFER'} "
        f"({int(ours['peak'].sum()):,} insertions in peaks)"
    )
    if not (same_peak and same_regional):
        raise SystemExit("fragment counts disagree with the baseline")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-peaks", type=int, help="random 500-bp peaks (default 50,000)")
    parser.add_argument(
        "--n-fragments", type=int, help="fragments in the 10x file (default 2,000,000)"
    )
    parser.add_argument(
        "--n-baseline",
        type=int,
        help="peaks the bigWig baseline is timed on, then extrapolated (default 2,000)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 6 Mb chromosome, 2,000 peaks, 100,000 fragments, 500 baseline peaks",
    )
    parser.add_argument("--worker", choices=WORKERS, help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args.worker, args.dir)
        return
    small = (2_000, 100_000, 500, 6_000_000)
    full = (50_000, 2_000_000, 2_000, 60_000_000)
    n_peaks, n_fragments, n_baseline, chrom_length = small if args.quick else full
    run(
        n_peaks=args.n_peaks or n_peaks,
        n_fragments=args.n_fragments or n_fragments,
        n_baseline=args.n_baseline or n_baseline,
        chrom_length=chrom_length,
        seed=args.seed,
    )


if __name__ == "__main__":
    main()
