"""``iqmodel fit-multi``: several trajectories with shared motifs, end to end."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from iqmodel import MultiIQModel, load_model
from iqmodel.cli import main
from iqmodel.datasets import make_planted_trajectories
from iqmodel.io import load_motif_db, write_meme
from iqmodel.multi_run import parse_trajectory_pairs

PLANTED = ["CEBPB", "FOXA2", "ETS1"]


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    """A sequence table with four states: s1..s3 differ from s0 by planted effects."""
    root = tmp_path_factory.mktemp("multi_cli")
    effects = pd.DataFrame({"t1": [3.0, -2.5, 0.0], "t2": [0.0, 2.5, 2.0], "t3": [-2.0, 0.0, 2.0]})
    data = make_planted_trajectories(
        effects, motifs=PLANTED, n_seqs=500, seq_length=200, random_state=4
    )
    frame = pd.DataFrame({"name": [f"p{i}" for i in range(500)], "sequence": data.sequences})
    frame["s0"] = 0.0  # the start state: flat but for one peak that sets its [0, 1] range
    frame.loc[0, "s0"] = 1.0
    for k, trajectory in enumerate(effects, start=1):
        frame[f"s{k}"] = frame["s0"] + data.dap[trajectory] + 1.0
    frame.to_csv(root / "table.tsv", sep="\t", index=False)
    database = [m for m in load_motif_db("jaspar2024") if m.alt_name in [*PLANTED, "Gata1"]]
    write_meme(database, root / "motifs.meme")
    (root / "run.toml").write_text(f'motif_db = "{root / "motifs.meme"}"\nn_motifs = 4\n')
    return root


def _args(root, out, *extra):
    return [
        "fit-multi",
        "--quiet",
        "--table", str(root / "table.tsv"),
        "--trajectories", "a=s0:s1,s0:s2,c=s0:s3",
        "--config", str(root / "run.toml"),
        "--seed", "2",
        "--out", str(out),
        *extra,
    ]  # fmt: skip


@pytest.fixture(scope="module")
def run_folder(table, tmp_path_factory):
    import matplotlib
    import matplotlib.pyplot as plt

    backend, open_figures = matplotlib.get_backend(), plt.get_fignums()
    out = tmp_path_factory.mktemp("runs") / "multi"
    assert main(_args(table, out)) == 0
    # the report is written from detached figures: a notebook keeps its backend and figures
    assert matplotlib.get_backend() == backend and plt.get_fignums() == open_figures
    return out


@pytest.mark.slow
def test_fit_multi_writes_the_run(run_folder, capsys):
    files = {p.name for p in run_folder.iterdir()}
    assert {
        "model.json",
        "metrics.json",
        "predictions.tsv",
        "config.toml",
        "data.tsv.gz",
        "removed_peaks.tsv",
        "ap.tsv",
        "report.pdf",
    } <= files
    model = load_model(run_folder / "model.json")
    assert isinstance(model, MultiIQModel) and model.trajectories_ == ["a", "s0:s2", "c"]
    metrics = json.loads((run_folder / "metrics.json").read_text())
    assert metrics["method"] == "from-models" and metrics["seed"] == 2
    for name in model.trajectories_:
        stages = metrics["trajectories"][name]
        assert set(stages) == {"before", "after", "full"}
        assert stages["after"]["test"]["r2"] > 0.3
        assert set(stages["after"]) == {"train", "test", "n_motifs"}
    predictions = pd.read_csv(run_folder / "predictions.tsv", sep="\t")
    assert list(predictions.columns) == ["name", "split", "a", "s0:s2", "c"]
    data = pd.read_csv(run_folder / "data.tsv.gz", sep="\t")
    np.testing.assert_allclose(
        model.predict(data["sequence"].tolist()).to_numpy(),
        predictions[["a", "s0:s2", "c"]].to_numpy(),
        rtol=1e-12,
    )
    assert {"dap:a", "dap:s0:s2", "dap:c", "split"} <= set(data.columns)
    config = (run_folder / "config.toml").read_text()
    assert 'trajectories = "a=s0:s1,s0:s2,c=s0:s3"' in config
    assert 'method = "from-models"' in config
    assert "n_motifs = 4" in config


@pytest.mark.slow
def test_fit_multi_with_the_fit_method(table, tmp_path, capsys):
    out = tmp_path / "fast"
    assert main(_args(table, out, "--method", "fit", "--no-figures", "--max-motifs", "3")) == 0
    printed = capsys.readouterr().out
    assert "shared motifs for 3 trajectories" in printed and "before" not in printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics["trajectories"]["a"]) == {"after", "full"}
    assert not (out / "report.pdf").exists()
    assert "max_motifs = 3" in (out / "config.toml").read_text()


@pytest.mark.parametrize(
    "text, message",
    [
        ("s0:s1", "at least two"),
        ("s0:s1,s0-s2", "not of the form"),
        ("x=s0:s1,x=s0:s2", "repeated"),
        ("s1:s1,s0:s2", "same state"),
        ("s0:s1,,s0:s2", "not of the form"),
    ],
)
def test_bad_trajectory_lists_are_usage_errors(table, tmp_path, capsys, text, message):
    args = _args(table, tmp_path / "o")
    args[args.index("--trajectories") + 1] = text
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "--trajectories" in err and message in err
    assert not (tmp_path / "o").exists()


def test_unknown_state_is_a_data_error(table, tmp_path, capsys):
    args = _args(table, tmp_path / "o")
    args[args.index("--trajectories") + 1] = "s0:s1,s0:s9"
    assert main(args) == 1
    assert "s9" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_parse_trajectory_pairs():
    pairs = parse_trajectory_pairs(" meso = c1:c3, c1+c2:c5 ")
    assert [p.name for p in pairs] == ["meso", "c1+c2:c5"]
    assert pairs[0].start == "c1" and pairs[0].end == "c3"
    assert pairs[1].start == ["c1", "c2"] and pairs[1].end == "c5"
