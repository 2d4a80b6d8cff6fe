"""How much does the default IQModel's held-out accuracy depend on its random seed?

Question: a single seed gives one draw of the cross-validation folds, the filter sample and
PREGO's sampling; on a few hundred peaks that draw moves the held-out R^2 by several hundredths.
To compare two versions of the library (e.g. before and after a change), compare the mean over
seeds, not one fit. This script fits ``IQModel(n_motifs=..., random_state=seed, verbose=0)``
with every other parameter at its default, for ``--seeds`` seeds, on the splits of
``benchmarks/bench_iqmodel.py`` (planted 3,000 x 300 bp; mouse ATAC c3 - c1; DeepSTARR Dev split
by position), and prints per data set the held-out R^2 and squared Pearson r of each seed and
their mean and standard deviation.

The iqmodel measured is whichever ``import iqmodel`` finds, so an older checkout can be
measured with the same script: ``PYTHONPATH=/path/to/old/checkout python
benchmarks/bench_seed_accuracy.py``; the header prints its path.

Run:  python benchmarks/bench_seed_accuracy.py [--seeds 4] [--first-seed 0]
      [--datasets planted,mouse,deepstarr]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import pearsonr
from sklearn.metrics import r2_score

import iqmodel
from iqmodel import IQModel

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_iqmodel as splits  # the data splits of the accuracy benchmark

DATASETS = {
    "planted": lambda: [splits.planted_split()],
    "mouse": lambda: splits.mouse_splits()[:1],
    "deepstarr": lambda: [s for s in [splits.deepstarr_split()] if s is not None],
}


def _pearson_r2(y: np.ndarray, prediction: np.ndarray) -> float:
    # scipy's, not iqmodel.metrics: the script also measures checkouts that predate it
    return 0.0 if np.ptp(prediction) == 0 else float(pearsonr(y, prediction)[0] ** 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=4, help="number of seeds")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--datasets", default=",".join(DATASETS))
    args = parser.parse_args()
    print(f"iqmodel {iqmodel.__version__} from {Path(iqmodel.__file__).resolve().parent}")
    summary = []
    for name in args.datasets.split(","):
        for split in DATASETS[name]():
            rows = []
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                start = time.perf_counter()
                model = IQModel(n_motifs=split.n_motifs, random_state=seed, verbose=0)
                model.fit(split.train_seqs, split.train_y)
                prediction = model.predict(split.test_seqs)
                rows.append(
                    {
                        "seed": seed,
                        "test R^2": r2_score(split.test_y, prediction),
                        "test Pearson r^2": _pearson_r2(split.test_y, prediction),
                        "motifs": len(model.motifs_),
                        "fit s": time.perf_counter() - start,
                    }
                )
            table = pd.DataFrame(rows)
            print(f"\n== {split.name}, n_motifs={split.n_motifs}")
            print(table.round(3).to_string(index=False))
            summary.append(
                {
                    "data": split.name,
                    "mean test R^2": table["test R^2"].mean(),
                    "sd": table["test R^2"].std(),
                    "mean Pearson r^2": table["test Pearson r^2"].mean(),
                    "sd ": table["test Pearson r^2"].std(),
                    "seeds": len(table),
                }
            )
    print("\n== summary")
    print(pd.DataFrame(summary).round(3).to_string(index=False))


if __name__ == "__main__":
    main()
