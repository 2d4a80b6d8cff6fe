"""How fast are saturation mutagenesis and VCF scoring, against the obvious baselines?

Question 1: in-silico mutagenesis of one 500-bp sequence (all 1,500 substitutions) with a
30-motif model (spatial profiles, sequence features): ``saturation_mutagenesis`` (re-scores
only the windows a substitution overlaps) vs brute force (build every mutant and call
``model.predict``), measured in the same run, taking turns (best of ``--repeats`` each, so a
change of machine load hits both alike); both must agree to 1e-9.

Question 2: throughput of ``score_variants`` on a VCF of SNVs and short indels in a
synthetic genome, in variants per second, without and with the empirical p-value
(``n_null`` shuffled-flank nulls per variant), with ``variant_effects`` on the same windows
as the baseline.

Run: ``python benchmarks/bench_variants.py [--repeats 20] [--variants 2000]``
(``--variants 0``: mutagenesis only).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from iqmodel import IQModel
from iqmodel.energy import compute_energies
from iqmodel.io import load_motif_db
from iqmodel.seq import decode
from iqmodel.variants import saturation_mutagenesis, score_variants, variant_effects

LENGTH = 500


def thirty_motif_model(seed: int = 0) -> tuple[IQModel, np.random.Generator]:
    """A 30-motif model on 500-bp random sequences (10 spatial bins of 50 bp per motif)."""
    rng = np.random.default_rng(seed)
    motifs = [
        m.with_spatial(rng.uniform(0.2, 1.0, 10), 50) for m in load_motif_db("jaspar2024")[:30]
    ]
    codes = rng.integers(0, 4, (600, LENGTH)).astype(np.int8)
    energies = compute_energies(codes, motifs)
    energies = (energies - energies.mean(axis=0)) / energies.std(axis=0)
    target = energies @ rng.normal(0, 1, len(motifs)) + rng.normal(0, 1, len(codes))
    model = IQModel(filter=False, glm_lambda=1e-4, random_state=seed, verbose=0)
    return model.fit_with_motifs(codes, target, motifs), rng


def brute_force(model: IQModel, seq: str) -> np.ndarray:
    mutants = [seq[:p] + b + seq[p + 1 :] for p in range(len(seq)) for b in "ACGT" if b != seq[p]]
    return model.predict(mutants) - model.predict([seq])[0]


def interleaved_best(functions: dict, repeats: int) -> tuple[dict, dict]:
    """Best time (s) and last result of each function, the functions taking turns so that
    a change of machine load affects all of them alike."""
    times = {name: [] for name in functions}
    results = {}
    for _ in range(repeats):
        for name, function in functions.items():
            start = time.perf_counter()
            results[name] = function()
            times[name].append(time.perf_counter() - start)
    return {name: min(values) for name, values in times.items()}, results


def mutagenesis_rows(model, rng, repeats: int) -> list[dict]:
    seq = decode(rng.integers(0, 4, (1, LENGTH)).astype(np.int8))[0]
    saturation_mutagenesis(model, seq, decompose=True)  # compile the kernels, build the tables
    seconds, results = interleaved_best(
        {
            "brute": lambda: brute_force(model, seq),
            "fast": lambda: saturation_mutagenesis(model, seq),
            "decomposed": lambda: saturation_mutagenesis(model, seq, decompose=True),
        },
        repeats,
    )
    brute = results["brute"]
    n = len(brute)
    rows = [
        {
            "task": "ISM 500 bp, 30 motifs",
            "method": "brute force (predict every mutant)",
            "seconds": seconds["brute"],
            "per_s": n / seconds["brute"],
            "unit": "mutants/s",
            "speedup": 1.0,
            "max_abs_diff": 0.0,
        }
    ]
    for name, method in (
        ("fast", "saturation_mutagenesis"),
        ("decomposed", "saturation_mutagenesis(decompose=True)"),
    ):
        rows.append(
            {
                "task": "ISM 500 bp, 30 motifs",
                "method": method,
                "seconds": seconds[name],
                "per_s": n / seconds[name],
                "unit": "mutants/s",
                "speedup": seconds["brute"] / seconds[name],
                "max_abs_diff": float(
                    np.abs(results[name].table["delta"].to_numpy() - brute).max()
                ),
            }
        )
    return rows


def synthetic_vcf(folder: Path, rng, n_variants: int) -> tuple[Path, Path]:
    """A 2-chromosome genome and a VCF of SNVs (90 %) and 1-5 bp indels on it."""
    chroms = {name: "".join(rng.choice(list("ACGT"), 200_000)) for name in ("chr1", "chr2")}
    genome = folder / "genome.fa"
    with open(genome, "w") as out:
        for name, seq in chroms.items():
            out.write(f">{name}\n")
            out.writelines(seq[i : i + 60] + "\n" for i in range(0, len(seq), 60))
    lines = ["##fileformat=VCFv4.2", "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]
    for i in range(n_variants):
        name = "chr1" if i % 2 else "chr2"
        pos = int(rng.integers(1_000, 199_000))
        ref = chroms[name][pos - 1]
        kind = rng.random()
        if kind < 0.9:
            alt = rng.choice([b for b in "ACGT" if b != ref])
        elif kind < 0.95:
            ref, alt = chroms[name][pos - 1 : pos + 3], ref
        else:
            alt = ref + "".join(rng.choice(list("ACGT"), 3))
        lines.append(f"{name}\t{pos}\tv{i}\t{ref}\t{alt}\t.\t.\t.")
    vcf = folder / "variants.vcf"
    vcf.write_text("\n".join(lines) + "\n")
    return genome, vcf


def scoring_rows(model, rng, n_variants: int) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        genome, vcf = synthetic_vcf(Path(tmp), rng, n_variants)
        score_variants(model, vcf, genome, n_null=0)  # warm up (index, kernels)
        start = time.perf_counter()
        scores = score_variants(model, vcf, genome, n_null=0)
        plain_s = time.perf_counter() - start
        sample = pd.read_csv(vcf, sep="\t", comment="#", header=None).iloc[: n_variants // 10]
        sample.columns = ["chrom", "pos", "id", "ref", "alt", "qual", "filter", "info"]
        start = time.perf_counter()
        score_variants(model, sample, genome, n_null=10, random_state=0)
        null_s = time.perf_counter() - start
        effects = scores.effects
        ref = [s for s in _windows(genome, effects, "ref")]
        alt = [s for s in _windows(genome, effects, "alt")]
        start = time.perf_counter()
        variant_effects(model, ref, alt)
        baseline_s = time.perf_counter() - start
    n = len(scores.effects)
    rows.append(
        {
            "task": f"VCF scoring ({n} variants)",
            "method": "variant_effects on windows already extracted (baseline)",
            "seconds": baseline_s,
            "per_s": n / baseline_s,
            "unit": "variants/s",
            "speedup": 1.0,
            "max_abs_diff": np.nan,
        }
    )
    rows.append(
        {
            "task": f"VCF scoring ({n} variants)",
            "method": "score_variants, n_null=0",
            "seconds": plain_s,
            "per_s": n / plain_s,
            "unit": "variants/s",
            "speedup": baseline_s / plain_s,
            "max_abs_diff": np.nan,
        }
    )
    rows.append(
        {
            "task": f"VCF scoring ({len(sample)} variants)",
            "method": "score_variants, n_null=10",
            "seconds": null_s,
            "per_s": len(sample) / null_s,
            "unit": "variants/s",
            "speedup": np.nan,
            "max_abs_diff": np.nan,
        }
    )
    return rows


def _windows(genome: Path, effects: pd.DataFrame, which: str) -> list[str]:
    from iqmodel.io.genome import Genome

    with Genome(genome) as opened:
        out = []
        for row in effects.itertuples():
            extra = max(len(row.ref) - len(row.alt), 0)
            bases = opened.fetch(row.chrom, row.window_start, row.window_start + LENGTH + extra)
            if which == "ref":
                out.append(bases[:LENGTH])
            else:
                cut = row.offset
                out.append((bases[:cut] + row.alt + bases[cut + len(row.ref) :])[:LENGTH])
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20, help="ISM repeats (best of)")
    parser.add_argument("--variants", type=int, default=2000, help="0: skip VCF scoring")
    args = parser.parse_args()
    model, rng = thirty_motif_model()
    rows = mutagenesis_rows(model, rng, args.repeats)
    if args.variants:
        rows += scoring_rows(model, rng, args.variants)
    table = pd.DataFrame(rows)
    pd.set_option("display.width", 200)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))


if __name__ == "__main__":
    main()
