"""Is a small IQ model as accurate as deep CNNs on real data, and does IQ + CNN beat both?

One command fits every model on identical splits of every real data set in ``../shared/data``
with sequences and a continuous target (``dl/datasets.py``: mouse ATAC 4 trajectories,
DeepSTARR Dev/Hk, WTC11 lentiMPRA, yeast promoters in 2 media) and scores it on the held-out
rows:

- IQ (default) and its ablation ladder (``dl/ladder.py``: database motifs, linear GLM, GAM and
  XGBoost on IQ energies, IQ with interactions, max energies), one model per trajectory;
- a k-mer ridge regression and a Bag-of-Motifs-style model (``dl/shallow.py``);
- CNNs (``dl/models.py``: DeepTopic-like, Simple-ConvNet-like, ChromBPNet-like dilated, and
  ExplaiNN-like units) trained with the paper's protocol (``dl/training.py``), one multi-task
  network per data set;
- linear ensembles IQ + each CNN: per trajectory, a linear regression of the target on the two
  models' predictions for the training rows, applied to the test rows.

Models fit on the ``train`` rows; the CNNs and the Bag-of-Motifs trees early-stop on the
``val`` rows, which nothing fits on; all scores are on the ``test`` rows: the coefficient of
determination R^2 and the squared Pearson r (the paper's metric). Across all trajectories the
script runs paired Wilcoxon signed-rank tests (normal approximation, continuity correction,
Hodges-Lehmann 95 % interval, BH adjustment; ``dl/stats.py``) on the squared Pearson r.

Outputs (``--out``): ``scores.csv`` (one row per data set, trajectory and model, with
parameters, fit seconds, device and notes), ``table.md`` (squared Pearson r and R^2 per
trajectory), ``tests.csv``, ``scores.png`` (per-trajectory scores by model) and ``run.json``
(settings, versions, wall time).

``--quick`` (2-core CPU, under 15 minutes): at most 800 rows per data set (whole groups,
every split shrunk alike), ``n_motifs=10``, CNN channels x 1/8 with at most 10 epochs
(patience 3, learning-rate patience 2), Bag-of-Motifs on the bundled JASPAR 2024 motifs and at
most 300 rounds. The full run: all rows, ``n_motifs=30``, the paper's widths and 60 epochs
(patience 10), GimmeMotifs v5 vertebrate motifs for Bag-of-Motifs. ``--width`` scales the CNN
channels (the paper's widths need a GPU: at width 1 one epoch over all sets takes ~18 minutes per
large CNN on 2 CPU cores).

Long runs can be resumed: every unit of work (the ladder of one trajectory, the k-mer model, the
Bag-of-Motifs model, one CNN) of a data set is saved under ``--out``/checkpoints when it is done,
and ``--resume`` loads the saved units whose settings match instead of fitting them again.

Run:  python benchmarks/compare_models.py [--quick] [--datasets mouse,deepstarr,wtc11,yeast]
      [--device auto|cpu|cuda] [--models ladder,kmer,bom,deep] [--width W] [--resume] [--out DIR]
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import os
import pickle
import platform
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from bench_iqmodel import BASELINE, DEFAULT
from bench_multi import SHARED
from dl.datasets import LOADERS, Dataset, subsample
from dl.ladder import GAM, GLM, INTERACTIONS, LADDER, MAX, XGBOOST, Fitted, fit_ladder
from dl.shallow import BagOfMotifs, KmerRidge
from dl.stats import compare_pairs
from sklearn.linear_model import LinearRegression

from iqmodel.io import load_motif_db, read_motifs
from iqmodel.metrics import pearson_r2, r2_score
from iqmodel.seq import encode

GIMME_MOTIFS = SHARED / "gimmemotifs" / "gimme.vertebrate.v5.0.meme.gz"
KMER = "k-mer ridge"
BOM = "Bag-of-Motifs (hit counts + trees)"
DEEP = (  # the keys of dl.models.ARCHITECTURES, named here so that torch stays optional
    "DeepTopic CNN",
    "Simple ConvNet",
    "Dilated CNN (ChromBPNet-like)",
    "ExplaiNN",
)
GROUPS = ("ladder", "kmer", "bom", "deep")
SEED = 0


@dataclass(frozen=True)
class Settings:
    """What a run fits (``--quick`` or full)."""

    max_rows: int | None = None
    n_motifs: int = 30
    width: float = 1.0
    max_epochs: int = 60
    patience: int = 10
    lr_patience: int = 5
    bom_motifs: str = "gimme"
    bom_rounds: int = 2000
    groups: tuple[str, ...] = GROUPS
    device: str = "auto"


QUICK = Settings(
    max_rows=800,
    n_motifs=10,
    width=0.125,
    max_epochs=10,
    patience=3,
    lr_patience=2,
    bom_motifs="jaspar2024",
    bom_rounds=300,
)


def _cpu() -> str:
    return f"cpu ({os.cpu_count()} cores)"


def _scores(y: np.ndarray, prediction: np.ndarray) -> dict:
    return {"r2": r2_score(y, prediction), "pearson_r2": pearson_r2(y, prediction)}


def _log(message: str, start: float) -> None:
    print(f"[{time.perf_counter() - start:6.0f} s] {message}", flush=True)


class Run:
    """Fits every model of one data set and collects score rows and training predictions.

    With ``checkpoints`` (a folder), each finished unit of work is saved there, and a unit
    saved earlier with the same settings and data is loaded instead of fitted (``--resume``).
    """

    def __init__(
        self, dataset: Dataset, settings: Settings, start: float, checkpoints: Path | None = None
    ):
        self.data = dataset
        self.settings = settings
        self.start = start
        self.checkpoints = None if checkpoints is None else checkpoints / dataset.name
        # what a saved unit must match: every setting but the model groups, and the data
        self.key = {**asdict(settings), "groups": None, "data": dataset.describe()}
        self.seqs = np.asarray(dataset.seqs, dtype=object)
        self.codes = encode(dataset.seqs)
        self.train, self.val, self.test = (dataset.rows(p) for p in ("train", "val", "test"))
        self.y = dataset.targets.to_numpy(dtype=float)
        self.rows: list[dict] = []
        self.train_predictions: dict[str, np.ndarray] = {}  # model -> (n_train, T)
        self.test_predictions: dict[str, np.ndarray] = {}

    def _seqs(self, mask: np.ndarray) -> list[str]:
        return self.seqs[mask].tolist()

    def record(self, model, test_prediction, *, params, seconds, device, note="", j=None):
        """Score rows of one model: all trajectories (one fit for the data set, ``seconds``
        and ``params`` for all of them), or trajectory ``j`` only (one fit per trajectory)."""
        test_prediction = np.asarray(test_prediction, dtype=float).reshape(self.test.sum(), -1)
        columns = range(self.y.shape[1]) if j is None else [j]
        for k, column in zip(columns, test_prediction.T, strict=True):
            self.rows.append(
                {
                    "dataset": self.data.name,
                    "trajectory": self.data.targets.columns[k],
                    "model": model,
                    **_scores(self.y[self.test, k], column),
                    "parameters": params,
                    "fit_s": seconds,
                    "fit_per": "data set" if j is None else "trajectory",
                    "device": device,
                    "note": note,
                }
            )

    def _store(self, model: str, j: int, train, test) -> None:
        """Keep the training and test predictions of trajectory ``j`` (for the ensembles)."""
        shape = self.y.shape[1]
        self.train_predictions.setdefault(model, np.zeros((self.train.sum(), shape)))[:, j] = train
        self.test_predictions.setdefault(model, np.zeros((self.test.sum(), shape)))[:, j] = test

    def unit(self, name: str, fit: Callable[[], None]) -> None:
        """Run ``fit`` (which adds score rows and predictions), or load its saved result.

        The saved result of unit ``name`` holds its score rows and the prediction arrays as
        they stood after it; units run in the same order every time, so loading them in turn
        restores the same state as fitting them.
        """
        file = "".join(c if c.isalnum() or c in "+-." else "_" for c in name)
        path = None if self.checkpoints is None else self.checkpoints / f"{file}.pkl"
        if path is not None and path.is_file():
            saved = pickle.loads(path.read_bytes())
            if saved["key"] == self.key:
                self.rows += saved["rows"]
                self.train_predictions.update(saved["train"])
                self.test_predictions.update(saved["test"])
                _log(f"{self.data.name}: {name} loaded from {path}", self.start)
                return
            _log(f"{self.data.name}: {path} has other settings; fitting again", self.start)
        first_row = len(self.rows)
        fit()
        if path is None:
            return
        saved = {
            "key": self.key,
            "rows": self.rows[first_row:],
            "train": self.train_predictions,
            "test": self.test_predictions,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.write_bytes(pickle.dumps(saved))
        partial.replace(path)

    def ladder(self) -> None:
        for j, name in enumerate(self.data.targets.columns):
            self.unit(f"ladder {name}", lambda j=j: self.ladder_of(j))

    def ladder_of(self, j: int) -> None:
        """The IQ ladder of trajectory ``j``."""
        name = self.data.targets.columns[j]
        fitted: list[Fitted] = fit_ladder(
            self._seqs(self.train),
            self.y[self.train, j],
            n_motifs=self.settings.n_motifs,
            seed=SEED,
        )
        for model in fitted:
            prediction = model.predict(self._seqs(self.test))
            self.record(
                model.model,
                prediction,
                params=model.n_parameters,
                seconds=model.seconds,
                device=_cpu(),
                note=model.note,
                j=j,
            )
            if model.model == DEFAULT:
                self._store(DEFAULT, j, model.predict(self._seqs(self.train)), prediction)
        _log(f"{self.data.name} {name}: IQ ladder done", self.start)

    def _fit_sequence_baseline(self, name: str, model, fit, note) -> None:
        """Time ``fit()``, then record ``model`` with the note ``note(model)``."""
        started = time.perf_counter()
        fit()
        self.record(
            name,
            model.predict(self._seqs(self.test)),
            params=model.n_parameters_,
            seconds=time.perf_counter() - started,
            device=_cpu(),
            note=note(model),
        )
        _log(f"{self.data.name}: {name} done", self.start)

    def kmer(self) -> None:
        self.unit("kmer", self.kmer_fit)

    def kmer_fit(self) -> None:
        """The k-mer ridge model."""
        model = KmerRidge()
        self._fit_sequence_baseline(
            KMER,
            model,
            lambda: model.fit(self._seqs(self.train), self.y[self.train]),
            lambda _: "canonical 3-6-mers, one ridge per trajectory",
        )

    def bom(self) -> None:
        self.unit("bom", self.bom_fit)

    def bom_fit(self) -> None:
        """The Bag-of-Motifs model."""
        motifs = bom_motifs(self.settings.bom_motifs)
        model = BagOfMotifs(motifs, n_estimators=self.settings.bom_rounds, random_state=SEED)
        self._fit_sequence_baseline(
            BOM,
            model,
            lambda: model.fit(
                self._seqs(self.train), self.y[self.train], self._seqs(self.val), self.y[self.val]
            ),
            lambda m: f"{len(m.columns_)} of {len(motifs)} {self.settings.bom_motifs} motifs hit",
        )

    def deep(self) -> None:
        for name in DEEP:
            self.unit(name, lambda name=name: self.deep_fit(name))

    def deep_fit(self, name: str) -> None:
        """Train the CNN ``name`` (one multi-task network for the data set)."""
        from dl.models import ARCHITECTURES
        from dl.training import DeepRegressor, TrainConfig

        s = self.settings
        config = TrainConfig(
            max_epochs=s.max_epochs, patience=s.patience, lr_patience=s.lr_patience, seed=SEED
        )
        on_states = ARCHITECTURES[name].trains_on_states and self.data.states is not None
        targets = (self.data.states if on_states else self.data.targets).to_numpy(dtype=float)
        model = DeepRegressor(name, width=s.width, config=config, device=s.device)
        model.fit(
            self.codes[self.train], targets[self.train], self.codes[self.val], targets[self.val]
        )

        def predict(mask):
            values = model.predict(self.codes[mask])
            return self.data.to_trajectories(values) if on_states else values

        self.train_predictions[name] = predict(self.train)
        self.test_predictions[name] = predict(self.test)
        history = model.history_
        note = (
            f"{len(history.train_loss)} epochs, best {history.best_epoch + 1}; "
            f"width {s.width:g}; one multi-task fit per data set"
            + ("; trained on states, dAP by difference" if on_states else "")
        )
        self.record(
            name,
            self.test_predictions[name],
            params=model.n_parameters_,
            seconds=history.seconds,
            device=history.device,
            note=note,
        )
        _log(f"{self.data.name}: {name} done ({history.seconds:.0f} s)", self.start)

    def ensembles(self) -> None:
        if DEFAULT not in self.train_predictions:
            return
        for name in DEEP:
            if name not in self.train_predictions:
                continue
            started = time.perf_counter()
            prediction = np.zeros((self.test.sum(), self.y.shape[1]))
            for j in range(self.y.shape[1]):
                pair = [DEFAULT, name]
                train = np.column_stack([self.train_predictions[m][:, j] for m in pair])
                test = np.column_stack([self.test_predictions[m][:, j] for m in pair])
                prediction[:, j] = (
                    LinearRegression().fit(train, self.y[self.train, j]).predict(test)
                )
            self.record(
                f"IQ + {name}",
                prediction,
                params=3,
                seconds=time.perf_counter() - started,
                device=_cpu(),
                note="linear regression on training predictions (3 weights per trajectory)",
            )

    def fit_all(self) -> list[dict]:
        """Fit the model groups of the settings; returns the score rows."""
        groups = self.settings.groups
        if "ladder" in groups:
            self.ladder()
        if "kmer" in groups:
            self.kmer()
        if "bom" in groups:
            self.bom()
        if "deep" in groups:
            if importlib.util.find_spec("torch") is None:
                print("deep models skipped: torch is not installed (pip install 'iqmodel[dl]')")
            else:
                self.deep()
                self.ensembles()
        return self.rows


def bom_motifs(name: str):
    """Motif database of the Bag-of-Motifs baseline: ``gimme`` (GimmeMotifs v5 vertebrate,
    falling back to JASPAR when absent) or ``jaspar2024`` (bundled)."""
    if name == "gimme" and GIMME_MOTIFS.is_file():
        return read_motifs(GIMME_MOTIFS)
    return load_motif_db("jaspar2024")


# ----------------------------------------------------------------------------- report


def model_order(models) -> list[str]:
    """The ladder (paper order), the sequence baselines, the CNNs, then the ensembles."""
    order = [*LADDER, KMER, BOM, *DEEP, *(f"IQ + {name}" for name in DEEP)]
    return [m for m in order if m in set(models)]


def wide(scores: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Models x ``dataset/trajectory`` table of ``metric``, with the mean over trajectories."""
    table = scores.assign(column=scores["dataset"] + "/" + scores["trajectory"]).pivot(
        index="model", columns="column", values=metric
    )
    columns = list(dict.fromkeys(scores["dataset"] + "/" + scores["trajectory"]))
    table = table.reindex(index=model_order(table.index), columns=columns)
    return table.assign(mean=table.mean(axis=1))


def total_fit_seconds(rows: pd.DataFrame) -> float:
    """Sum of fit times, counting a fit shared by a data set's trajectories once."""
    shared = rows["fit_per"] == "data set"
    once = rows[shared].drop_duplicates("dataset")["fit_s"].sum()
    return float(rows.loc[~shared, "fit_s"].sum() + once)


def summary(scores: pd.DataFrame) -> pd.DataFrame:
    """Per model: mean scores, parameters (range over data sets), total fit time, device."""
    rows = []
    for model in model_order(scores["model"].unique()):
        part = scores[scores["model"] == model]
        params = part.drop_duplicates(["dataset", "parameters"])["parameters"]
        rows.append(
            {
                "model": model,
                "mean pearson r^2": part["pearson_r2"].mean(),
                "mean R^2": part["r2"].mean(),
                "parameters": f"{params.min():,}"
                + ("" if params.nunique() == 1 else f"-{params.max():,}"),
                "fit s (sum)": total_fit_seconds(part),
                "device": ", ".join(part["device"].unique()),
            }
        )
    return pd.DataFrame(rows)


def test_pairs() -> list[tuple[str, str]]:
    """``(x, y)`` pairs tested (y against x): IQ vs each CNN, each ensemble vs its parts, the
    consecutive ladder steps, max vs log-sum-exp energies, and the sequence baselines vs IQ."""
    pairs = []
    for name in DEEP:
        pairs += [(name, DEFAULT), (DEFAULT, f"IQ + {name}"), (name, f"IQ + {name}")]
    ladder = [BASELINE, GLM, GAM, XGBOOST, DEFAULT, INTERACTIONS]
    pairs += list(itertools.pairwise(ladder))
    return [*pairs, (MAX, DEFAULT), (KMER, DEFAULT), (BOM, DEFAULT)]


def markdown(table: pd.DataFrame, digits: int = 3) -> str:
    """A pipe table; floats to ``digits`` decimals, NaN as '-'."""

    def cell(value) -> str:
        if isinstance(value, float | np.floating):
            return "-" if np.isnan(value) else f"{value:.{digits}f}"
        return str(value)

    header = [table.index.name or "", *map(str, table.columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for index, row in table.iterrows():
        lines.append("| " + " | ".join([str(index), *map(cell, row)]) + " |")
    return "\n".join(lines)


def figure(scores: pd.DataFrame, path: Path) -> None:
    """Per-trajectory squared Pearson r and R^2 by model (one marker per data set)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = model_order(scores["model"].unique())
    datasets = list(dict.fromkeys(scores["dataset"]))
    fig, axes = plt.subplots(2, 1, figsize=(max(8, 0.55 * len(models)), 8), sharex=True)
    for ax, metric, label in (
        (axes[0], "pearson_r2", "test squared Pearson r"),
        (axes[1], "r2", "test R^2 (clipped at -0.5)"),
    ):
        for k, dataset in enumerate(datasets):
            part = scores[scores["dataset"] == dataset]
            x = [models.index(m) + (k - len(datasets) / 2) * 0.08 for m in part["model"]]
            ax.scatter(x, part[metric].clip(lower=-0.5), s=18, label=dataset, alpha=0.8)
        means = scores.groupby("model")[metric].mean().reindex(models)
        ax.hlines(
            means.clip(lower=-0.5),
            np.arange(len(models)) - 0.3,
            np.arange(len(models)) + 0.3,
            color="black",
        )
        ax.set_ylabel(label)
        ax.axhline(0, color="grey", lw=0.5)
    axes[0].legend(title="data set (bar: mean)", fontsize=8, ncol=len(datasets))
    axes[1].set_xticks(range(len(models)), models, rotation=60, ha="right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def report(scores: pd.DataFrame, out: Path) -> None:
    """Print and write the tables, the paired tests and the figure."""
    pd.set_option("display.width", 250)
    pd.set_option("display.max_columns", 30)
    fmt = lambda v: f"{v:.3f}"  # noqa: E731
    sections = []
    for metric, title in (("pearson_r2", "test squared Pearson r"), ("r2", "test R^2")):
        table = wide(scores, metric)
        print(f"\n== {title} per trajectory\n{table.to_string(float_format=fmt, na_rep='-')}")
        sections.append(f"{title}:\n\n{markdown(table)}")
    table = summary(scores).set_index("model")
    print(f"\n== models\n{table.to_string(float_format=fmt)}")
    sections.append(f"models:\n\n{markdown(table)}")
    tests = compare_pairs(wide(scores, "pearson_r2").drop(columns="mean").T, test_pairs())
    if len(tests):
        shown = tests[
            [
                "x",
                "y",
                "n",
                "median_diff",
                "V",
                "p",
                "p_bh",
                "hl_estimate",
                "ci_low",
                "ci_high",
                "effect_r",
            ]
        ]
        print(
            "\n== paired Wilcoxon (y vs x), squared Pearson r over trajectories, BH over "
            f"{len(tests)} pairs"
        )
        print(shown.to_string(index=False, float_format=fmt))
        tests.to_csv(out / "tests.csv", index=False)
        sections.append(f"paired Wilcoxon tests:\n\n{markdown(shown.set_index('x'))}")
    scores.to_csv(out / "scores.csv", index=False)
    (out / "table.md").write_text("\n\n".join(sections) + "\n")
    figure(scores, out / "scores.png")


# ----------------------------------------------------------------------------- main


def settings_from(args) -> Settings:
    """Full or quick settings, with the command-line overrides."""
    settings = QUICK if args.quick else Settings()
    groups = tuple(g for g in args.models.split(",") if g)
    unknown = set(groups) - set(GROUPS)
    if unknown:
        raise SystemExit(f"--models: unknown {sorted(unknown)}; choose from {list(GROUPS)}")
    if args.device == "cuda" and "deep" in groups:
        from dl.training import resolve_device

        try:
            resolve_device("cuda")
        except (RuntimeError, ImportError) as error:
            raise SystemExit(f"--device cuda: {error}") from error
    changes = {"device": args.device, "groups": groups}
    if args.max_rows is not None:
        changes["max_rows"] = args.max_rows
    if args.width is not None:
        if not args.width > 0:
            raise SystemExit(f"--width must be positive, got {args.width}")
        changes["width"] = args.width
    return replace(settings, **changes)


def versions() -> dict:
    """Python, numpy, iqmodel and (when installed) torch versions."""
    import iqmodel

    found = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "iqmodel": iqmodel.__version__,
    }
    if importlib.util.find_spec("torch") is not None:
        import torch

        found["torch"] = torch.__version__
        found["cuda"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return found


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(LOADERS), help="comma-separated names")
    parser.add_argument("--quick", action="store_true", help="small, fast run (see the docstring)")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--models", default=",".join(GROUPS), help=f"subset of {','.join(GROUPS)}")
    parser.add_argument(
        "--max-rows", type=int, help="rows per data set (default: quick 800, full all)"
    )
    parser.add_argument(
        "--width", type=float, help="CNN channel multiplier (default: quick 0.125, full 1)"
    )
    parser.add_argument(
        "--resume", action="store_true", help="load the units saved in --out/checkpoints"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("out/compare_models"), help="folder for the results"
    )
    args = parser.parse_args(argv)
    settings = settings_from(args)
    names = [n for n in args.datasets.split(",") if n]
    unknown = set(names) - set(LOADERS)
    if unknown:
        raise SystemExit(f"--datasets: unknown {sorted(unknown)}; choose from {list(LOADERS)}")
    args.out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    print(f"{os.cpu_count()} CPUs; settings: {asdict(settings)}; {versions()}")
    rows, described = [], []
    for name in names:
        dataset = LOADERS[name]()
        if dataset is None:
            continue
        if settings.max_rows is not None:
            dataset = subsample(dataset, settings.max_rows)
        described.append(dataset.describe())
        _log(described[-1], start)
        checkpoints = args.out / "checkpoints"
        if not args.resume and checkpoints.joinpath(name).is_dir():
            shutil.rmtree(checkpoints / name)  # a fresh run must not mix with an old one
        rows += Run(dataset, settings, start, checkpoints).fit_all()
    if not rows:
        raise SystemExit("no data set could be loaded")
    scores = pd.DataFrame(rows)
    report(scores, args.out)
    seconds = time.perf_counter() - start
    document = {
        "command": " ".join(["python", "benchmarks/compare_models.py", *(argv or sys.argv[1:])]),
        "settings": asdict(settings),
        "datasets": described,
        "versions": versions(),
        "cpus": os.cpu_count(),
        "wall_s": round(seconds, 1),
    }
    (args.out / "run.json").write_text(json.dumps(document, indent=2) + "\n")
    print(f"\nwall time {seconds:.0f} s; results in {args.out}/")


if __name__ == "__main__":
    main()
