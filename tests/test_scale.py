"""Memory at scale: the streaming screen's footprint and the checks that stop a fit that
would not fit in memory before it starts."""

from __future__ import annotations

import tracemalloc

import pytest

import iqmodel.exceptions
from iqmodel import IQModel
from iqmodel.cli import main
from iqmodel.datasets import make_planted_dataset
from iqmodel.exceptions import InsufficientMemoryError
from iqmodel.io import load_motif_db
from iqmodel.pipeline import screen_database, selection_memory
from iqmodel.seq import encode


@pytest.fixture(scope="module")
def planted():
    return make_planted_dataset(n_seqs=600, seq_length=150, motifs=["CEBPB"], random_state=1)


def test_streaming_screen_holds_candidates_and_one_chunk_not_the_database(planted):
    codes = encode(planted.sequences)
    database = load_motif_db("jaspar2024")  # 879 motifs
    n, chunk = len(codes), 64
    screen_database(codes[:50], planted.dap[:50], database[:70])  # compile outside the trace
    tracemalloc.start()
    screen = screen_database(codes, planted.dap, database, min_cor=0.2, chunk_size=chunk)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    k = len(screen.candidates)
    whole = 8 * n * len(database)
    assert k < len(database) / 4
    # one chunk with its temporaries, and the candidates (the pipeline.screen_memory terms)
    assert peak <= 64 * n * chunk + 3 * 8 * n * k
    assert peak < whole / 2  # the whole energy matrix is never held


def _quick(**params):
    database = [m for m in load_motif_db("jaspar2024") if m.alt_name in {"CEBPB", "SOX2"}]
    return IQModel(motif_db=database, n_motifs=2, filter=False, random_state=0, **params)


def test_fit_that_would_not_fit_stops_before_the_screen(planted, monkeypatch):
    monkeypatch.setattr(iqmodel.exceptions, "available_memory", lambda: 10_000)

    def no_energies(*args, **kwargs):
        raise AssertionError("energies were computed")

    monkeypatch.setattr("iqmodel.pipeline.database_energies", no_energies)
    with pytest.raises(InsufficientMemoryError, match=r"the database screen of 600 peaks x 2"):
        _quick().fit(planted.sequences, planted.dap)


def test_fit_stops_before_a_selection_that_would_not_fit(planted, monkeypatch):
    n = len(planted.sequences)
    database = load_motif_db("jaspar2024")[:300]  # min_cor=0: all 300 pass the screen
    answers = iter([10**12, selection_memory(n, 300) - 1])  # before the screen, after it
    monkeypatch.setattr(iqmodel.exceptions, "available_memory", lambda: next(answers))
    model = IQModel(motif_db=database, n_motifs=2, min_cor=0.0, random_state=0)
    with pytest.raises(InsufficientMemoryError, match=r"300 screened motifs .* raise min_cor"):
        model.fit(planted.sequences, planted.dap)


def test_memory_errors_are_one_line_command_errors(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(iqmodel.exceptions, "available_memory", lambda: 10_000)
    args = ["fit", "--quiet", "--table", "mouse-atac", "--start", "c1", "--end", "c3", "--out"]
    assert main([*args, str(tmp_path / "run")]) == 1
    error = capsys.readouterr().err
    assert error.startswith("iqmodel: error: the database screen of 800 peaks x 879 motifs")
    assert "kB are available; fit on fewer peaks" in error and error.count("\n") == 1
