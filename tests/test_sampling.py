from __future__ import annotations

import numpy as np
import pytest

from iqmodel.sampling import canonical_order, order_keys, quantile_matched_sample


def _random_codes(rng, n=300, length=40):
    return rng.integers(0, 5, size=(n, length)).astype(np.int8)


# ----------------------------------------------------------------- order_keys


def test_order_keys_rank_rows_by_content(rng):
    codes = _random_codes(rng)
    keys = order_keys(codes)
    assert keys.dtype == np.int64
    np.testing.assert_array_equal(np.sort(keys), np.arange(len(codes)))
    ordered = codes[np.argsort(keys)]
    # lexicographic in the codes A < C < G < T < N
    assert sorted(map(tuple, codes.tolist())) == list(map(tuple, ordered.tolist()))


def test_order_keys_move_with_the_rows(rng):
    codes = _random_codes(rng)
    values = rng.normal(size=len(codes))
    keys = order_keys(codes, values)
    permutation = rng.permutation(len(codes))
    np.testing.assert_array_equal(
        order_keys(codes[permutation], values[permutation]), keys[permutation]
    )


def test_order_keys_accept_strings():
    seqs = ["GATT", "ACGT", "ACGA", "NNNN"]
    np.testing.assert_array_equal(order_keys(seqs), [2, 1, 0, 3])
    with pytest.raises(ValueError, match="different lengths"):
        order_keys(["ACG", "AC"])


def test_values_order_equal_sequences_and_duplicates_tie_by_position():
    seqs = ["ACGT", "ACGT", "AAAA", "ACGT", "ACGT"]
    values = np.array([0.7, 0.2, 0.9, 0.7, np.nan])
    # AAAA first; the ACGT rows by value (NaN last); the two (ACGT, 0.7) rows by position
    np.testing.assert_array_equal(order_keys(seqs, values), [2, 1, 0, 3, 4])
    # without values, the four ACGT rows keep their positional order
    np.testing.assert_array_equal(order_keys(seqs), [1, 2, 0, 3, 4])
    # columns of values are compared left to right
    table = np.array([[1.0, 5.0], [1.0, 4.0], [0.0, 9.0], [1.0, 4.0], [2.0, 0.0]])
    np.testing.assert_array_equal(order_keys(seqs, table), [3, 1, 0, 2, 4])


def test_order_keys_reject_misshaped_values():
    with pytest.raises(ValueError, match=r"shape \(2,\) or \(2, k\); got shape \(3,\)"):
        order_keys(["AC", "GT"], [1.0, 2.0, 3.0])


# ----------------------------------------------------------------- canonical_order


def test_canonical_order_sorts_distinct_keys():
    np.testing.assert_array_equal(canonical_order([10, -3, 7], 3), [1, 2, 0])


@pytest.mark.parametrize(
    ("keys", "error", "message"),
    [
        ([0, 1], ValueError, r"shape \(3,\), got shape \(2,\)"),
        ([0.0, 1.0, 2.0], TypeError, "must be integers"),
        ([2, 0, 2], ValueError, r"keys\[0\] = keys\[2\] = 2"),
    ],
)
def test_canonical_order_rejects_bad_keys(keys, error, message):
    with pytest.raises(error, match=message):
        canonical_order(keys, 3)


# ----------------------------------------------------------------- quantile_matched_sample


@pytest.mark.parametrize("fraction", [0.1, 0.37, 1.0])
def test_keyed_sample_is_the_same_rows_for_any_row_order(rng, fraction):
    codes = _random_codes(rng, n=500)
    reference = np.round(rng.normal(size=500), 1)  # ties in the reference and in the bins
    keys = order_keys(codes, reference)
    rows = quantile_matched_sample(reference, fraction, np.random.default_rng(5), keys=keys)
    for _ in range(3):
        permutation = rng.permutation(500)
        moved = quantile_matched_sample(
            reference[permutation],
            fraction,
            np.random.default_rng(5),
            keys=keys[permutation],
        )
        assert np.all(np.diff(moved) > 0)
        np.testing.assert_array_equal(np.sort(permutation[moved]), rows)


def test_keyed_sample_keeps_the_quantile_matching(rng):
    reference = rng.normal(size=1000)
    keys = rng.permutation(1000)
    rows = quantile_matched_sample(reference, 0.1, rng, keys=keys)
    assert len(np.unique(rows)) == 100
    deciles = np.quantile(reference, np.linspace(0, 1, 11))
    assert (np.histogram(reference[rows], deciles)[0] == 10).all()


def test_unkeyed_sample_follows_positions(rng):
    reference = rng.normal(size=400)
    rows = quantile_matched_sample(reference, 0.2, np.random.default_rng(3))
    permutation = rng.permutation(400)
    moved = quantile_matched_sample(reference[permutation], 0.2, np.random.default_rng(3))
    assert not np.array_equal(np.sort(permutation[moved]), rows)
    # identity keys draw exactly what the positional default draws
    keyed = quantile_matched_sample(reference, 0.2, np.random.default_rng(3), keys=np.arange(400))
    np.testing.assert_array_equal(keyed, rows)


def test_keyed_sample_of_duplicate_rows_selects_the_same_content():
    seqs = ["ACGT", "ACGT", "TTTT", "GGGG", "ACGT", "CCCC"] * 20
    reference = np.tile([0.5, 0.5, 1.0, 2.0, 0.5, 3.0], 20)
    rng = np.random.default_rng(0)
    contents = set()
    for _ in range(4):
        permutation = rng.permutation(len(seqs))
        moved_seqs = [seqs[i] for i in permutation]
        keys = order_keys(moved_seqs, reference[permutation])
        rows = quantile_matched_sample(
            reference[permutation], 0.25, np.random.default_rng(1), keys=keys
        )
        contents.add(tuple(sorted(moved_seqs[i] for i in rows)))
    assert len(contents) == 1


def test_keyed_sample_rejects_bad_keys():
    with pytest.raises(ValueError, match="distinct"):
        quantile_matched_sample(np.arange(4.0), 0.5, np.random.default_rng(0), keys=[0, 1, 1, 2])
