"""Energies, screening, fits and predictions on a Dask cluster equal the local results.

A ``LocalCluster`` with two worker processes (one thread each) stands in for a multi-node
cluster; joblib's Dask backend routes the energy tiles to it.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

distributed = pytest.importorskip(
    "distributed", reason="the Dask path needs dask.distributed: pip install 'iqmodel[dask]'"
)
import joblib  # noqa: E402

import iqmodel.energy as energy_module  # noqa: E402
from iqmodel import IQModel  # noqa: E402
from iqmodel._parallel import dask_backend_active  # noqa: E402
from iqmodel.cli import main  # noqa: E402
from iqmodel.datasets import make_planted_dataset  # noqa: E402
from iqmodel.energy import compute_energies  # noqa: E402
from iqmodel.io import load_motif_db, write_meme  # noqa: E402
from iqmodel.pipeline import distill_clusters, screen_database  # noqa: E402
from iqmodel.seq import encode  # noqa: E402

PLANTED = ["CEBPB", "FOXA2", "ETS1"]


@pytest.fixture(scope="module")
def cluster():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as local,
        distributed.Client(local) as client,
    ):
        yield client


@pytest.fixture
def small_tiles(monkeypatch):
    """Tiles of at most 97 sequences and no minimum job size: small inputs make many tasks."""
    monkeypatch.setattr(energy_module, "_TILE_ROWS", 97)
    monkeypatch.setattr(energy_module, "_MIN_DASK_PAIRS", 0)


@pytest.fixture(scope="module")
def planted():
    return make_planted_dataset(n_seqs=400, seq_length=200, motifs=PLANTED, random_state=2)


def _on_cluster(client, function):
    """``function()`` under joblib's Dask backend, and the number of tasks the cluster ran."""
    with distributed.get_task_stream(client) as stream, joblib.parallel_config(backend="dask"):
        result = function()
    return result, len(stream.data)


@pytest.mark.parametrize("mode", ["lse", "max"])
def test_energies_on_the_cluster_are_bit_identical(cluster, small_tiles, mode):
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGTN"), rng.integers(5, 90))) for _ in range(300)]
    motifs = load_motif_db("jaspar2024")[:300]  # two motif chunks
    local = compute_energies(seqs, motifs, mode=mode)
    remote, n_tasks = _on_cluster(cluster, lambda: compute_energies(seqs, motifs, mode=mode))
    assert n_tasks >= 4 * 2  # 4 sequence tiles x 2 motif chunks went to the workers
    np.testing.assert_array_equal(remote, local)


def test_small_jobs_stay_local(cluster):
    motifs = load_motif_db("jaspar2024")[:3]
    _, n_tasks = _on_cluster(cluster, lambda: compute_energies(["ACGTACGTAC"] * 4, motifs))
    assert n_tasks == 0


def test_backend_detection():
    assert not dask_backend_active()
    with joblib.parallel_config(backend="threading"):
        assert not dask_backend_active()


def test_screen_fit_and_predict_on_the_cluster_equal_local(cluster, small_tiles, planted):
    database = [m for m in load_motif_db("jaspar2024") if m.alt_name in {*PLANTED, "SOX2"}]
    codes = encode(planted.sequences)
    local_screen = screen_database(codes, planted.dap, database, n_wanted=3, chunk_size=2)
    remote_screen, _ = _on_cluster(
        cluster,
        lambda: screen_database(codes, planted.dap, database, n_wanted=3, chunk_size=2),
    )
    np.testing.assert_array_equal(remote_screen.candidates, local_screen.candidates)
    np.testing.assert_array_equal(remote_screen.energies, local_screen.energies)

    def fit():
        model = IQModel(motif_db=database, n_motifs=3, filter=False, random_state=0, verbose=0)
        return model.fit(planted.sequences[:300], planted.dap[:300])

    local = fit()
    remote, n_tasks = _on_cluster(cluster, fit)
    assert n_tasks > 0
    assert remote.to_dict() == local.to_dict()
    held_out = planted.sequences[300:]
    predicted, n_tasks = _on_cluster(cluster, lambda: local.predict(held_out))
    assert n_tasks > 0
    np.testing.assert_array_equal(predicted, local.predict(held_out))


def test_distillation_runs_one_task_per_cluster_and_equals_local(cluster, planted):
    codes = encode(planted.sequences)
    motifs = [m.with_spatial(None, None) for m in planted.truth.motifs]
    clusters = [np.array([0]), np.array([1, 2])]  # a database motif's profile; a de-novo PWM
    betas = np.array([0.3, -0.2, 0.1])

    def distill():
        return distill_clusters(
            codes, motifs, planted.truth.energies, betas, clusters, random_state=0
        )

    local = distill()
    remote, n_tasks = _on_cluster(cluster, distill)
    assert n_tasks == 2  # the energies of so few sequences stay local
    assert local.members.equals(remote.members)
    for mine, theirs in zip(local.motifs, remote.motifs, strict=True):
        assert (mine.name, mine.source) == (theirs.name, theirs.source)
        np.testing.assert_array_equal(mine.pwm, theirs.pwm)
        np.testing.assert_array_equal(mine.spatial, theirs.spatial)
    assert local.motifs[0].source == motifs[0].source
    assert local.motifs[1].source == "iqmodel distilled"


def test_cli_dask_scheduler(cluster, small_tiles, planted, tmp_path):
    table = pd.DataFrame({"sequence": planted.sequences, "early": 0.5 - planted.dap / 10})
    table["late"] = 0.5 + planted.dap / 10
    table.to_csv(tmp_path / "table.tsv", sep="\t", index=False)
    database = [m for m in load_motif_db("jaspar2024") if m.alt_name in {*PLANTED, "SOX2"}]
    write_meme(database, tmp_path / "motifs.meme")
    (tmp_path / "run.toml").write_text(
        f'motif_db = "{tmp_path / "motifs.meme"}"\nn_motifs = 3\nfilter = false\n'
    )
    common = ["fit", "--quiet", "--table", str(tmp_path / "table.tsv"), "--start", "early"]
    common += ["--end", "late", "--config", str(tmp_path / "run.toml"), "--seed", "1"]
    common += ["--no-figures"]
    assert main([*common, "--out", str(tmp_path / "local")]) == 0
    address = cluster.scheduler.address
    assert main([*common, "--dask-scheduler", address, "--out", str(tmp_path / "dask")]) == 0
    read = lambda run: (tmp_path / run / "predictions.tsv").read_text()  # noqa: E731
    assert read("dask") == read("local")
    metrics = {
        run: {
            k: v
            for k, v in json.loads((tmp_path / run / "metrics.json").read_text()).items()
            if "seconds" not in k
        }
        for run in ("local", "dask")
    }
    assert metrics["dask"] == metrics["local"]


def test_cli_dask_scheduler_that_does_not_answer(capsys, tmp_path):
    args = ["predict", "--model", str(tmp_path / "model.json"), "--table", "mouse-atac"]
    args += ["--out", str(tmp_path / "p.tsv"), "--dask-scheduler", "tcp://127.0.0.1:9"]
    assert main(args) == 2
    assert "--dask-scheduler tcp://127.0.0.1:9: cannot connect" in capsys.readouterr().err
