"""Is an IQModel fit stable: does it change with the random seed, and with the order of its rows?

Question: permuting the training rows should not change the model at all (the same peaks are
the same data); a different seed may change it, and the seed-to-seed spread is the scale
against which to read any row-order effect.

Data: the bundled mouse ATAC peaks (``load_mouse_atac_example``, 1,000 x 300 bp), the c1 -> c3
trajectory dAP = AP(c3) - AP(c1), each state's log2 accessibility min-max scaled to [0, 1] (as
``benchmarks/bench_iqmodel.py``), random 80/20 split of the peaks (seed 0): 800 training and
200 held-out peaks.

Fits: ``IQModel`` with its defaults (JASPAR 2024, ``glm_lambda="cv"``, filter on, ...) except
``n_motifs`` (``--n-motifs``, default 10) and ``verbose=0``:

(a) seeds: ``random_state`` 0, 1, 2 on the training rows in their original order;
(b) row order: ``random_state=0`` on 3 random permutations of the training rows (permutation
    seeds 1, 2, 3; sequences and targets moved together).

Per pair of fits within a group:

- motif Jaccard: |A & B| / |A | B| of the sets of motif names;
- PWM match: fraction of the motifs of one model whose PWM has ``Motif.similarity >= 0.8``
  (Pearson, best offset and strand) with some motif of the other, averaged over both
  directions (distilled motifs are new PWMs, so names alone undercount agreement);
- held-out r: Pearson correlation of the two models' predictions on the 200 held-out peaks,
  and their largest absolute difference (0 up to rounding when the fits are the same model).

Per fit: number of motifs, held-out R^2 (sklearn ``r2_score``) and fit wall time. The header
names the iqmodel state measured (``git describe --always --dirty`` and the files changed in
the working tree), since the answer depends on which stages draw in a canonical row order
(``iqmodel.sampling.order_keys``).

Run:  python benchmarks/bench_stability.py [--n-motifs 10]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import os
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import r2_score

import iqmodel
from iqmodel.datasets import load_mouse_atac_example
from iqmodel.model import IQModel

PACKAGE = Path(iqmodel.__file__).resolve().parent  # the iqmodel measured, wherever it is
SPLIT_SEED = 0
SEEDS = (0, 1, 2)
PERMUTATION_SEEDS = (1, 2, 3)
MATCH_SIMILARITY = 0.8


def _git(*args: str) -> str:
    try:
        result = subprocess.run(
            ["git", *args], cwd=PACKAGE.parent, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return ""
    return result.stdout.rstrip()  # keep the leading blank of a porcelain status line


def code_state() -> str:
    """``git describe`` of the checkout, the package files changed and a hash of that diff."""
    describe = _git("describe", "--always", "--dirty", "--tags") or "unknown (not a git checkout)"
    changed = _git("status", "--porcelain", "--", "iqmodel").splitlines()
    lines = [f"iqmodel state: {describe} ({PACKAGE})"]
    if changed:
        digest = hashlib.sha256(_git("diff", "HEAD", "--", "iqmodel").encode()).hexdigest()
        lines.append(
            f"uncommitted changes in iqmodel/ (diff sha256 {digest[:12]}): "
            + ", ".join(line[3:] for line in changed)
        )
    return "\n".join(lines)


def mouse_data():
    """(train seqs, train dAP, test seqs, test dAP) of the c1 -> c3 trajectory."""
    example = load_mouse_atac_example()
    values = example.accessibility[["c3", "c1"]]
    ap = (values - values.min()) / (values.max() - values.min())
    dap = (ap["c3"] - ap["c1"]).to_numpy()
    n = len(dap)
    test = np.zeros(n, dtype=bool)
    test[np.random.default_rng(SPLIT_SEED).permutation(n)[: round(0.2 * n)]] = True
    seqs = np.asarray(example.sequences, dtype=object)
    return seqs[~test].tolist(), dap[~test], seqs[test].tolist(), dap[test]


def fit(train_seqs, train_y, test_seqs, test_y, *, seed: int, n_motifs: int) -> dict:
    start = time.perf_counter()
    model = IQModel(n_motifs=n_motifs, random_state=seed, verbose=0).fit(train_seqs, train_y)
    seconds = time.perf_counter() - start
    prediction = model.predict(test_seqs)
    return {
        "motifs": model.motifs_,
        "prediction": prediction,
        "held-out R^2": r2_score(test_y, prediction),
        "fit s": seconds,
    }


def _matched_fraction(mine, theirs) -> float:
    """Fraction of ``mine`` with a PWM of similarity >= MATCH_SIMILARITY among ``theirs``."""
    if not mine:
        return float("nan")
    hits = [any(m.similarity(t).score >= MATCH_SIMILARITY for t in theirs) for m in mine]
    return float(np.mean(hits))


def compare(a: dict, b: dict) -> dict:
    names_a = {m.name for m in a["motifs"]}
    names_b = {m.name for m in b["motifs"]}
    union = names_a | names_b
    match = (
        _matched_fraction(a["motifs"], b["motifs"]),
        _matched_fraction(b["motifs"], a["motifs"]),
    )
    return {
        "motif Jaccard": len(names_a & names_b) / len(union) if union else float("nan"),
        "PWM match": float(np.mean(match)),
        "held-out r": float(np.corrcoef(a["prediction"], b["prediction"])[0, 1]),
        "max |dpred|": float(np.abs(a["prediction"] - b["prediction"]).max()),
    }


def pair_table(group: str, fits: dict[str, dict]) -> list[dict]:
    rows = [
        {"group": group, "pair": f"{x} vs {y}", **compare(fits[x], fits[y])}
        for x, y in itertools.combinations(fits, 2)
    ]
    means = pd.DataFrame(rows).drop(columns=["group", "pair"]).mean()
    rows.append({"group": group, "pair": "mean", **means.to_dict()})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-motifs", type=int, default=10)
    args = parser.parse_args()
    print(code_state())
    print(f"{os.cpu_count()} CPUs; n_motifs={args.n_motifs}; other IQModel parameters default")

    train_seqs, train_y, test_seqs, test_y = mouse_data()
    print(f"mouse ATAC c1 -> c3: {len(train_y)} training / {len(test_y)} held-out peaks")
    data = (test_seqs, test_y)
    by_seed = {
        f"seed {seed}": fit(train_seqs, train_y, *data, seed=seed, n_motifs=args.n_motifs)
        for seed in SEEDS
    }
    by_order = {}
    for permutation_seed in PERMUTATION_SEEDS:
        order = np.random.default_rng(permutation_seed).permutation(len(train_y))
        by_order[f"perm {permutation_seed}"] = fit(
            [train_seqs[i] for i in order],
            train_y[order],
            *data,
            seed=SEEDS[0],
            n_motifs=args.n_motifs,
        )

    fits = pd.DataFrame(
        [
            {
                "fit": label,
                "motifs": len(result["motifs"]),
                "held-out R^2": result["held-out R^2"],
                "fit s": result["fit s"],
                "motif names": " ".join(sorted(m.name for m in result["motifs"])),
            }
            for label, result in {**by_seed, **by_order}.items()
        ]
    )
    print("\n== fits ((a) seeds in the original row order; (b) seed 0, permuted rows)")
    print(fits.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    pairs = pd.DataFrame(
        pair_table("(a) seeds", by_seed) + pair_table("(b) row order, seed 0", by_order)
    )
    print("\n== pairs")
    print(
        pairs.to_string(
            index=False,
            formatters={
                "motif Jaccard": "{:.2f}".format,
                "PWM match": "{:.2f}".format,
                "held-out r": "{:.3f}".format,
                "max |dpred|": "{:.2e}".format,
            },
        )
    )


if __name__ == "__main__":
    main()
