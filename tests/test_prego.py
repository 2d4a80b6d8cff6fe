from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import iqmodel.prego as prego_module
from iqmodel import seq
from iqmodel._kernels import prego as kernels
from iqmodel.datasets import make_planted_dataset
from iqmodel.motifs import Motif
from iqmodel.prego import (
    _candidate_seeds,
    _column_scores,
    _Optimiser,
    _r2_score,
    _shifted_copy,
    calculate_bins,
    fit_motif,
    fit_motifs,
    ks_statistic,
    screen_kmers,
)
from iqmodel.sampling import quantile_matched_sample

# ----------------------------------------------------------------- slow references


def _reference_kmer_table(strings, response, k, min_gap, max_gap):
    """Count every gapped k-mer per sequence in pure Python, correlate with the response."""
    n = len(strings)
    counts: dict[str, np.ndarray] = {}
    length = len(strings[0])
    for s, text in enumerate(strings):
        found: dict[str, int] = {}
        for start in range(length - k - max_gap + 1):
            patterns = []
            if min_gap == 0:
                patterns.append(text[start : start + k])
            for gap in range(max(min_gap, 1), max_gap + 1):
                for split in range(2, k - 1):
                    left = text[start : start + split]
                    right = text[start + split + gap : start + k + gap]
                    patterns.append(left + "*" * gap + right)
            for pattern in patterns:
                if "N" not in pattern:
                    found[pattern] = found.get(pattern, 0) + 1
        for pattern, count in found.items():
            counts.setdefault(pattern, np.zeros(n))[s] = min(count, 19)
    y = np.asarray(response, dtype=float).reshape(n, -1)
    rows = {}
    for pattern, c in counts.items():
        r = [
            np.cov(c, y[:, j], bias=True)[0, 1] / np.sqrt(c.var() * y[:, j].var())
            if c.var() > 0
            else 0.0
            for j in range(y.shape[1])
        ]
        rows[pattern] = (max(v * v for v in r), c.mean(), c.var(), r)
    return rows


def _reference_derivatives(codes, probs, weights, bin_size, fold, bidirect):
    """Window by window, the derivative definition of spec 6.5."""
    n, frame = codes.shape
    length = len(probs)
    n_bins = len(weights)
    d = np.zeros((n, length, 4))
    g = np.zeros((n, n_bins))
    for s in range(n):
        for i in range(frame - length + 1):
            window = codes[s, i : i + length]
            if (window > 3).any():
                continue
            b = i // bin_size
            if fold and b > n_bins // 2:
                b = 2 * (n_bins // 2) - b
            forward = np.prod(probs[np.arange(length), window])
            reverse = np.prod(probs[length - 1 - np.arange(length), 3 - window]) if bidirect else 0
            g[s, b] += forward + reverse
            for k in range(length):
                d[s, k, window[k]] += weights[b] * forward / probs[k, window[k]]
                if bidirect:
                    row = length - 1 - k
                    d[s, row, 3 - window[k]] += weights[b] * reverse / probs[row, 3 - window[k]]
    return d, g


# ----------------------------------------------------------------- kernels


@pytest.mark.parametrize("dense", [True, False])
@pytest.mark.parametrize("chunk", [7, 2048])  # blocks of 7 sequences are merged 5 times
@pytest.mark.parametrize(("min_gap", "max_gap"), [(0, 0), (0, 1), (1, 2)])
def test_screen_kmers_matches_slow_count(rng, monkeypatch, min_gap, max_gap, chunk, dense):
    monkeypatch.setattr(prego_module, "KMER_CHUNK", chunk)
    monkeypatch.setattr(prego_module, "DENSE_KMER_KEYS", 2**23 if dense else 0)
    strings = [
        "".join(rng.choice(list("ACGTN"), 40, p=[0.3, 0.2, 0.2, 0.28, 0.02])) for _ in range(30)
    ]
    response = rng.normal(size=(30, 2))
    table = screen_kmers(strings, response, k=5, min_gap=min_gap, max_gap=max_gap, min_cor=0.0)
    expected = _reference_kmer_table(strings, response, 5, min_gap, max_gap)
    constant = {p for p, row in expected.items() if row[2] == 0}
    assert set(table["kmer"]) == set(expected) - constant
    for row in table.itertuples(index=False):
        max_r2, mean, var, r = expected[row.kmer]
        assert row.max_r2 == pytest.approx(max_r2, abs=1e-12)
        assert row.avg_n == pytest.approx(mean)
        assert row.avg_var == pytest.approx(var)
        assert [row.r_0, row.r_1] == pytest.approx(r, abs=1e-12)
    assert table["max_r2"].is_monotonic_decreasing


def test_kmer_occurrences_match_slow_count_on_any_thread_count(rng):
    import numba

    from iqmodel._kernels import prego as kernels

    codes = rng.choice(5, size=(37, 30), p=[0.3, 0.2, 0.2, 0.28, 0.02]).astype(np.int8)
    expected = []  # (key, sequence, capped count), sequence by sequence, keys ascending
    for s, row in enumerate(codes):
        found = {}
        for start in range(30 - 5 - 1 + 1):
            for split, gap in [(0, 0), (2, 1), (3, 1)]:
                key = kernels._pattern_key(row, start, 5, split, gap)
                if key >= 0:
                    found[key] = found.get(key, 0) + 1
        expected += [(key, s, min(n, kernels.MAX_KMER_COUNT)) for key, n in sorted(found.items())]
    previous = numba.get_num_threads()
    try:
        for threads in (1, 2):
            numba.set_num_threads(threads)
            keys, seq_index, counts = kernels.kmer_occurrences(codes, 5, 0, 1)
            entries = zip(keys.tolist(), seq_index.tolist(), counts.tolist(), strict=True)
            assert list(entries) == expected
    finally:
        numba.set_num_threads(previous)


def test_screen_kmers_finds_planted_word(rng):
    # spec 13.4 item 41: GATAAGA planted in half the sequences is found and stands alone
    strings = ["".join(rng.choice(list("ACGT"), 100)) for _ in range(200)]
    labels = np.zeros(200)
    for i in range(100):
        start = int(rng.integers(0, 90))
        strings[i] = strings[i][:start] + "GATAAGA" + strings[i][start + 7 :]
        labels[i] = 1
    table = screen_kmers(strings, labels, k=7, min_gap=0, max_gap=0, min_cor=0.5)
    assert table["kmer"].tolist() == ["GATAAGA"]
    assert table.loc[0, "r_0"] > 0.5


@pytest.mark.parametrize("fold", [False, True])
@pytest.mark.parametrize("bidirect", [False, True])
def test_derivatives_match_slow_reference(rng, fold, bidirect):
    codes = rng.integers(0, 4, (7, 60)).astype(np.int8)
    codes[2, 10:13] = 4
    probs = rng.dirichlet(np.ones(4), 9)
    weights = rng.random(5)
    optimiser = _Optimiser(
        codes=codes,
        y=rng.normal(size=(7, 1)),
        probs=probs,
        weights=weights,
        bin_size=12,
        fold=fold,
        bidirect=bidirect,
        min_nuc_prob=1e-3,
        improve_epsilon=1e-4,
    )
    energy = optimiser._refresh(True)
    d, g = _reference_derivatives(codes, probs, weights, 12, fold, bidirect)
    np.testing.assert_allclose(optimiser.g, g, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(optimiser.d, d, rtol=1e-10, atol=1e-300)
    # the derivative identity: E = sum_c P[k, c] d[:, k, c] for every row k
    for k in range(9):
        np.testing.assert_allclose((optimiser.d[:, k] * probs[k]).sum(axis=1), energy, rtol=1e-10)


def test_row_statistics_score_moves_exactly(rng):
    codes = rng.integers(0, 4, (40, 50)).astype(np.int8)
    probs = rng.dirichlet(np.ones(4), 6)
    y = rng.normal(size=(40, 2))
    optimiser = _Optimiser(
        codes=codes,
        y=y,
        probs=probs.copy(),
        weights=np.full(5, 0.2),
        bin_size=10,
        fold=True,
        bidirect=True,
        min_nuc_prob=1e-3,
        improve_epsilon=1e-4,
    )
    energy = optimiser._refresh(True)
    score, k, row = optimiser._best_pwm_move(energy, 0.05)
    optimiser.probs[k] = row  # unnormalised: the score is invariant to the row's scale
    assert optimiser.score_of(optimiser._refresh(False)) == pytest.approx(score, rel=1e-9)


# ----------------------------------------------------------------- helpers


def test_calculate_bins_worked_examples():
    # spec 6.2
    assert calculate_bins(500) == (40, 11)
    assert calculate_bins(300) == (40, 7)
    assert calculate_bins(1000) == (40, 25)
    assert calculate_bins(500, bin_size=2) == (2, 249)
    with pytest.raises(ValueError, match="must be odd"):
        calculate_bins(300, n_bins=4)
    with pytest.raises(ValueError, match="longer than the sequences"):
        calculate_bins(100, bin_size=40, n_bins=3)


def test_ks_statistic_closed_form():
    assert ks_statistic(np.array([4.0, 3, 2, 1]), np.array([1, 1, 0, 0])) == 1.0
    assert ks_statistic(np.array([1.0, 2, 3, 4]), np.array([1, 1, 0, 0])) == 0.0
    # ties enter together: a tie between a 1 and a 0 cannot be split in the 1's favour
    assert ks_statistic(np.array([1.0, 1.0]), np.array([1, 0])) == 0.0
    with pytest.raises(ValueError, match="both 0 and 1"):
        ks_statistic(np.ones(3), np.ones(3))


def test_quantile_matched_sample(rng):
    values = rng.normal(size=1000)
    rows = quantile_matched_sample(values, 0.1, rng)
    assert len(rows) == 100
    assert len(np.unique(rows)) == 100
    deciles = np.quantile(values, np.linspace(0, 1, 11))
    per_decile = np.histogram(values[rows], deciles)[0]
    assert (per_decile == 10).all()


# ----------------------------------------------------------------- fitting


@pytest.fixture(scope="module")
def planted():
    return make_planted_dataset(
        n_seqs=800,
        seq_length=200,
        motifs=["FOXA2"],
        coefficients=[3.0],
        site_rate=0.6,
        position_sd=15.0,
        random_state=7,
    )


def _best_orientation_correlation(learned: Motif, truth: Motif) -> float:
    return learned.similarity(truth).score


def test_recovers_planted_motif_and_its_position(planted):
    result = fit_motif(planted.sequences, planted.dap, random_state=0, max_candidates=4)
    truth = planted.truth.motifs[0]
    assert _best_orientation_correlation(result.motif, truth) >= 0.9
    assert result.score[0] > 0.3
    # sites were planted around the centre: the symmetric profile peaks in the central bin
    weights = result.motif.spatial
    assert np.argmax(weights) == len(weights) // 2
    assert result.motif.bin_size == 40
    np.testing.assert_array_equal(result.motif.spatial, result.motif.spatial[::-1])


def test_deterministic_and_thread_independent(planted):
    first = fit_motif(planted.sequences, planted.dap, random_state=3, max_candidates=3, n_jobs=1)
    second = fit_motif(planted.sequences, planted.dap, random_state=3, max_candidates=3, n_jobs=2)
    np.testing.assert_array_equal(first.motif.pwm, second.motif.pwm)
    np.testing.assert_array_equal(first.motif.spatial, second.motif.spatial)
    assert first.seed == second.seed


def test_predict_is_the_library_energy(planted):
    result = fit_motif(planted.sequences, planted.dap, seed="TGTTTAC", random_state=0)
    from iqmodel.energy import compute_energies

    expected = compute_energies(planted.sequences, [result.motif], prior=0.0)[:, 0]
    np.testing.assert_array_equal(result.predict(planted.sequences), expected)
    r2 = np.corrcoef(expected, planted.dap)[0, 1] ** 2
    assert result.score[0] == pytest.approx(r2)
    # the objective never decreases along the trace
    assert np.all(np.diff(result.trace["score"]) > 0)


def test_seed_padding_and_motif_seed(planted):
    result = fit_motif(planted.sequences, planted.dap, seed="TGT*TAC", optimize_pwm=False)
    assert result.seed == "****TGT*TAC****"
    truth = planted.truth.motifs[0].with_spatial(None, None)
    spatial_only = fit_motif(planted.sequences, planted.dap, seed=truth, optimize_pwm=False)
    np.testing.assert_allclose(spatial_only.motif.pwm, truth.pwm, atol=1e-3)
    assert spatial_only.score[0] > 0.3


def test_multi_column_response(planted, rng):
    response = np.column_stack([planted.dap, -planted.dap + rng.normal(0, 0.3, len(planted.dap))])
    result = fit_motif(planted.sequences, response, random_state=0, max_candidates=2)
    assert result.score.shape == (2,)
    assert (result.score > 0.2).all()


def test_binary_response_uses_ks(planted):
    labels = (planted.dap > np.median(planted.dap)).astype(float)
    result = fit_motif(planted.sequences, labels, random_state=0, max_candidates=3)
    assert result.metric == "ks"
    assert 0.4 < result.score[0] <= 1.0


def test_fit_motifs_sequential(planted):
    multi = fit_motifs(planted.sequences, planted.dap, 2, random_state=0, max_candidates=2)
    assert len(multi.motifs) == 2
    assert multi.stats["combined_score"].iloc[1] >= multi.stats["combined_score"].iloc[0] - 1e-9
    prediction = multi.predict(planted.sequences)
    assert prediction.shape == (len(planted.sequences), 1)
    assert multi.predict_energies(planted.sequences[:5]).shape == (5, 2)


# ----------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("response", "kwargs", "match"),
    [
        (np.zeros(9), {}, "has 9 rows but there are 10 sequences"),
        (np.r_[np.ones(9), np.nan], {}, "non-finite value .* row 9"),
        (np.ones(10), {}, "constant"),
        (np.where(np.arange(10) % 2, 0.1 * 3, 0.3), {}, r"column 0 is constant \(up to rounding\)"),
        (np.c_[np.arange(10.0), np.full(10, 1e300)], {}, "column 1 is constant"),
        (np.arange(10.0), {"metric": "ks"}, "single binary"),
        (np.arange(10.0), {"metric": "auc"}, "metric must be"),
        (np.arange(10.0), {"seed": "GAXA"}, "seed must be a k-mer"),
        (np.arange(10.0), {"val_frac": 1.5}, r"val_frac must be in \(0, 1\)"),
        (np.arange(10.0), {"motif_length": 500}, "longer than the spatial frame"),
    ],
)
def test_errors(response, kwargs, match):
    strings = ["ACGT" * 25] * 10
    with pytest.raises(ValueError, match=match):
        fit_motif(strings, response, **kwargs)


def test_sequences_shorter_than_frame_and_ragged():
    with pytest.raises(ValueError, match="longer than the sequences"):
        fit_motif(["ACGT" * 10] * 5, np.arange(5.0), bin_size=40, n_bins=3)
    with pytest.raises(ValueError, match="different lengths"):
        fit_motif(["ACGT" * 10, "ACGT" * 9, "ACGT" * 10], np.arange(3.0))


# ----------------------------------------------------------------- real data


@pytest.mark.slow
def test_real_mouse_example_with_fixed_seed(shared_data):
    table = pd.read_csv(shared_data / "tanaylab" / "prego_sequences_example.tsv.gz", sep="\t")
    response = table[["c1", "c2", "c3", "c4", "c5"]].to_numpy()
    result = fit_motif(table["sequence"].tolist(), response, seed="AGA*AAGAA", random_state=0)
    # the R reference reaches a summed in-sample r^2 of 0.311 (with multi-k-mer seeds)
    assert result.score.sum() > 0.29
    assert result.motif.frame_start(300) == 10  # 7 bins x 40 bp in 300 bp: [10, 290)
    assert seq.encode(table["sequence"].tolist()).shape == (1000, 300)
    assert kernels.MAX_KMER_COUNT == 19


def test_candidate_seeds_skip_near_and_shifted_copies():
    table = pd.DataFrame({"kmer": ["TTAAT*ATT", "TAAT*ATTA", "TTAATCATT", "GGGCGCCC", "GGGCGCCA"]})
    # a shift by one, an edit-distance-1 variant of it, and a 1-letter variant of GGGCGCCC
    assert _candidate_seeds(table, 5) == ["TTAAT*ATT", "GGGCGCCC"]
    assert _shifted_copy("ACGTACGT", "CGTACGTT")
    assert not _shifted_copy("ACGTACGT", "TTTTGGGG")
    assert _candidate_seeds(table, 1) == ["TTAAT*ATT"]


# ----------------------------------------------------------------- constant columns (issue 10)

ADAPTERS = ("AGGACCGGATCAACT", "CATTGCGTGAACCGA")  # the WTC11 lentiMPRA adapters


def _adapter_strings(rng, n=60, length=40):
    middle = ["".join(rng.choice(list("ACGT"), length)) for _ in range(n)]
    return [ADAPTERS[0] + text + ADAPTERS[1] for text in middle]


def test_screen_kmers_constant_adapter_kmers_have_correlation_zero(rng):
    # 100 sequences and a 1-D response: the screen's bincount sum and numpy's pairwise mean
    # differ by rounding, which the old E[cy] - E[c] E[y] turned into r = +-1.8e308
    strings = _adapter_strings(rng, n=100)
    response = rng.normal(size=100)
    table = screen_kmers(strings, response, k=5, min_gap=0, max_gap=1, min_cor=0.0)
    expected = _reference_kmer_table(strings, response, 5, 0, 1)
    constant = {p for p, row in expected.items() if row[2] == 0}
    assert len(constant) >= 3
    assert all(
        any(re.search(kmer.replace("*", "."), adapter) for adapter in ADAPTERS) for kmer in constant
    )
    # before the fix these had max_r2 = inf and r = +-1.8e308, and ranked first
    assert set(table["kmer"]) == set(expected) - constant
    assert table["max_r2"].between(0, 1).all()
    for row in table.itertuples(index=False):
        assert row.r_0 == pytest.approx(expected[row.kmer][3][0], abs=1e-12)


def test_screen_kmers_near_constant_count_keeps_its_correlation(rng):
    # an adapter 5-mer counted once everywhere and twice in one sequence: real variance
    strings = _adapter_strings(rng)
    strings[0] = strings[0][:30] + "GGACC" + strings[0][35:]
    response = rng.normal(size=60)
    response[0] = 3.0
    table = screen_kmers(strings, response, k=5, min_gap=0, max_gap=0, min_cor=0.0)
    row = table.set_index("kmer").loc["GGACC"]
    counts = np.array([text.count("GGACC") for text in strings], dtype=float)
    assert counts.min() == 1 and (counts > 1).sum() >= 1
    assert row["r_0"] == pytest.approx(np.corrcoef(counts, response)[0, 1], abs=1e-12)
    assert row["avg_var"] == pytest.approx(counts.var(), rel=1e-12)


@pytest.mark.parametrize("scale", [1e-300, 1e300])
def test_screen_kmers_any_response_magnitude(rng, scale):
    strings = _adapter_strings(rng, n=40)
    response = rng.normal(size=(40, 1))
    unit = screen_kmers(strings, response, k=5, max_gap=0, min_cor=0.0)
    scaled = screen_kmers(strings, response * scale, k=5, max_gap=0, min_cor=0.0)
    assert scaled["kmer"].tolist() == unit["kmer"].tolist()
    np.testing.assert_allclose(scaled["r_0"], unit["r_0"], rtol=1e-12, atol=1e-15)


def test_r2_score_from_moments_constant_rules():
    var_y = np.array([4.0, 0.0])  # the second response column is constant
    mean = np.array([1.0])
    # r^2 = cov^2 / (var_e var_y) = 1 / 4; the constant column adds 0, not 0 / 0
    assert _r2_score(np.array([1.0]), np.array([[1.0, 0.5]]), var_y, mean).tolist() == [0.25]
    # energy spread of 1e-13 of its mean (rounding residue): constant, 0
    tiny = _r2_score(np.array([1e-26]), np.array([[1e-13, 0.0]]), var_y, mean)
    assert tiny.tolist() == [0.0]
    # spread of 1e-9 of the mean is real: r^2 = 1e-18 / (1e-18 * 4)
    small = _r2_score(np.array([1e-18]), np.array([[1e-9, 0.0]]), var_y, mean)
    assert small[0] == pytest.approx(0.25, rel=1e-12)
    # a zero or (rounding) negative variance scores 0; r^2 from rounded updates is capped at 1
    assert _r2_score(np.array([0.0, -1e-30]), np.zeros((2, 2)), var_y, np.ones(2)).tolist() == [
        0.0,
        0.0,
    ]
    assert _r2_score(np.array([1.0]), np.array([[2.0 + 1e-9, 0.0]]), var_y, mean).tolist() == [1.0]


def test_optimiser_ignores_a_constant_response_column(rng):
    codes = rng.integers(0, 4, (40, 50)).astype(np.int8)
    y = rng.normal(size=(40, 1))

    def optimiser(response):
        return _Optimiser(
            codes=codes,
            y=response,
            probs=rng.dirichlet(np.ones(4), 6) if response is None else probs.copy(),
            weights=np.full(5, 0.2),
            bin_size=10,
            fold=True,
            bidirect=True,
            min_nuc_prob=1e-3,
            improve_epsilon=1e-4,
        )

    probs = rng.dirichlet(np.ones(4), 6)
    rounding_constant = np.where(np.arange(40) % 2, 0.1 * 3, 0.3)[:, None]
    single = optimiser(y)
    energy = single._refresh(True)
    for constant in (np.full((40, 1), 2.0), rounding_constant):
        both = optimiser(np.hstack([y, constant]))
        assert both.score_of(both._refresh(True)) == pytest.approx(
            single.score_of(energy), rel=1e-12
        )
        score, k, row = both._best_pwm_move(energy, 0.05)
        expected_score, expected_k, expected_row = single._best_pwm_move(energy, 0.05)
        assert score == pytest.approx(expected_score, rel=1e-12) and k == expected_k
        np.testing.assert_array_equal(row, expected_row)


def test_column_scores_constant_prediction_and_columns(rng):
    values = np.column_stack([rng.normal(size=20), np.full(20, 2.0)])
    prediction = rng.normal(size=20)
    scores = _column_scores(prediction, values, "r2")
    assert scores[0] == pytest.approx(np.corrcoef(prediction, values[:, 0])[0, 1] ** 2, abs=1e-12)
    assert scores[1] == 0
    # a log energy that is constant up to rounding explains nothing
    residue = np.where(np.arange(20) % 2, np.nextafter(-5.0, 0.0), -5.0)
    assert np.ptp(residue) > 0
    assert _column_scores(residue, values, "r2").tolist() == [0.0, 0.0]
    assert _column_scores(np.full(20, -5.0), values, "r2").tolist() == [0.0, 0.0]
    # rows without a window (-inf) are left out; fewer than 3 finite rows score 0
    with_inf = prediction.copy()
    with_inf[:5] = -np.inf
    expected = np.corrcoef(prediction[5:], values[5:, 0])[0, 1] ** 2
    assert _column_scores(with_inf, values, "r2")[0] == pytest.approx(expected, abs=1e-12)
    with_inf[:18] = -np.inf
    assert _column_scores(with_inf, values, "r2").tolist() == [0.0, 0.0]


def test_ks_statistic_rounding_residue_ties():
    above = np.nextafter(1.0, 2.0)
    labels = np.array([1, 1, 0, 0])
    # a score that differs only by rounding ranks nothing (before: D = 1)
    assert ks_statistic(np.array([above, above, 1.0, 1.0]), labels) == 0.0
    assert ks_statistic(np.array([above, 1.0, -np.inf]), np.array([1, 0, 0])) == 0.5
    # -inf (no window) still ranks below every finite score
    assert ks_statistic(np.array([above, 1.0, -np.inf, -np.inf]), labels) == 1.0
    assert ks_statistic(np.array([2.0, 2.0, 1.0, 1.0]), labels) == 1.0


# ----------------------------------------------------------------- row order (issue 10, section 5)


@pytest.mark.parametrize("binary", [False, True])
def test_fit_motif_does_not_depend_on_row_order(planted, binary):
    # the seed search sample (sample_frac) and the validation split are drawn in a canonical
    # order of the rows, so the same rows in another order give the same motif
    seqs = np.array(planted.sequences[:200])
    response = planted.dap[:200]
    if binary:
        response = (response > np.median(response)).astype(float)
    permutation = np.random.default_rng(5).permutation(len(seqs))
    options = dict(max_candidates=2, sample_frac=0.5, random_state=0)
    first = fit_motif(list(seqs), response, **options)
    second = fit_motif(list(seqs[permutation]), response[permutation], **options)
    assert first.seed == second.seed
    np.testing.assert_allclose(first.motif.pwm, second.motif.pwm, rtol=0, atol=1e-12)
    np.testing.assert_allclose(first.motif.spatial, second.motif.spatial, rtol=0, atol=1e-12)
    np.testing.assert_allclose(first.score, second.score, rtol=1e-12)


def test_fit_motifs_does_not_depend_on_row_order(planted):
    seqs = np.array(planted.sequences[:200])
    response = planted.dap[:200]
    permutation = np.random.default_rng(6).permutation(len(seqs))
    options = dict(multi_kmers=False, sample_frac=0.5, random_state=0, smooth_k=50)
    first = fit_motifs(list(seqs), response, 2, **options)
    second = fit_motifs(list(seqs[permutation]), response[permutation], 2, **options)
    for a, b in zip(first.results, second.results, strict=True):
        assert a.seed == b.seed
        np.testing.assert_allclose(a.motif.pwm, b.motif.pwm, rtol=0, atol=1e-12)
    np.testing.assert_allclose(first.coefficients, second.coefficients, rtol=1e-9)
    np.testing.assert_allclose(
        first.stats["combined_score"], second.stats["combined_score"], rtol=1e-12
    )
