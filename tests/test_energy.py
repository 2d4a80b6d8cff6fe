from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from iqmodel import seq
from iqmodel._kernels.energy import frame_start
from iqmodel.energy import compute_energies, local_energies
from iqmodel.io import load_motif_db, read_meme
from iqmodel.motifs import Motif, spatial_frame_start

TOLERANCE = 1e-6  # nats, the exactness bar


def _reference_window_terms(codes, motif, prior, bidirect):
    """Slow float64 log-space terms ln(w) + ln P(window) per window and strand (spec 3.1)."""
    with np.errstate(divide="ignore"):
        log_p = np.log(np.exp(motif.log_probs(prior)))
    log_p = np.hstack([log_p, np.full((motif.length, 1), np.log(0.25))])  # N scores 1/4
    complement = [3, 2, 1, 0, 4]
    n = len(codes)
    if motif.spatial is None:
        start, stop = 0, n
    else:
        start = spatial_frame_start(n, motif.n_bins, motif.bin_size)
        stop = start + motif.n_bins * motif.bin_size
    terms = []
    for i in range(max(start, 0), min(stop, n) - motif.length + 1):
        weight = 1.0 if motif.spatial is None else motif.spatial[(i - start) // motif.bin_size]
        with np.errstate(divide="ignore"):
            log_w = np.log(weight)
        forward = sum(log_p[k, codes[i + k]] for k in range(motif.length))
        reverse = sum(
            log_p[motif.length - 1 - k, complement[codes[i + k]]] for k in range(motif.length)
        )
        terms.append((log_w + forward, log_w + reverse if bidirect else -np.inf))
    return np.array(terms).reshape(-1, 2)


def reference_energy(codes, motif, *, prior=0.01, mode="lse", bidirect=True):
    terms = _reference_window_terms(codes, motif, prior, bidirect)
    if mode == "max":
        windows = np.logaddexp(terms[:, 0], terms[:, 1])
        return windows.max() if len(windows) else -np.inf
    flat = terms.ravel()
    if len(flat) == 0 or np.all(flat == -np.inf):
        return -np.inf
    top = flat.max()
    return top + np.log(np.exp(flat - top).sum())


def _random_motif(rng, length, spatial=False):
    pwm = rng.dirichlet(np.full(4, 0.5), length)
    if not spatial:
        return Motif(f"m{length}", pwm)
    n_bins = int(rng.integers(1, 8))
    weights = rng.random(n_bins)
    weights[rng.random(n_bins) < 0.3] = 0.0
    weights[rng.integers(n_bins)] = 0.5
    return Motif(f"s{length}", pwm, spatial=weights, bin_size=int(rng.integers(1, 25)))


def _random_codes(rng, length, n_fraction=0.0):
    codes = rng.integers(0, 4, length).astype(np.int8)
    if n_fraction and length:
        run_start = int(rng.integers(0, length))
        codes[run_start : run_start + int(rng.integers(1, 8))] = 4  # an N run
        codes[rng.random(length) < n_fraction] = 4
    return codes


def _assert_close(got, expected):
    if np.isneginf(expected):
        assert np.isneginf(got)
    else:
        assert abs(got - expected) <= TOLERANCE, (got, expected)


@pytest.mark.parametrize("mode", ["lse", "max"])
@pytest.mark.parametrize("prior", [0.01, 0.0, 1e-12])
@pytest.mark.parametrize("spatial", [False, True])
def test_kernel_matches_slow_reference(rng, mode, prior, spatial):
    motifs = [_random_motif(rng, length, spatial) for length in range(1, 31)]
    sequences = [_random_codes(rng, int(rng.integers(1, 140)), n_fraction=0.05) for _ in range(12)]
    sequences.append(np.full(40, 4, dtype=np.int8))  # all N
    got = compute_energies(
        [seq.decode(s[None])[0] for s in sequences], motifs, mode=mode, prior=prior
    )
    for i, codes in enumerate(sequences):
        for j, motif in enumerate(motifs):
            _assert_close(got[i, j], reference_energy(codes, motif, prior=prior, mode=mode))


def test_single_strand_matches_reference(rng):
    motifs = [_random_motif(rng, length, spatial=length % 2 == 0) for length in (3, 8, 15)]
    codes = _random_codes(rng, 90, n_fraction=0.05)
    got = compute_energies(codes[None], motifs, bidirect=False)
    for j, motif in enumerate(motifs):
        _assert_close(got[0, j], reference_energy(codes, motif, bidirect=False))


def test_one_window_sequence_and_max_equals_lse(rng):
    motif = _random_motif(rng, 12)
    codes = _random_codes(rng, 12)
    lse = compute_energies(codes[None], [motif])[0, 0]
    mx = compute_energies(codes[None], [motif], mode="max")[0, 0]
    assert lse == pytest.approx(mx, abs=1e-12)  # spec 3.2: one window, max == LSE
    _assert_close(lse, reference_energy(codes, motif))


def test_sequence_shorter_than_motif_is_minus_inf(rng):
    motif = _random_motif(rng, 10)
    got = compute_energies(["ACGT", "A" * 10], [motif])
    assert np.isneginf(got[0, 0])
    assert np.isfinite(got[1, 0])


def test_all_n_sequence_closed_form(rng):
    motif = _random_motif(rng, 6)
    got = compute_energies(["N" * 20], [motif])[0, 0]
    n_windows = 20 - 6 + 1
    assert got == pytest.approx(np.log(2 * n_windows * 0.25**6), abs=1e-12)


def test_zero_weight_everywhere_in_frame_is_minus_inf():
    motif = Motif("z", np.full((4, 4), 0.25), spatial=[0.0, 0.0, 1.0], bin_size=10)
    # frame of 30 bp in a 30-bp sequence: only bin 2 (start 20..26) counts
    got = compute_energies(["A" * 30], [motif])[0, 0]
    assert got == pytest.approx(np.log(2 * 7 * 0.25**4), abs=1e-12)
    short = compute_energies(["A" * 16], [motif])[0, 0]  # frame starts at -7: bin 2 empty
    assert np.isneginf(short)


def test_long_motif_with_tiny_prior_uses_log_space(rng):
    motif = Motif("long", np.eye(4)[rng.integers(0, 4, 68)])
    codes = _random_codes(rng, 200)
    got = compute_energies(codes[None], [motif], prior=1e-9)[0, 0]
    assert np.isfinite(got)
    _assert_close(got, reference_energy(codes, motif, prior=1e-9))
    assert np.isneginf(compute_energies(codes[None], [motif], prior=0.0)[0, 0])


def test_reverse_complement_invariance_without_spatial(rng):
    motifs = [_random_motif(rng, length) for length in (1, 5, 9, 17, 30)]
    codes = np.stack([_random_codes(rng, 150, n_fraction=0.03) for _ in range(20)])
    forward = compute_energies(codes, motifs)
    reverse = compute_energies(seq.reverse_complement(codes), motifs)
    np.testing.assert_allclose(forward, reverse, rtol=0, atol=1e-10)


def test_motif_reverse_complement_gives_same_energy(rng):
    motif = _random_motif(rng, 11)
    codes = np.stack([_random_codes(rng, 100) for _ in range(10)])
    np.testing.assert_allclose(
        compute_energies(codes, [motif]),
        compute_energies(codes, [motif.reverse_complement()]),
        atol=1e-10,
    )


def test_thread_count_batch_and_order_invariance(rng):
    motifs = [_random_motif(rng, int(rng.integers(4, 20)), spatial=i % 3 == 0) for i in range(40)]
    strings = seq.decode(np.stack([_random_codes(rng, 300, 0.01) for _ in range(150)]))
    full = compute_energies(strings, motifs, n_jobs=2)
    np.testing.assert_array_equal(full, compute_energies(strings, motifs, n_jobs=1))
    rows = rng.permutation(150)[:37]
    cols = rng.permutation(40)[:11]
    subset = compute_energies([strings[i] for i in rows], [motifs[j] for j in cols], n_jobs=1)
    np.testing.assert_array_equal(subset, full[np.ix_(rows, cols)])
    one = compute_energies([strings[5]], [motifs[7]])
    assert one[0, 0] == full[5, 7]


def test_duplicated_motifs_and_chunk_boundaries(rng):
    motif = _random_motif(rng, 9)
    many = [motif] * 300  # crosses the internal motif chunk size
    codes = np.stack([_random_codes(rng, 60) for _ in range(5)])
    got = compute_energies(codes, many)
    assert (got == got[:, :1]).all()


def test_ragged_lengths_match_individual_calls(rng):
    motifs = [_random_motif(rng, 7), _random_motif(rng, 12, spatial=True)]
    strings = seq.decode(np.stack([_random_codes(rng, 90) for _ in range(6)]))
    strings = [s[: 30 + 10 * i] for i, s in enumerate(strings)]
    together = compute_energies(strings, motifs)
    for i, s in enumerate(strings):
        np.testing.assert_array_equal(together[i], compute_energies([s], motifs)[0])


def test_frame_start_matches_motif_helper():
    for length in range(1, 120):
        for n_bins in (1, 3, 7, 11):
            for bin_size in (1, 2, 5, 40):
                assert frame_start(length, n_bins, bin_size) == spatial_frame_start(
                    length, n_bins, bin_size
                )


def test_local_energies_match_reference(rng):
    motif = _random_motif(rng, 8, spatial=True)
    codes = _random_codes(rng, 50, n_fraction=0.05)
    got = local_energies(codes, motif)
    assert np.isnan(got[-7:]).all()
    unweighted = motif.with_spatial(None, None)
    for j in range(50 - 8 + 1):
        expected = reference_energy(codes[j : j + 8], unweighted)
        assert got[j] == pytest.approx(expected, abs=1e-10)
    text = seq.decode(codes[None])[0]
    np.testing.assert_array_equal(local_energies(text, motif), got)
    # the sum of window probabilities is the whole-sequence energy
    total = np.logaddexp.reduce(got[: 50 - 8 + 1])
    assert total == pytest.approx(compute_energies(codes[None], [unweighted])[0, 0], abs=1e-10)


def test_local_energies_short_sequence(rng):
    assert np.isnan(local_energies("ACG", _random_motif(rng, 5))).all()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"mode": "mean"}, ValueError, "mode must be one of"),
        ({"prior": 1.5}, ValueError, r"prior must be in \[0, 1\)"),
        ({"prior": "x"}, TypeError, "prior must be a number"),
        ({"n_jobs": 0}, ValueError, "n_jobs must be a non-zero integer"),
    ],
)
def test_parameter_errors(kwargs, error, match):
    motif = Motif("m", np.full((3, 4), 0.25))
    with pytest.raises(error, match=match):
        compute_energies(["ACGT"], [motif], **kwargs)


def test_motif_argument_errors():
    with pytest.raises(ValueError, match="motifs is empty"):
        compute_energies(["ACGT"], [])
    with pytest.raises(TypeError, match=r"motifs\[1\] is a str"):
        compute_energies(["ACGT"], [Motif("m", np.full((3, 4), 0.25)), "GATA"])
    with pytest.raises(TypeError, match="load_motif_db"):
        compute_energies(["ACGT"], "jaspar2024")
    with pytest.raises(TypeError, match="wrap one sequence"):
        compute_energies("ACGT", [Motif("m", np.full((3, 4), 0.25))])
    with pytest.raises(TypeError, match="must be a Motif"):
        local_energies("ACGT", "GATA")


def test_single_motif_argument():
    motif = Motif("m", np.full((3, 4), 0.25))
    assert compute_energies(["ACGTACGT"], motif).shape == (1, 1)


# ---------------------------------------------------------------- real data


def test_database_motifs_on_real_peaks_match_reference(shared_data):
    table = pd.read_csv(shared_data / "tanaylab" / "prego_sequences_example.tsv.gz", sep="\t")
    strings = table["sequence"].tolist()[:4]
    motifs = load_motif_db("jaspar2024")[::60]
    got = compute_energies(strings, motifs)
    for i, s in enumerate(strings):
        codes = seq.encode([s])[0]
        for j, motif in enumerate(motifs):
            _assert_close(got[i, j], reference_energy(codes, motif))


def test_hnf1b_separates_real_cluster(shared_data):
    """Real-data sanity check from shared/data/README: HNF1B energy splits c29 with D ~ 0.85."""
    table = pd.read_csv(
        shared_data / "tanaylab" / "prego_cluster_sequences_example.tsv.gz", sep="\t"
    )
    motifs = read_meme(shared_data / "tanaylab" / "prego_JOLMA_motifs.meme.gz")
    hnf1b = next(m for m in motifs if m.name == "HNF1B_di_full_1")
    energy = compute_energies(table["sequence"].tolist(), [hnf1b])[:, 0]
    in_cluster = (table["cluster"] == "c29").to_numpy()
    ks = stats.ks_2samp(energy[in_cluster], energy[~in_cluster]).statistic
    assert ks == pytest.approx(0.85, abs=0.02)
