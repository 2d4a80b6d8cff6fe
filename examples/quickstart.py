"""Quickstart on bundled real data: JASPAR 2024 motif energies on 1,000 mouse ATAC peaks.

Loads the bundled mouse gastrulation ATAC example (1,000 peaks x 300 bp, 5 cell states),
computes the binding energy of all 879 bundled JASPAR 2024 motifs on every peak with the numba
engine, normalises the energies to the [0, 10] IceQream scale against the peaks themselves,
and prints the motifs whose energy best tracks the accessibility change from state c1 to c3.

Run:  python examples/quickstart.py
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from iqmodel.datasets import load_mouse_atac_example
from iqmodel.energy import EnergyNormalizer, compute_energies
from iqmodel.io import load_motif_db


def main() -> None:
    example = load_mouse_atac_example()
    motifs = load_motif_db("jaspar2024")
    print(f"{len(example.sequences)} peaks x {len(example.sequences[0])} bp, {len(motifs)} motifs")

    start = time.perf_counter()
    raw = compute_energies(example.sequences, motifs)  # natural log, (1000, 879)
    seconds = time.perf_counter() - start
    pairs = raw.size / seconds
    print(f"energies: {raw.shape} in {seconds:.2f} s ({pairs / 1e6:.2f} M pairs/s)")

    normalized = EnergyNormalizer().fit(raw).transform(raw)  # [0, 10] scale, spec 3.10
    change = example.accessibility["c3"] - example.accessibility["c1"]
    centred = normalized - normalized.mean(axis=0)
    scale = np.sqrt((centred**2).sum(axis=0) * ((change - change.mean()) ** 2).sum())
    correlation = centred.T @ (change - change.mean()).to_numpy() / np.where(scale > 0, scale, 1)
    table = pd.DataFrame(
        {
            "motif": [m.name for m in motifs],
            "tf": [m.alt_name for m in motifs],
            "length": [m.length for m in motifs],
            "mean_energy": normalized.mean(axis=0),
            "r_with_c3_minus_c1": correlation,
        }
    )
    top = table.reindex(table["r_with_c3_minus_c1"].abs().sort_values(ascending=False).index)
    print("\nMotifs whose normalised energy best tracks accessibility c3 - c1:")
    print(top.head(10).to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
