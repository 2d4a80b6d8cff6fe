"""Tests for iqmodel.motifs: validation, prior handling, IC, trimming, similarity, frames."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from iqmodel.io import motifs_from_table, motifs_to_table
from iqmodel.motifs import Motif, MotifMatch, spatial_frame_start

A, C, G, T = np.eye(4)
UNIFORM = np.full(4, 0.25)


@pytest.fixture
def motif(rng) -> Motif:
    """A random, non-palindromic 12-bp motif with an 11 x 40 bp spatial profile."""
    pwm = rng.dirichlet(np.full(4, 0.3), size=12)
    return Motif("GATA1", pwm, spatial=np.linspace(0.1, 1.0, 11), bin_size=40, source="test")


# ----------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("pwm", "match"),
    [
        ([0.25, 0.25, 0.25, 0.25], r"shape \(length, 4\).*got shape \(4,\)"),
        ([[0.5, 0.25, 0.25]], r"shape \(length, 4\).*got shape \(1, 3\)"),
        (np.zeros((0, 4)), "no positions"),
        ([[0.5, np.nan, 0.25, 0.25]], "row 0 of pwm is not finite"),
        ([A, [0.5, -0.1, 0.3, 0.3]], "row 1 of pwm has a negative value"),
        ([A, [0.5, 0.2, 0.1, 0.1]], r"row 1 of pwm sums to 0\.9, not 1.*Motif\.from_counts"),
        ([[4, 16, 0, 0]], r"row 0 of pwm sums to 20.*from_counts"),
        ([["a", "b", "c", "d"]], "pwm must be numeric"),
    ],
)
def test_invalid_pwm(pwm, match):
    with pytest.raises(ValueError, match=match):
        Motif("bad", pwm)


def test_error_names_the_motif():
    with pytest.raises(ValueError, match="Motif 'NFKB'"):
        Motif("NFKB", [[0.5, 0.2, 0.1, 0.1]])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"name": ""}, ValueError, "name must be a non-empty string"),
        ({"name": 5}, TypeError, "name must be a string"),
        ({"name": "a\tb"}, ValueError, "must not contain tabs or line breaks"),
        ({"source": None}, TypeError, "source must be a string"),
        ({"alt_name": "x\ny"}, ValueError, "alt_name must not contain"),
        ({"spatial": [1.0, 2.0]}, ValueError, "needs bin_size"),
        ({"bin_size": 40}, ValueError, "bin_size=40 was given without a spatial profile"),
        ({"spatial": [1.0], "bin_size": 0}, ValueError, "bin_size must be a positive integer"),
        ({"spatial": [1.0], "bin_size": 40.0}, TypeError, "bin_size must be a positive integer"),
        ({"spatial": [1.0], "bin_size": True}, TypeError, "bin_size must be a positive integer"),
        ({"spatial": [[1.0, 2.0]], "bin_size": 40}, ValueError, "spatial must be a 1-D array"),
        ({"spatial": [], "bin_size": 40}, ValueError, "spatial must be a 1-D array"),
        ({"spatial": [1.0, -1.0], "bin_size": 40}, ValueError, "finite and >= 0"),
        ({"spatial": [1.0, np.inf], "bin_size": 40}, ValueError, "finite and >= 0"),
        ({"spatial": [0.0, 0.0], "bin_size": 40}, ValueError, "all zero"),
        ({"spatial": ["x"], "bin_size": 40}, ValueError, "spatial must be numeric"),
    ],
)
def test_invalid_arguments(kwargs, error, match):
    arguments = {"name": "m", "pwm": [A, C], **kwargs}
    with pytest.raises(error, match=match):
        Motif(**arguments)


def test_pwm_is_renormalised_copied_and_read_only():
    raw = np.array([[0.5, 0.2, 0.2, 0.11], [0.25, 0.25, 0.25, 0.25]])
    motif = Motif("m", raw, spatial=[1, 2, 1], bin_size=20)
    np.testing.assert_allclose(motif.pwm.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    np.testing.assert_allclose(motif.pwm[0], raw[0] / 1.01)
    assert motif.pwm.dtype == np.float64 and motif.pwm.flags.c_contiguous
    assert motif.spatial.dtype == np.float64
    assert raw.flags.writeable and raw[0, 0] == 0.5  # the caller's array is untouched
    with pytest.raises(ValueError, match="read-only"):
        motif.pwm[0, 0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        motif.spatial[0] = 1.0
    with pytest.raises(AttributeError):
        motif.pwm = raw


def test_from_counts():
    motif = Motif.from_counts("Arnt", [[4, 16, 0, 0], [19, 0, 1, 0]], source="JASPAR")
    np.testing.assert_allclose(motif.pwm, [[0.2, 0.8, 0, 0], [0.95, 0, 0.05, 0]])
    assert motif.source == "JASPAR"
    with pytest.raises(ValueError, match="row 1 of counts is all zero"):
        Motif.from_counts("m", [[1, 2, 3, 4], [0, 0, 0, 0]])
    with pytest.raises(ValueError, match="row 0 of counts has a negative value"):
        Motif.from_counts("m", [[1, -2, 3, 4]])


# ----------------------------------------------------------------------------- object protocol


def test_properties(motif):
    assert (motif.name, motif.source, motif.alt_name) == ("GATA1", "test", "")
    assert (motif.length, motif.n_bins, motif.bin_size, motif.frame_length) == (12, 11, 40, 440)
    assert motif.frame_start(500) == 30
    plain = Motif("m", [A])
    assert (plain.n_bins, plain.bin_size, plain.frame_length, plain.spatial) == (
        0,
        None,
        None,
        None,
    )
    assert plain.frame_start(500) == 0


def test_repr(motif):
    assert repr(motif) == "Motif('GATA1', length=12, spatial=11x40bp)"
    assert (
        repr(Motif("MA0004.1", [A], alt_name="Arnt"))
        == "Motif('MA0004.1', alt_name='Arnt', length=1)"
    )


def test_equality_and_hash(motif):
    same = Motif("GATA1", motif.pwm, motif.spatial, 40, source="test")
    assert motif == same
    assert motif != same.renamed("GATA2")
    assert motif != Motif("GATA1", motif.pwm, motif.spatial, 20, source="test")
    assert motif != Motif("GATA1", motif.pwm, motif.spatial, 40, source="other")
    assert motif != Motif("GATA1", motif.pwm, motif.spatial, 40, source="test", alt_name="x")
    assert motif != motif.with_spatial(None, None)
    assert motif != motif.reverse_complement()
    assert motif != "GATA1"
    with pytest.raises(TypeError, match="unhashable"):
        hash(motif)


def test_pickle_round_trip(motif):
    restored = pickle.loads(pickle.dumps(motif))
    assert restored == motif
    assert not restored.pwm.flags.writeable and not restored.spatial.flags.writeable


def test_with_spatial_and_renamed(motif):
    moved = motif.with_spatial([1.0, 3.0, 1.0], 10)
    assert (moved.n_bins, moved.bin_size, moved.name) == (3, 10, "GATA1")
    np.testing.assert_array_equal(moved.pwm, motif.pwm)
    assert motif.with_spatial(None, None).spatial is None
    with pytest.raises(ValueError, match="needs bin_size"):
        motif.with_spatial([1.0], None)
    renamed = motif.renamed("GATA2")
    assert (
        renamed.name == "GATA2"
        and renamed.with_spatial(motif.spatial, 40).renamed("GATA1") == motif
    )
    with pytest.raises(ValueError, match="non-empty"):
        motif.renamed(" ")


# ----------------------------------------------------------------------------- prior and IC


def test_log_probs_matches_prego_golden_table(shared_data):
    """Spec 2.2 against prego's precomputed MOTIF_DB (3,867 motifs, natural log, prior 0.01)."""
    folder = shared_data / "tanaylab"
    probabilities = pd.read_csv(folder / "prego_motifs_long.tsv.gz", sep="\t")
    probabilities["motif"] = probabilities["dataset"] + "." + probabilities["motif"]
    motifs = motifs_from_table(probabilities)
    golden = pd.read_csv(folder / "prego_MOTIF_DB_logpssm_prior0.01.tsv.gz", sep="\t")
    keys = motifs_to_table(motifs)[["motif", "pos"]]
    expected = keys.merge(golden, on=["motif", "pos"], how="left", validate="one_to_one")
    assert len(motifs) == 3867 and not expected.isna().any().any()
    ours = np.vstack([m.log_probs() for m in motifs])
    np.testing.assert_allclose(ours, expected[list("ACGT")].to_numpy(), rtol=0, atol=1e-5)


def test_log_probs_formula():
    motif = Motif("m", [[0.7, 0.1, 0.1, 0.1], A])
    np.testing.assert_allclose(motif.log_probs(0.05), np.log((motif.pwm + 0.05) / 1.2), rtol=1e-14)
    with_zero = motif.log_probs(prior=0)
    assert with_zero[1, 0] == 0.0 and np.isneginf(with_zero[1, 1:]).all()


@pytest.mark.parametrize(
    ("prior", "error", "match"),
    [
        (1.0, ValueError, r"prior must be in \[0.0, 1.0\), got 1.0"),
        (-0.01, ValueError, r"prior must be in \[0.0, 1.0\)"),
        (np.nan, ValueError, r"prior must be in"),
        ("0.01", TypeError, "prior must be a real number"),
    ],
)
def test_invalid_prior(prior, error, match):
    motif = Motif("m", [A])
    for method in (motif.log_probs, motif.information_content, motif.bits):
        with pytest.raises(error, match=match):
            method(prior)
    with pytest.raises(error, match=match):
        motif.similarity(motif, prior=prior)


def test_information_content_closed_forms():
    motif = Motif("m", [UNIFORM, A, [0.5, 0.5, 0, 0]])
    np.testing.assert_allclose(motif.information_content(prior=0), [0.0, 2.0, 1.0], atol=1e-15)
    p = np.array([1.01, 0.01, 0.01, 0.01]) / 1.04
    with_prior = motif.information_content()
    assert with_prior[0] == pytest.approx(0.0, abs=1e-15)
    assert with_prior[1] == pytest.approx(2 + np.sum(p * np.log2(p)), rel=1e-14)
    assert motif.bits() == pytest.approx(with_prior.sum(), rel=1e-14)
    assert motif.bits(prior=0) == pytest.approx(3.0)


def test_trim_keeps_inner_low_information_positions(motif):
    core = Motif("m", [UNIFORM, [0.26, 0.24, 0.25, 0.25], A, UNIFORM, T, UNIFORM], [1, 1], 40)
    trimmed = core.trim()
    np.testing.assert_array_equal(trimmed.pwm, core.pwm[2:5])
    np.testing.assert_array_equal(trimmed.spatial, core.spatial)
    assert (trimmed.name, trimmed.bin_size) == ("m", 40)
    # with threshold 0 the near-uniform row 1 counts; the exactly uniform rows never do
    np.testing.assert_array_equal(core.trim(bits_threshold=0).pwm, core.pwm[1:5])
    with pytest.raises(
        ValueError, match=r"no position has more than 2.0 bits.*lower bits_threshold"
    ):
        motif.trim(2.0)
    with pytest.raises(ValueError, match="bits_threshold must be in"):
        motif.trim(-1)


def test_reverse_complement(motif):
    small = Motif("m", [[0.7, 0.1, 0.15, 0.05], C], spatial=[1, 2], bin_size=5)
    flipped = small.reverse_complement()
    np.testing.assert_allclose(flipped.pwm, [G, [0.05, 0.15, 0.1, 0.7]])
    np.testing.assert_array_equal(flipped.spatial, small.spatial)
    assert flipped.name == "m"
    assert motif.reverse_complement().reverse_complement() == motif


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([G, A, T, A], "GATA"),
        ([UNIFORM, A, UNIFORM, T, UNIFORM], "A*T"),
        ([[0.35, 0.35, 0.15, 0.15], [0.35, 0.15, 0.35, 0.15], [0.35, 0.15, 0.15, 0.35]], "MRW"),
        ([[0.15, 0.35, 0.35, 0.15], [0.15, 0.35, 0.15, 0.35], [0.15, 0.15, 0.35, 0.35]], "SYK"),
        ([[0.3, 0.3, 0.2, 0.2]], "M"),  # top two sum to exactly 0.6
        ([[0.45, 0.45, 0.05, 0.05]], "C"),  # tie above 0.4: the later base wins
        ([[0.401, 0.199, 0.2, 0.2]], "A"),
        ([[0.4, 0.2, 0.2, 0.2]], "W"),  # 0.4 is not above 0.4; pair with the later tied base
        ([[0.3, 0.25, 0.25, 0.2]], ""),
        ([UNIFORM, UNIFORM], ""),
    ],
)
def test_consensus(rows, expected):
    assert Motif("m", rows).consensus() == expected


def test_consensus_thresholds():
    motif = Motif("m", [[0.7, 0.2, 0.05, 0.05]])
    assert motif.consensus(0.6, 0.85) == "A"
    assert motif.consensus(0.75, 0.85) == "M"
    assert motif.consensus(0.75, 0.95) == ""
    with pytest.raises(ValueError, match=r"single_threshold must be in \[0.0, 1.0\]"):
        motif.consensus(1.5)


# ----------------------------------------------------------------------------- similarity


@pytest.mark.parametrize("method", ["pearson", "spearman"])
def test_similarity_with_itself_and_its_reverse_complement(motif, method):
    itself = motif.similarity(motif, method=method)
    assert isinstance(itself, MotifMatch)
    assert itself.score == pytest.approx(1.0) and itself[1:] == (0, "+")
    flipped = motif.similarity(motif.reverse_complement(), method=method)
    assert flipped.score == pytest.approx(1.0) and flipped[1:] == (0, "-")


def test_similarity_finds_a_sub_motif(motif):
    sub = Motif("sub", motif.pwm[3:9])
    assert motif.similarity(sub)[1:] == (3, "+")
    assert motif.similarity(sub).score == pytest.approx(1.0)
    assert sub.similarity(motif)[1:] == (-3, "+")
    assert motif.similarity(sub.reverse_complement())[1:] == (3, "-")


def test_similarity_prefers_plus_strand_on_palindromes():
    ebox = Motif("ebox", [C, A, C, G, T, G])
    assert ebox.similarity(ebox) == MotifMatch(1.0, 0, "+")


def test_similarity_of_a_constant_block_is_zero(motif):
    assert motif.similarity(Motif("flat", [UNIFORM] * 4)) == MotifMatch(0.0, 0, "+")


def test_similarity_scores_are_correlations(rng):
    first = Motif("a", rng.dirichlet(np.ones(4), size=5))
    second = Motif("b", rng.dirichlet(np.ones(4), size=5))
    forward = np.corrcoef(_prior(first), _prior(second))[0, 1]
    reverse = np.corrcoef(_prior(first), _prior(second.reverse_complement()))[0, 1]
    assert first.similarity(second).score == pytest.approx(max(forward, reverse))


def _prior(motif: Motif) -> np.ndarray:
    """Flattened PWM with the default prior added and rows renormalised."""
    return np.exp(motif.log_probs()).ravel()


def test_similarity_errors(motif):
    with pytest.raises(ValueError, match=r"method must be one of \('pearson', 'spearman'\)"):
        motif.similarity(motif, method="kendall")
    with pytest.raises(TypeError, match="other must be a Motif, got ndarray"):
        motif.similarity(motif.pwm)


# ----------------------------------------------------------------------------- spatial frame


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((500, 11, 40), 30),
        ((300, 7, 40), 10),
        ((1000, 25, 40), 0),
        ((500, 249, 2), 1),
        ((501, 13, 34), 29),  # centre round(250.5) = 250 first, as in R
        ((7, 1, 1), 4),  # round(3.5) = 4 (half to even)
        ((100, 11, 40), -170),  # sequence shorter than the frame
    ],
)
def test_spatial_frame_start(args, expected):
    assert spatial_frame_start(*args) == expected


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((0, 11, 40), ValueError, "seq_length must be a positive integer, got 0"),
        ((500, 0, 40), ValueError, "n_bins must be a positive integer"),
        ((500, 11, 4.5), TypeError, "bin_size must be a positive integer"),
    ],
)
def test_spatial_frame_start_errors(args, error, match):
    with pytest.raises(error, match=match):
        spatial_frame_start(*args)
