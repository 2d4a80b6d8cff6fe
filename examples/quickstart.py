"""Quickstart on bundled real data: 1,000 mouse ATAC peaks, JASPAR 2024 motifs, an IQ model.

Loads the bundled mouse gastrulation ATAC example (1,000 peaks x 300 bp, 5 cell states),
computes the binding energy of all 879 bundled JASPAR 2024 motifs on every peak with the numba
engine, normalises the energies to the [0, 10] IceQream scale, prints the motifs whose energy
best tracks the accessibility change from state c1 to c3, then learns one motif with PREGO (PWM
+ spatial profile) that explains accessibility in state c3 on 80% of the peaks and reports its
held-out r^2 next to the best database motif's.

Run:  python examples/quickstart.py
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from iqmodel.datasets import load_mouse_atac_example
from iqmodel.energy import EnergyNormalizer, compute_energies
from iqmodel.io import load_motif_db
from iqmodel.prego import fit_motif


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

    state = example.accessibility["c3"].to_numpy()
    test = np.random.default_rng(0).permutation(len(state))[: len(state) // 5]
    train = np.setdiff1d(np.arange(len(state)), test)
    seqs = np.array(example.sequences, dtype=object)
    start = time.perf_counter()
    result = fit_motif(list(seqs[train]), state[train], random_state=0)
    seconds = time.perf_counter() - start
    held_out = np.corrcoef(result.predict(list(seqs[test])), state[test])[0, 1] ** 2
    database_r2 = np.array(
        [np.corrcoef(normalized[train, j], state[train])[0, 1] ** 2 for j in range(len(motifs))]
    )
    best = int(np.argmax(database_r2))
    best_held_out = np.corrcoef(normalized[test, best], state[test])[0, 1] ** 2
    print(f"\nPREGO motif for state c3, learned on {len(train)} peaks in {seconds:.1f} s:")
    print(
        f"  seed {result.seed}, consensus {result.motif.consensus()}, spatial profile "
        f"{np.round(result.motif.spatial / result.motif.spatial.max(), 2).tolist()}"
    )
    print(f"  r^2 in-sample {result.score[0]:.3f}, held-out {held_out:.3f}")
    print(
        f"  best database motif {motifs[best].name} ({motifs[best].alt_name}): "
        f"r^2 in-sample {database_r2[best]:.3f}, held-out {best_held_out:.3f}"
    )


if __name__ == "__main__":
    main()
