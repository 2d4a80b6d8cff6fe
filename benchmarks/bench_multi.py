"""Does homogenization keep held-out accuracy with fewer motifs, and what does it cost?

For each data set, one fixed 80/20 split; every model is fitted on the training rows with the
same settings (``IQModel(n_motifs=30, random_state=0)``) and scored on the held-out rows:

- before: one ``IQModel`` per trajectory, fitted separately;
- MultiIQModel.fit: shared motifs learned from the sequences and the dAP table
  (``after`` = each trajectory on the shared motifs of its own clusters, ``full`` = on all
  shared motifs);
- MultiIQModel.from_models: the separate models homogenized (R's ``distill_traj_model_multi``).

Data sets:

1. mouse ATAC (``load_mouse_atac_example``, 1,000 peaks x 300 bp): 4 trajectories
   c1 -> c2, c3, c4, c5 (each state's log2 accessibility min-max scaled to [0, 1], dAP =
   AP(state) - AP(c1)); random 80/20 split (seed 0).
2. DeepSTARR (``deepstarr_sample_3000_dm3chrX.tsv.gz``, 249 bp): developmental and
   housekeeping enhancer activity (``Dev``/``Hk_log2_enrichment``) as 2 trajectories; rows
   deduplicated by ``ID``, sorted by position, the last 20 % held out.

Printed per data set: a table per trajectory (R^2 and squared Pearson r on held-out rows,
before / after / full, motif counts) and the motif counts and wall times, with the ratio of
each homogenization to one single-trajectory fit (the mean of the separate fits, measured in
the same run). The target: mean held-out R^2 after >= mean before - 0.005 with fewer distinct
motifs than the separate models together; ``MultiIQModel.fit`` at most 4x one single fit
(mouse, 4 trajectories of 1,000 peaks).

Run:  python benchmarks/bench_multi.py [--datasets mouse,deepstarr]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from iqmodel import IQModel, MultiIQModel
from iqmodel.datasets import load_mouse_atac_example
from iqmodel.metrics import pearson_r2, r2_score

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
DEEPSTARR = SHARED / "mpra_starr" / "deepstarr_sample_3000_dm3chrX.tsv.gz"
SEED = 0


def mouse() -> tuple[list[str], pd.DataFrame, np.ndarray]:
    example = load_mouse_atac_example()
    ap = example.accessibility
    ap = (ap - ap.min()) / (ap.max() - ap.min())
    dap = pd.DataFrame(
        {f"c1->{s}": (ap[s] - ap["c1"]).to_numpy() for s in ("c2", "c3", "c4", "c5")}
    )
    test = np.zeros(len(dap), dtype=bool)
    test[np.random.default_rng(SEED).permutation(len(dap))[: round(0.2 * len(dap))]] = True
    return list(example.sequences), dap, test


def deepstarr() -> tuple[list[str], pd.DataFrame, np.ndarray] | None:
    if not DEEPSTARR.is_file():
        print(f"DeepSTARR skipped: {DEEPSTARR} is not present")
        return None
    table = pd.read_csv(DEEPSTARR, sep="\t").drop_duplicates("ID")
    table = table.sort_values(["seqnames", "start"], kind="stable").reset_index(drop=True)
    dap = pd.DataFrame(
        {"Dev": table["Dev_log2_enrichment"], "Hk": table["Hk_log2_enrichment"]}
    ).astype(float)
    test = np.zeros(len(table), dtype=bool)
    test[round(0.8 * len(table)) :] = True
    return table["Sequence"].tolist(), dap, test


DATASETS = {"mouse": mouse, "deepstarr": deepstarr}


def _scores(name, kind, predict, seqs, dap, test) -> dict:
    y = dap[name].to_numpy()[test]
    prediction = np.asarray(predict(seqs))[test]
    return {
        "trajectory": name,
        "model": kind,
        "r2_test": r2_score(y, prediction),
        "pearson_r2_test": pearson_r2(y, prediction),
    }


def run(label: str, seqs: list[str], dap: pd.DataFrame, test: np.ndarray) -> None:
    train_seqs = [s for s, t in zip(seqs, test, strict=True) if not t]
    settings = dict(n_motifs=30, random_state=0, verbose=0)
    singles, single_seconds = {}, []
    for name in dap.columns:
        start = time.perf_counter()
        singles[name] = IQModel(**settings).fit(train_seqs, dap[name].to_numpy()[~test])
        single_seconds.append(time.perf_counter() - start)
    start = time.perf_counter()
    fitted = MultiIQModel(IQModel(**settings)).fit(seqs, dap, test=test)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    homogenized = MultiIQModel.from_models(singles, seqs, dap, test=test)
    from_models_seconds = time.perf_counter() - start

    rows = []
    for name in dap.columns:
        rows.append(_scores(name, "before", singles[name].predict, seqs, dap, test))
        for kind, multi in (("fit", fitted), ("from_models", homogenized)):
            for part, full in (("after", False), ("full", True)):
                rows.append(
                    _scores(
                        name,
                        f"{kind} {part}",
                        lambda s, m=multi, n=name, f=full: (
                            m.models_full_[n].predict(s) if f else m.models_[n].predict(s)
                        ),
                        seqs,
                        dap,
                        test,
                    )
                )
    table = pd.DataFrame(rows)
    wide = table.pivot(index="trajectory", columns="model", values="r2_test")
    pearson = table.pivot(index="trajectory", columns="model", values="pearson_r2_test")
    order = ["before", "fit after", "fit full", "from_models after", "from_models full"]
    print(f"\n== {label}: held-out R^2 per trajectory")
    print(wide[order].loc[list(dap.columns)].round(4).to_string())
    print(f"\n== {label}: held-out squared Pearson r per trajectory")
    print(pearson[order].loc[list(dap.columns)].round(4).to_string())
    means = wide[order].mean()
    print("\nmean held-out R^2: " + ", ".join(f"{k} {v:.4f}" for k, v in means.items()))

    per_trajectory = sum(len(m.motifs_) for m in singles.values())
    distinct = len({m.name for model in singles.values() for m in model.motifs_})
    single = float(np.mean(single_seconds))
    summary = pd.DataFrame(
        [
            {
                "model": "separate IQModels",
                "motifs": f"{per_trajectory} ({distinct} distinct names)",
                "seconds": sum(single_seconds),
                "x one single fit": sum(single_seconds) / single,
            },
            {
                "model": "MultiIQModel.fit",
                "motifs": f"{len(fitted.motifs_)} shared",
                "seconds": fit_seconds,
                "x one single fit": fit_seconds / single,
            },
            {
                "model": "MultiIQModel.from_models",
                "motifs": f"{len(homogenized.motifs_)} shared",
                "seconds": from_models_seconds,
                "x one single fit": from_models_seconds / single,
            },
        ]
    )
    print(f"\n== {label}: motifs and wall time (one single fit: {single:.1f} s)")
    print(summary.round(2).to_string(index=False))
    for kind, multi in (("fit", fitted), ("from_models", homogenized)):
        gap = means[f"{kind} after"] - means["before"]
        fewer = len(multi.motifs_) < per_trajectory
        verdict = "PASS" if gap >= -0.005 and fewer else "FAIL"
        print(
            f"{verdict}: {kind} after - before = {gap:+.4f} mean held-out R^2 (target >= -0.005),"
            f" {len(multi.motifs_)} shared motifs vs {per_trajectory}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="mouse,deepstarr")
    args = parser.parse_args()
    for name in args.datasets.split(","):
        data = DATASETS[name]()
        if data is not None:
            run(name, *data)


if __name__ == "__main__":
    main()
