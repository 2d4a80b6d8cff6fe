from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.special import logit
from sklearn.metrics import roc_auc_score

from iqmodel.datasets import (
    DEFAULT_PLANTED_MOTIFS,
    PlantedDataset,
    PlantedTruth,
    make_planted_dataset,
)
from iqmodel.features import RESPONSE_FUNCTIONS, response_function
from iqmodel.motifs import Motif
from iqmodel.seq import gc_content, reverse_complement


@pytest.fixture(scope="module")
def planted() -> PlantedDataset:
    return make_planted_dataset(n_seqs=600, random_state=0)


def _has_site(data: PlantedDataset, motif: str) -> np.ndarray:
    sites = data.truth.sites
    has = np.zeros(len(data.sequences), dtype=bool)
    has[sites.loc[sites["motif"] == motif, "seq_index"]] = True
    return has


def _site_mask(data: PlantedDataset) -> np.ndarray:
    mask = np.zeros((len(data.sequences), len(data.sequences[0])), dtype=bool)
    for row in data.truth.sites.itertuples():
        mask[row.seq_index, row.start : row.start + len(row.sequence)] = True
    return mask


def _eta(dap_noiseless: np.ndarray) -> np.ndarray:
    return logit((dap_noiseless + 1.0) / 2.0)


def test_same_seed_same_data_other_seed_other_data():
    first = make_planted_dataset(n_seqs=200, random_state=7)
    second = make_planted_dataset(n_seqs=200, random_state=7)
    other = make_planted_dataset(n_seqs=200, random_state=8)
    assert first.sequences == second.sequences
    np.testing.assert_array_equal(first.dap, second.dap)
    pd.testing.assert_frame_equal(first.truth.sites, second.truth.sites)
    assert first.sequences != other.sequences


def test_accepts_a_generator(rng):
    data = make_planted_dataset(n_seqs=50, random_state=rng)
    assert len(data.sequences) == 50


def test_shapes_types_and_defaults(planted):
    truth = planted.truth
    assert isinstance(planted, PlantedDataset) and isinstance(truth, PlantedTruth)
    assert len(planted.sequences) == 600
    assert {len(seq) for seq in planted.sequences} == {300}
    assert set("".join(planted.sequences)) == set("ACGT")
    assert planted.dap.shape == truth.dap_noiseless.shape == (600,)
    assert truth.energies.shape == (600, 4)
    assert truth.energies.min() >= 0 and truth.energies.max() == 10
    names = list(DEFAULT_PLANTED_MOTIFS[:4])
    assert [motif.name for motif in truth.motifs] == names
    assert all(motif.n_bins == 11 and motif.bin_size == 27 for motif in truth.motifs)
    assert list(truth.coefficients.index) == names
    assert list(truth.coefficients.columns) == list(RESPONSE_FUNCTIONS)
    assert truth.coefficients["high-energy"].tolist() == [3.0, -2.5, 2.0, -1.5]
    assert not truth.coefficients.drop(columns="high-energy").to_numpy().any()
    assert truth.interactions.empty
    assert list(truth.interactions.columns) == ["motif_a", "motif_b", "coefficient", "response"]
    assert truth.intercept == 0.0
    assert list(truth.sites.columns) == ["seq_index", "motif", "start", "strand", "sequence"]
    assert list(truth.n_skipped.index) == names


def test_sites_are_in_the_sequences_at_the_recorded_positions(planted):
    sites = planted.truth.sites
    assert len(sites) > 0.8 * 600 * 4 * 0.5
    assert set(sites["strand"]) == {"+", "-"}
    for row in sites.itertuples():
        found = planted.sequences[row.seq_index][row.start : row.start + len(row.sequence)]
        expected = row.sequence if row.strand == "+" else reverse_complement([row.sequence])[0]
        assert found == expected
    lengths = {motif.name: motif.length for motif in planted.truth.motifs}
    assert (sites["sequence"].str.len() == sites["motif"].map(lengths)).all()
    assert _site_mask(planted).sum() == sites["sequence"].str.len().sum()  # no overlaps


def test_site_centres_follow_the_requested_position(planted):
    sites = planted.truth.sites
    centres = sites["start"] + sites["sequence"].str.len() / 2
    assert abs(centres.mean() - 150) < 5
    assert 35 < centres.std() < 45


def test_gc_content_away_from_sites(planted):
    background = np.array([list(seq) for seq in planted.sequences])[~_site_mask(planted)]
    assert abs(np.isin(background, ["C", "G"]).mean() - 0.42) < 0.01


def test_base_composition_vector():
    data = make_planted_dataset(
        n_seqs=200, gc_content=[0.1, 0.2, 0.3, 0.4], site_rate=0.0, random_state=1
    )
    bases = np.array([list(seq) for seq in data.sequences]).ravel()
    frequencies = [np.mean(bases == base) for base in "ACGT"]
    np.testing.assert_allclose(frequencies, [0.1, 0.2, 0.3, 0.4], atol=0.01)
    assert abs(gc_content(data.sequences).mean() - 0.5) < 0.01


def test_planted_sites_raise_the_motif_energy(planted):
    for k, motif in enumerate(planted.truth.motifs):
        has = _has_site(planted, motif.name)
        energy = planted.truth.energies[:, k]
        assert np.median(energy[has]) - np.median(energy[~has]) > 4
        assert roc_auc_score(has, energy) > 0.95


def test_dap_range_and_effect_signs(planted):
    truth = planted.truth
    assert np.abs(planted.dap).max() <= 1
    assert np.abs(truth.dap_noiseless).max() < 1
    for k, effect in enumerate(truth.coefficients["high-energy"]):
        correlation = np.corrcoef(planted.dap, truth.energies[:, k])[0, 1]
        assert np.sign(correlation) == np.sign(effect) and abs(correlation) > 0.2
    assert 0.9 < truth.oracle_r2 <= 1


def test_no_noise_gives_oracle_r2_of_one():
    data = make_planted_dataset(n_seqs=100, noise_sd=0.0, random_state=2)
    np.testing.assert_array_equal(data.dap, data.truth.dap_noiseless)
    assert data.truth.oracle_r2 == 1.0


def test_dap_follows_the_truth_model():
    names = list(DEFAULT_PLANTED_MOTIFS[:3])
    coefficients = pd.DataFrame(
        {"low-energy": [0.5, 0.0, -1.0], "sigmoid": [0.0, 1.5, 0.0], "higher-energy": [2, 0, 0]},
        index=names,
    )
    data = make_planted_dataset(
        n_seqs=200, n_motifs=3, coefficients=coefficients, intercept=-0.4, random_state=3
    )
    energies = data.truth.energies
    eta = -0.4 + sum(
        coefficients.loc[name, function] * response_function(energies[:, k], function)
        for k, name in enumerate(names)
        for function in coefficients.columns
    )
    np.testing.assert_allclose(_eta(data.truth.dap_noiseless), eta, atol=1e-9)
    assert data.truth.coefficients["high-energy"].eq(0).all()


def test_interactions_change_dap_as_specified():
    a, b, c = DEFAULT_PLANTED_MOTIFS[:3]
    interactions = [(a, b, 2.0), (a, c, -1.0, "sigmoid")]
    plain = make_planted_dataset(n_seqs=300, random_state=4)
    paired = make_planted_dataset(n_seqs=300, interactions=interactions, random_state=4)
    assert paired.sequences == plain.sequences
    energies = paired.truth.energies
    expected = 2.0 * response_function(energies[:, 0] * energies[:, 1] / 10, "high-energy")
    expected -= response_function(energies[:, 0] * energies[:, 2] / 10, "sigmoid")
    difference = _eta(paired.truth.dap_noiseless) - _eta(plain.truth.dap_noiseless)
    np.testing.assert_allclose(difference, expected, atol=1e-9)
    assert paired.truth.interactions["response"].tolist() == ["high-energy", "sigmoid"]
    again = make_planted_dataset(n_seqs=300, interactions=paired.truth.interactions, random_state=4)
    np.testing.assert_array_equal(again.dap, paired.dap)


def test_motifs_by_name_or_object():
    custom = Motif("AAAC", [[1, 0, 0, 0]] * 3 + [[0, 1, 0, 0]], spatial=[1.0], bin_size=5)
    data = make_planted_dataset(n_seqs=50, motifs=["cebpb", "ma0139.2", custom], random_state=5)
    truth = data.truth
    assert [motif.name for motif in truth.motifs] == ["MA0466.4", "MA0139.2", "AAAC"]
    assert truth.motifs[0].alt_name == "CEBPB"
    assert truth.motifs[2].n_bins == 11  # the planting profile replaces the given one
    assert truth.coefficients["high-energy"].tolist() == [3.0, -2.5, 2.0]


def test_per_motif_rates_positions_and_uniform_placement():
    data = make_planted_dataset(
        n_seqs=300,
        n_motifs=3,
        site_rate=[0.0, 1.0, 1.0],
        position=["center", 80, "uniform"],
        random_state=6,
    )
    truth = data.truth
    counts = truth.sites["motif"].value_counts()
    names = [motif.name for motif in truth.motifs]
    assert names[0] not in counts and 250 < counts[names[1]] < 350
    sites = truth.sites.set_index("motif")
    centres = sites["start"] + sites["sequence"].str.len() / 2
    assert abs(centres[names[1]].mean() - 80) < 8
    assert centres[names[2]].std() > 70
    assert truth.motifs[2].spatial is None
    # bin 2 holds window starts 56-82, around the mean start 80 - 13 / 2
    assert np.argmax(truth.motifs[1].spatial) == 2


def test_affinity_sharpens_sites():
    motif = make_planted_dataset(n_seqs=2, random_state=0).truth.motifs[0]
    consensus = "".join("ACGT"[i] for i in motif.pwm.argmax(axis=1))
    sharp = make_planted_dataset(n_seqs=100, motifs=[motif], affinity=50.0, random_state=7)
    assert (sharp.truth.sites["sequence"] == consensus).all()
    loose = make_planted_dataset(n_seqs=100, motifs=[motif], affinity=0.0, random_state=7)
    assert (loose.truth.sites["sequence"] != consensus).mean() > 0.99


def test_crowded_sites_are_skipped_and_counted():
    data = make_planted_dataset(
        n_seqs=100, seq_length=40, n_motifs=2, site_rate=3.0, position_sd=1.0, random_state=8
    )
    assert data.truth.n_skipped.sum() > 100
    assert _site_mask(data).sum() == data.truth.sites["sequence"].str.len().sum()


def test_default_motifs_are_distinct_and_short():
    data = make_planted_dataset(n_seqs=2, n_motifs=len(DEFAULT_PLANTED_MOTIFS), random_state=0)
    motifs = data.truth.motifs
    assert all(motif.length <= 15 and motif.bits() > 8 for motif in motifs)
    for first, second in itertools.combinations(motifs, 2):
        assert first.similarity(second).score < 0.45


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_seqs": 0}, ValueError, "n_seqs must be a positive integer"),
        ({"n_seqs": 1}, ValueError, "n_seqs must be at least 2"),
        ({"n_seqs": 2.5}, TypeError, "n_seqs must be a positive integer"),
        ({"seq_length": 20}, ValueError, "seq_length must be at least 26 bp"),
        ({"motifs": []}, ValueError, "motifs is empty"),
        ({"motifs": 3}, TypeError, "motifs must be a list"),
        ({"motifs": [3]}, TypeError, r"motifs\[0\] is a int"),
        ({"motifs": ["no-such-tf"]}, ValueError, "not in the bundled JASPAR 2024"),
        ({"motifs": ["CTCF"]}, ValueError, "matches 3 JASPAR 2024 motifs"),
        ({"motifs": ["CEBPB", "MA0466.4"]}, ValueError, "motif names must be unique"),
        ({"motifs": ["CEBPB"], "n_motifs": 2}, ValueError, "contradicts the 1 motifs"),
        ({"n_motifs": 9}, ValueError, "n_motifs must be at most 8"),
        ({"gc_content": 1.5}, ValueError, r"gc_content must be in \[0.0, 1.0\]"),
        ({"gc_content": [0.5, 0.5]}, ValueError, "4 non-negative probabilities"),
        ({"gc_content": [0.5, 0.5, 0.5, 0.5]}, ValueError, "summing to 1"),
        ({"site_rate": -1.0}, ValueError, "site_rate must be in"),
        ({"site_rate": [1.0, 2.0]}, ValueError, "site_rate has 2 values but 4 motifs"),
        ({"site_rate": None}, TypeError, "site_rate must be one value or a list"),
        ({"affinity": [1, 1, 1, -1]}, ValueError, r"affinity\[3\] must be in"),
        ({"position": "left"}, ValueError, "position must be 'center', 'uniform'"),
        ({"position": 301}, ValueError, r"position must be in \[0.0, 300\]"),
        ({"position_sd": 0.0}, ValueError, "position_sd must be > 0"),
        ({"coefficients": [1.0, 2.0]}, ValueError, r"one high-energy coefficient per motif"),
        ({"coefficients": [1.0, np.nan, 0, 0]}, ValueError, "coefficients must be finite"),
        (
            {"coefficients": pd.DataFrame({"linear": [1.0]}, index=["MA0466.4"])},
            ValueError,
            r"unknown columns: \['linear'\]",
        ),
        (
            {"coefficients": pd.DataFrame({"sigmoid": [1.0]}, index=["GATA9"])},
            ValueError,
            r"unknown motifs: \['GATA9'\]",
        ),
        ({"interactions": [("MA0466.4",)]}, ValueError, r"interactions\[0\] must be a tuple"),
        ({"interactions": 5}, TypeError, "interactions must be a list of"),
        ({"interactions": [("MA0466.4", "X", 1.0)]}, ValueError, "'X', which is not a planted"),
        ({"interactions": [("MA0466.4", "MA0466.4", 1.0)]}, ValueError, "with itself"),
        (
            {"interactions": [("MA0466.4", "MA0139.2", 1.0, "linear")]},
            ValueError,
            "has response 'linear'",
        ),
        (
            {"interactions": [("MA0466.4", "MA0139.2", np.inf)]},
            ValueError,
            "coefficient must be finite",
        ),
        (
            {"interactions": pd.DataFrame({"motif_a": ["MA0466.4"]})},
            ValueError,
            r"missing: \['coefficient', 'motif_b'\]",
        ),
        ({"intercept": "1"}, TypeError, "intercept must be a real number"),
        ({"intercept": np.nan}, ValueError, "intercept must be finite"),
        ({"noise_sd": -0.1}, ValueError, "noise_sd must be in"),
        ({"random_state": -1}, ValueError, "random_state must be None, a non-negative int"),
        ({"random_state": "seed"}, ValueError, "random_state must be None, a non-negative int"),
    ],
)
def test_invalid_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_planted_dataset(**{"n_seqs": 10, **kwargs})
