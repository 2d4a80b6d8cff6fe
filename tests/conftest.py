from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261121)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Folder of the real public data sets; tests using it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is not present")
    return SHARED_DATA


PLOT_PLANTED = ["CEBPB", "FOXA2", "MA0139.2", "ETS1"]
PLOT_DATABASE_TFS = {"CEBPB", "FOXA2", "CTCF", "ETS1", "Gata1", "SOX2"}  # planted + decoys


@pytest.fixture(scope="session")
def planted_pair():
    """650 planted peaks with a FOXA2 x ETS1 interaction (the plot tests' data)."""
    from iqmodel.datasets import make_planted_dataset

    return make_planted_dataset(
        n_seqs=650,
        seq_length=300,
        motifs=PLOT_PLANTED,
        interactions=[("MA0047.4", "MA0098.4", 2.0)],
        random_state=1,
    )


@pytest.fixture(scope="session")
def planted_database():
    """The planted motifs plus two decoys, from the bundled JASPAR."""
    from iqmodel.io import load_motif_db

    return [m for m in load_motif_db("jaspar2024") if m.alt_name in PLOT_DATABASE_TFS]


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every matplotlib figure a test left open."""
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
