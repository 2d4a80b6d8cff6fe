"""How fast is the energy engine, and does its memory stay bounded on the full database?

Mode "throughput" (default): 10,000 random 500-bp sequences (42% GC) x 100 JASPAR 2024 motifs.
Prints (sequence, motif) pairs per CPU-second of iqmodel's engine on 1 and 2 threads, the
1 -> 2 thread speed-up, and the ratio to a plain float64 log-space numba kernel (the textbook
per-window sum of log-probabilities, exp, sum) measured in the same run on the same motifs.
Targets (issue #2): >= 1.0 M pairs per CPU-second on one thread, >= 1.8x from 1 to 2 threads.

Mode "full-db": the 21,862-motif IceQream database over 5,000 real 300-bp mouse ATAC peaks
(the 3,359 bundled/shared peaks and reverse complements to fill up), and the 1,615 SCENIC
cluster representatives for comparison; each run in its own process so peak memory (max RSS)
is measured separately. Memory should be the output matrix plus a constant.

Run:  python benchmarks/bench_energy.py [--mode throughput|full-db|all]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numba as nb
import numpy as np
import pandas as pd

from iqmodel import seq
from iqmodel._parallel import thread_limit
from iqmodel.energy import compute_energies
from iqmodel.io import load_motif_db, read_motifs

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


@nb.njit(parallel=True)
def _plain_kernel(codes, log_p, log_rc, lengths, offsets, out):
    """Baseline: per window, sum of log-probabilities on both strands, then log-sum-exp."""
    n_seqs, seq_length = codes.shape
    for s in nb.prange(n_seqs):
        for m in range(len(lengths)):
            length = lengths[m]
            row0 = offsets[m]
            n_windows = seq_length - length + 1
            best = -np.inf
            scores = np.empty(2 * n_windows)
            for i in range(n_windows):
                forward = 0.0
                reverse = 0.0
                for k in range(length):
                    forward += log_p[row0 + k, codes[s, i + k]]
                    reverse += log_rc[row0 + k, codes[s, i + k]]
                scores[2 * i] = forward
                scores[2 * i + 1] = reverse
                best = max(best, forward, reverse)
            total = 0.0
            for t in range(2 * n_windows):
                total += np.exp(scores[t] - best)
            out[s, m] = best + np.log(total)


def _plain_energies(codes: np.ndarray, motifs, *, n_jobs: int) -> np.ndarray:
    log_p = np.concatenate([m.log_probs(0.01) for m in motifs])
    log_rc = np.concatenate([m.reverse_complement().log_probs(0.01) for m in motifs])
    lengths = np.array([m.length for m in motifs], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    out = np.empty((len(codes), len(motifs)))
    with thread_limit(n_jobs):
        _plain_kernel(codes, log_p, log_rc, lengths, offsets, out)
    return out


def _timed(function, codes, motifs, *, n_jobs: int):
    """Run ``function(codes, motifs, n_jobs=...)`` once to compile, then time it."""
    function(codes[:8], motifs, n_jobs=n_jobs)
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(codes, motifs, n_jobs=n_jobs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def throughput() -> None:
    rng = np.random.default_rng(0)
    codes = rng.choice(4, size=(10_000, 500), p=[0.29, 0.21, 0.21, 0.29]).astype(np.int8)
    motifs = load_motif_db("jaspar2024")[:100]
    pairs = codes.shape[0] * len(motifs)
    rows = []
    one, wall1, cpu1 = _timed(compute_energies, codes, motifs, n_jobs=1)
    two, wall2, cpu2 = _timed(compute_energies, codes, motifs, n_jobs=2)
    baseline_codes = codes[:1000]  # the baseline is slow: time it on a tenth of the sequences
    base, wall_b, cpu_b = _timed(_plain_energies, baseline_codes, motifs, n_jobs=1)
    base_rate = baseline_codes.shape[0] * len(motifs) / cpu_b
    assert np.array_equal(one, two), "thread count changed the results"
    max_diff = float(np.abs(one[:1000] - base).max())
    for label, wall, cpu, n in [
        ("iqmodel, 1 thread", wall1, cpu1, pairs),
        ("iqmodel, 2 threads", wall2, cpu2, pairs),
        ("plain float64 kernel, 1 thread", wall_b, cpu_b, baseline_codes.shape[0] * len(motifs)),
    ]:
        rows.append(
            {
                "engine": label,
                "pairs": n,
                "wall_s": round(wall, 3),
                "cpu_s": round(cpu, 3),
                "M_pairs_per_cpu_s": round(n / cpu / 1e6, 3),
                "M_pairs_per_wall_s": round(n / wall / 1e6, 3),
                "ratio_to_plain": round(n / cpu / base_rate, 1),
            }
        )
    print(
        "== throughput: 10,000 x 500 bp x 100 JASPAR motifs (mean length "
        f"{np.mean([m.length for m in motifs]):.1f} bp)"
    )
    print(pd.DataFrame(rows).to_string(index=False))
    print(f"speed-up 1 -> 2 threads (wall): {wall1 / wall2:.2f}x   (target >= 1.8x)")
    print(f"1-thread rate: {pairs / cpu1 / 1e6:.2f} M pairs per CPU-second (target >= 1.0)")
    print(f"max |iqmodel - plain| = {max_diff:.2e} nats")


def _real_peaks(n: int) -> list[str]:
    clusters = pd.read_csv(SHARED / "tanaylab" / "prego_cluster_sequences_example.tsv.gz", sep="\t")
    example = pd.read_csv(SHARED / "tanaylab" / "prego_sequences_example.tsv.gz", sep="\t")
    peaks = clusters["sequence"].tolist() + example["sequence"].tolist()
    peaks += seq.reverse_complement(peaks)
    return peaks[:n]


def _full_db_worker(database: str, n_peaks: int) -> None:
    if database == "iceqream":
        motifs = read_motifs(SHARED / "tanaylab" / "iceqream_motif_db.parquet")
    else:
        motifs = read_motifs(SHARED / "tanaylab" / "iceqream_motif_db_scenic_clusters.tsv.gz")
    peaks = _real_peaks(n_peaks)
    compute_energies(peaks[:4], motifs[:4])  # compile outside the timing
    start = time.perf_counter()
    energies = compute_energies(peaks, motifs, progress=False)
    wall = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "database": database,
                "motifs": len(motifs),
                "peaks": len(peaks),
                "wall_s": round(wall, 1),
                "M_pairs_per_wall_s": round(energies.size / wall / 1e6, 2),
                "output_MB": round(energies.nbytes / 2**20),
                "peak_RSS_MB": round(peak_mb),
                "RSS_minus_output_MB": round(peak_mb - energies.nbytes / 2**20),
                "finite": bool(np.isfinite(energies).all()),
            }
        )
    )


def full_db() -> None:
    if not SHARED.is_dir():
        print(f"full-db mode needs the real data in {SHARED}")
        return
    rows = []
    for database in ("scenic-clusters", "iceqream"):
        result = subprocess.run(
            [sys.executable, __file__, "--worker", database, "--peaks", "5000"],
            check=True,
            capture_output=True,
            text=True,
        )
        rows.append(json.loads(result.stdout.strip().splitlines()[-1]))
    print("== full database screen: 5,000 real 300-bp peaks, 2 threads")
    print(pd.DataFrame(rows).to_string(index=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["throughput", "full-db", "all"], default="throughput")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--peaks", type=int, default=5000, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _full_db_worker(args.worker, args.peaks)
        return
    if args.mode in ("throughput", "all"):
        throughput()
    if args.mode in ("full-db", "all"):
        full_db()


if __name__ == "__main__":
    main()
