"""Figures of a model fitted on bundled real data: model report, IQ-plot, curves, scatter.

Fits an IQ model of the c1 -> c3 accessibility change on 80 % of the bundled mouse ATAC peaks
(1,000 real 300-bp peaks) and writes, to ``runs/figures`` by default:

- ``report.png`` (+ ``report_page<k>.png``): one row per motif: logo, partial response,
  coefficients, spatial profile, strong-site frequency in top vs bottom dAP peaks, dAP by
  energy bin; header with train and held-out R^2;
- ``iq_plot.png``: the architecture of the held-out peak the model predicts to open most;
- ``response_curves.png``, ``prediction_scatter.png`` and ``motif_names.tsv`` (best JASPAR
  match of each learned motif, with its similarity).

Run:  python examples/figures_mouse_atac.py [--out runs/figures]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from iqmodel import IQModel, plot
from iqmodel.interpret import name_motifs
from iqmodel.trajectory import load_table_trajectory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/figures")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    data = load_table_trajectory("mouse-atac", "c1", "c3", random_state=1)
    train = (data.split == "train").to_numpy()
    seqs = np.asarray(data.sequences, dtype=object)
    dap = data.dap.to_numpy()
    model = IQModel(n_motifs=20, random_state=1).fit(list(seqs[train]), dap[train])
    print(model.summary())

    test_seqs, test_dap = list(seqs[~train]), dap[~train]
    model.report(
        list(seqs[train]), dap[train], test_seqs=test_seqs, test_dap=test_dap,
        path=out / "report.png",
    )  # fmt: skip
    predicted = model.predict(test_seqs)
    ax = plot.prediction_scatter(test_dap, predicted, title="held-out peaks, c1 -> c3")
    ax.figure.savefig(out / "prediction_scatter.png", dpi=150)
    plot.response_curves(model).savefig(out / "response_curves.png", dpi=150)

    best = int(np.argmax(predicted))
    figure = plot.iq_plot(
        model, test_seqs[best], title=f"peak {data.dap.index[~train][best]} (held out)"
    )
    figure.savefig(out / "iq_plot.png", dpi=150)
    names = name_motifs(model)
    names.to_csv(out / "motif_names.tsv", sep="\t", index=False)
    print(names.to_string(index=False))
    print(f"wrote figures to {out}")


if __name__ == "__main__":
    main()
