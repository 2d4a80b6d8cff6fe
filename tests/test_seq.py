from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from iqmodel import seq


def test_encode_case_insensitive_and_n():
    codes = seq.encode(["ACGTN", "acgtn"])
    assert codes.dtype == np.int8
    np.testing.assert_array_equal(codes, [[0, 1, 2, 3, 4]] * 2)


def test_encode_accepts_codes_and_rejects_bad_codes():
    codes = np.array([[0, 1, 4]], dtype=np.int8)
    assert seq.encode(codes) is not None
    with pytest.raises(ValueError, match="code 7 at position 1"):
        seq.encode(np.array([[0, 7]], dtype=np.int8))
    with pytest.raises(TypeError, match="dtype int8"):
        seq.encode(np.zeros((1, 3), dtype=np.int64))
    with pytest.raises(ValueError, match="2-D"):
        seq.encode(np.zeros(3, dtype=np.int8))


def test_encode_invalid_character_names_sequence_and_position():
    with pytest.raises(ValueError, match=r"sequence 1 has invalid character 'X' at position 2"):
        seq.encode(["ACGT", "ACXT"])
    with pytest.raises(ValueError, match=r"sequence 0 .* 'é' at position 1"):
        seq.encode(["AéGT"])


@pytest.mark.parametrize("letter", ["R", "y", "K", "m", "S", "W", "B", "D", "H", "V"])
def test_iupac_code_hint_names_the_function_that_reads_it(letter):
    """The hint must work for every caller: IQModel.fit/predict take int8 codes, not options."""
    with pytest.raises(
        ValueError,
        match=rf"sequence 1 has invalid character '{letter}' at position 2; allowed are A, C, G, "
        rf"T, N in any case\. '{letter}' is an IUPAC ambiguity code: encode the sequences with "
        r"iqmodel\.seq\.encode\(seqs, allow_iupac=True\), which reads IUPAC codes as N, and pass "
        r"the resulting int8 array instead of the strings",
    ):
        seq.encode(["ACGT", f"AC{letter}T"])


@pytest.mark.parametrize("character", ["-", "3", " ", "\t", "X", "U", "é", "*"])
def test_other_characters_get_no_iupac_hint(character):
    with pytest.raises(ValueError, match=r"position 1; allowed are A, C, G, T, N in any case$"):
        seq.encode([f"A{character}GT"])
    with pytest.raises(
        ValueError, match=r"allowed are A, C, G, T, N and the IUPAC codes R, Y, S, W, K, M, B, D"
    ):
        seq.encode_ragged([f"A{character}GT"], allow_iupac=True)


def test_iupac_maps_to_n():
    np.testing.assert_array_equal(seq.encode(["ARYN"], allow_iupac=True), [[0, 4, 4, 4]])


def test_rejects_bare_string_and_non_strings():
    with pytest.raises(TypeError, match=r"wrap one sequence in a list"):
        seq.encode("ACGT")
    with pytest.raises(TypeError, match="sequence 1 is a int"):
        seq.encode(["ACGT", 5])


def test_ragged_lengths():
    with pytest.raises(ValueError, match=r"different lengths .* encode_ragged"):
        seq.encode(["ACG", "ACGT"])
    ragged = seq.encode_ragged(["ACG", "", "TTTT"])
    np.testing.assert_array_equal(ragged.lengths, [3, 0, 4])
    np.testing.assert_array_equal(ragged.codes, [0, 1, 2, 3, 3, 3, 3])
    assert len(ragged) == 3


def test_decode_round_trip(rng):
    strings = ["".join(rng.choice(list("ACGTN"), 50)) for _ in range(5)]
    assert seq.decode(seq.encode(strings)) == strings


def test_reverse_complement_strings_and_codes():
    assert seq.reverse_complement(["AACgtN"]) == ["NacGTT"]
    codes = seq.encode(["AACGTN"])
    np.testing.assert_array_equal(seq.reverse_complement(codes), seq.encode(["NACGTT"]))


def test_reverse_complement_twice_is_identity(rng):
    codes = rng.integers(0, 5, (4, 31)).astype(np.int8)
    np.testing.assert_array_equal(seq.reverse_complement(seq.reverse_complement(codes)), codes)


def test_gc_content_ignores_n():
    np.testing.assert_allclose(seq.gc_content(["GGCCAT", "GCNN", "NNN"]), [4 / 6, 1.0, np.nan])


def _slow_dinucleotides(s: str) -> dict[str, int]:
    counts = dict.fromkeys(seq.DINUCLEOTIDES, 0)
    for a, b in itertools.pairwise(s):
        if a in "ACGT" and b in "ACGT":
            counts[a + b] += 1
    return counts


def test_dinucleotide_frequencies_match_slow_count(rng):
    strings = ["".join(rng.choice(list("ACGTN"), int(rng.integers(2, 40)))) for _ in range(20)]
    got = seq.dinucleotide_frequencies(strings)
    assert list(got.columns) == list(seq.DINUCLEOTIDES)
    for row, s in zip(got.itertuples(index=False), strings, strict=True):
        counts = _slow_dinucleotides(s)
        total = sum(counts.values())
        expected = [counts[d] / total if total else np.nan for d in seq.DINUCLEOTIDES]
        np.testing.assert_allclose(row, expected)


def test_dinucleotides_spec_example():
    # spec 13.4 item 43: "ATCG" -> AT, TC, CG once each
    freqs = seq.dinucleotide_frequencies(["ATCG"]).iloc[0]
    assert freqs[["AT", "TC", "CG"]].tolist() == [1 / 3] * 3
    assert freqs.sum() == pytest.approx(1.0)


def test_cpg_content():
    got = seq.cpg_content(["CGCG", "AAAA"])
    assert isinstance(got, pd.DataFrame)
    assert got.loc[0, "cpg_fraction"] == pytest.approx(2 / 3)
    # observed 2 CpG, expected 2 * 2 / 4 = 1
    assert got.loc[0, "cpg_obs_exp"] == pytest.approx(2.0)
    assert np.isnan(got.loc[1, "cpg_obs_exp"])
