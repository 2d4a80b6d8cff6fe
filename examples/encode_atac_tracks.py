"""From real ATAC files to access probabilities: ENCODE mouse chr19 peaks and bigWig tracks.

Reads the replicated narrowPeaks and the two signal bigWigs of the ENCODE ATAC test sample
(mm10 chr19, in ``../shared/data/encode_atac_test``), centres and resizes the peaks to 500 bp,
sums each track over every peak and over its +-10 kb regional window, and runs the AP
normalisation of the IceQream paper (regional background, constitutive peaks, probability
scale). It prints what each step did, the dAP between the two tracks, and the paper's TF-IDF
comparison, and writes the AP table.

The shared data hold one ENCODE sample (its fold-enrichment and p-value tracks stand in for two
states here) and no mm10 sequence. Give ``--genome mm10.fa`` to go on and fit a model of the
dAP between the two tracks with ``iqmodel fit``; real trajectories use one track per cell state.

Run:  python examples/encode_atac_tracks.py [--data ../shared/data] [--genome mm10.fa]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from iqmodel.ap import APNormalizer, compare_normalizations, compute_dap, tfidf
from iqmodel.io import bigwig_signal, read_peaks, resize_intervals

SAMPLE = "ENCFF439VSY.subsampled.400.trim.merged.nodup.tn5"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=Path(__file__).parents[2] / "shared" / "data")
    parser.add_argument("--genome", help="mm10 FASTA; when given, a model is fitted too")
    parser.add_argument("--out", default="runs/encode_chr19")
    args = parser.parse_args()
    folder = Path(args.data) / "encode_atac_test"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    began = time.perf_counter()
    peaks = read_peaks(folder / "rep1-rep2.overlap.bfilt.narrowPeak.gz")
    peaks = resize_intervals(peaks, 500).set_index("name", drop=False)
    tracks = {
        "fold_enrichment": folder / f"{SAMPLE}.fc.signal.bigwig",
        "pvalue": folder / f"{SAMPLE}.pval.signal.bigwig",
    }
    signal = bigwig_signal(tracks, peaks, window=20_000)
    print(
        f"{len(peaks)} peaks resized to 500 bp around their summits; signal of "
        f"{len(tracks)} bigWigs over peaks and +-10 kb windows in "
        f"{time.perf_counter() - began:.1f} s"
    )

    normalizer = APNormalizer()
    ap = normalizer.fit_transform(signal.peak, signal.regional)
    report = normalizer.report_
    print(
        f"regional normalisation: {report['n_downweighted']} peaks down-weighted for a high "
        f"background; {normalizer.n_constitutive_} constitutive peaks detected; "
        f"AP = 1 at {report['prob1_thresh']:.3g} (constitutive-normalised units), "
        f"{report['n_capped']} entries capped"
    )
    print("\nAP per track (quantiles 10/50/90 %; constitutive peaks mean):")
    constitutive = normalizer.constitutive_.to_numpy()
    for state in ap.columns:
        q = np.quantile(ap[state], [0.1, 0.5, 0.9])
        mean_const = ap.loc[constitutive, state].mean()
        print(f"  {state:<16} {q[0]:.3f} {q[1]:.3f} {q[2]:.3f}   {mean_const:.3f}")

    dap = compute_dap(ap, "pvalue", "fold_enrichment")
    print(f"\ndAP (pvalue -> fold_enrichment): mean {dap.mean():+.3f}, sd {dap.std():.3f}")

    raw = signal.peak
    correlations = compare_normalizations(
        {"raw": raw, "tfidf": tfidf(raw), "ap": ap, "regional": normalizer.stages_["regional"]}
    )
    print("\nPearson r between the two tracks' profiles under each normalisation:")
    for name, matrix in correlations.items():
        print(f"  {name:<9} {matrix.iloc[0, 1]:.3f}")

    table = peaks[["chrom", "start", "end"]].join(ap)
    table.index.name = "name"
    table.to_csv(out / "ap.tsv", sep="\t")
    print(f"\nwrote {out / 'ap.tsv'}")

    if args.genome:
        from iqmodel.cli import main as iqmodel

        code = iqmodel(
            [
                "fit",
                "--peaks", str(folder / "rep1-rep2.overlap.bfilt.narrowPeak.gz"),
                "--genome", args.genome,
                "--ap", str(out / "ap.tsv"),
                "--start", "pvalue",
                "--end", "fold_enrichment",
                "--out", str(out / "fit"),
                "--overwrite",
            ]
        )  # fmt: skip
        raise SystemExit(code)


if __name__ == "__main__":
    main()
