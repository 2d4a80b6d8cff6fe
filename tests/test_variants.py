"""Variant effects: exact decompositions, fast mutagenesis, genomic scoring, caQTL metrics.

Every fast path is checked against a slow recomputation written here: per-term changes against
the design matrix times the coefficients, mutagenesis against predicting every mutant, window
construction against string slicing of the genome.
"""

from __future__ import annotations

import copy
import itertools
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from iqmodel import IQModel
from iqmodel.additional_features import sequence_features
from iqmodel.datasets import make_planted_dataset
from iqmodel.energy import compute_energies
from iqmodel.exceptions import IQModelWarning
from iqmodel.features import RESPONSE_FUNCTIONS, response_function, response_parameters
from iqmodel.interpret import response_curve
from iqmodel.io.vcf import read_vcf
from iqmodel.motifs import Motif
from iqmodel.plot.variants import mutagenesis_map, variant_iq_plot
from iqmodel.seq import encode
from iqmodel.variants import (
    TERM_PREFIX,
    caqtl_metrics,
    check_variants,
    dinucleotide_shuffle,
    saturation_mutagenesis,
    score_variants,
    variant_effects,
)
from iqmodel.variants.mutagenesis import mutant_energies, mutant_sequence_features

FOXA2, ETS1 = "MA0047.4", "MA0098.4"
LENGTH = 120


@pytest.fixture(scope="module")
def data():
    return make_planted_dataset(
        n_seqs=400,
        seq_length=LENGTH,
        motifs=["CEBPB", "FOXA2", "ETS1"],
        interactions=[(FOXA2, ETS1, 2.0)],
        position_sd=20.0,
        random_state=3,
    )


@pytest.fixture(scope="module")
def model(data):
    """Planted motifs (with spatial profiles), sequence features and interactions."""
    model = IQModel(filter=False, interactions=True, glm_lambda=1e-4, random_state=0, verbose=0)
    return model.fit_with_motifs(data.sequences, data.dap, data.truth.motifs)


@pytest.fixture(scope="module")
def max_model(data):
    """Best-site energies, no covariates."""
    model = IQModel(
        energy_mode="max", sequence_features=False, glm_lambda=1e-4, filter=False, verbose=0
    )
    return model.fit_with_motifs(data.sequences, data.dap, data.truth.motifs)


class Multi:
    """A stand-in for a multi-trajectory model: a ``models_`` dict of fitted IQModels."""

    def __init__(self, models):
        self.models_ = models


def _mutate(seq: str, position: int, base: str) -> str:
    return seq[:position] + base + seq[position + 1 :]


def _slow_term_changes(model, ref_seqs, alt_seqs, features=None) -> pd.DataFrame:
    """Per-term logit change from the design matrix, column by column (``features``: the
    same covariate rows for both)."""
    coef = model.coef_
    changes = {}
    ref_design = model.design_matrix(ref_seqs, features=features)
    alt_design = model.design_matrix(alt_seqs, features=features)
    for feature, term, value in coef[["feature", "variable", "coefficient"]].itertuples(
        index=False
    ):
        change = value * (alt_design[feature].to_numpy() - ref_design[feature].to_numpy())
        changes[term] = changes.get(term, 0.0) + change
    return pd.DataFrame(changes)


# ----------------------------------------------------------------------------- variant_effects


def test_variant_effects_split_exactly_into_terms(model, data):
    ref = data.sequences[:30]
    alt = [_mutate(s, 60 + i, "ACGT"[(i + 1) % 4]) for i, s in enumerate(ref)]
    table = variant_effects(model, ref, alt)
    terms = table[[c for c in table.columns if c.startswith(TERM_PREFIX)]]
    np.testing.assert_allclose(terms.sum(axis=1), table["delta_logit"], atol=1e-9)
    np.testing.assert_allclose(table["delta"], model.predict(alt) - model.predict(ref), atol=1e-9)
    logit = model.decision_function(alt) - model.decision_function(ref)
    np.testing.assert_allclose(table["delta_logit"], logit, atol=1e-9)
    slow = _slow_term_changes(model, ref, alt)
    for term in slow.columns:
        np.testing.assert_allclose(table[TERM_PREFIX + term], slow[term], atol=1e-9)
    energy = model.transform(alt) - model.transform(ref)
    for motif in model.motifs_:
        np.testing.assert_allclose(table[f"denergy_{motif.name}"], energy[motif.name], atol=1e-12)
    kinds = set(model.design_columns_["kind"])
    assert kinds == {"motif", "feature", "interaction"}


def test_variant_effects_top_term_and_orientation(model, data):
    seq = data.sequences[0]
    table = variant_effects(
        model, [seq, seq], [seq, _mutate(seq, 10, "A" if seq[10] != "A" else "C")]
    )
    assert table.loc[0, "delta"] == 0 and table.loc[0, "top_term"] == ""
    swapped = variant_effects(model, [table.index.size and seq], [seq])
    assert swapped["delta"].iloc[0] == 0
    reverse = variant_effects(model, [data.sequences[1]], [data.sequences[2]])
    forward = variant_effects(model, [data.sequences[2]], [data.sequences[1]])
    np.testing.assert_allclose(reverse["delta"], -forward["delta"], atol=1e-12)


def test_variant_effects_bad_input(model, data):
    with pytest.raises(ValueError, match="ref_seqs has 2 sequences but alt_seqs has 1"):
        variant_effects(model, data.sequences[:2], data.sequences[:1])
    with pytest.raises(TypeError, match="single string"):
        variant_effects(model, data.sequences[0], data.sequences[1])
    with pytest.raises(ValueError, match=f"fitted on {LENGTH}-bp"):
        variant_effects(model, ["ACGT"], ["ACGA"])
    with pytest.raises(TypeError, match="fitted IQModel"):
        variant_effects(IQModel(), data.sequences[:1], data.sequences[:1])


def test_multi_trajectory_blocks(model, max_model, data):
    multi = Multi({"early": model, "late": max_model})
    ref, alt = data.sequences[:4], data.sequences[4:8]
    table = variant_effects(multi, ref, alt)
    assert table["trajectory"].tolist() == ["early"] * 4 + ["late"] * 4
    late = table[table["trajectory"] == "late"]
    np.testing.assert_allclose(late["delta"], max_model.predict(alt) - max_model.predict(ref))
    terms = late[[c for c in table.columns if c.startswith(TERM_PREFIX)]]
    # the late model has no covariate terms: their change is exactly 0
    assert (late[TERM_PREFIX + "gc_content"] == 0).all()
    np.testing.assert_allclose(terms.sum(axis=1), late["delta_logit"], atol=1e-9)
    ism = saturation_mutagenesis(multi, ref[0], start=50, end=60)
    assert len(ism.table) == 2 * 30
    with pytest.raises(ValueError, match="trajectory"):
        ism.matrix()
    np.testing.assert_allclose(
        ism.matrix(trajectory="late").to_numpy(),
        saturation_mutagenesis(max_model, ref[0], start=50, end=60).matrix().to_numpy(),
    )


# ----------------------------------------------------------------------------- mutagenesis


def _brute_force(model, seq, table):
    mutants = [
        _mutate(seq, p, b) for p, b in zip(table["position"], table["alt_base"], strict=True)
    ]
    return model.predict(mutants) - model.predict([seq])[0], mutants


@pytest.mark.parametrize("which", ["model", "max_model"])
def test_mutagenesis_equals_brute_force(which, request, data):
    model = request.getfixturevalue(which)
    seq = _mutate(data.sequences[7], 55, "N")  # an N gets four substitutions
    ism = saturation_mutagenesis(model, seq, decompose=True)
    table = ism.table
    assert len(table) == 3 * (LENGTH - 1) + 4
    brute, mutants = _brute_force(model, seq, table)
    np.testing.assert_allclose(table["delta"], brute, atol=1e-9)
    terms = table[[c for c in table.columns if c.startswith(TERM_PREFIX)]]
    np.testing.assert_allclose(terms.sum(axis=1), table["delta_logit"], atol=1e-9)
    slow = _slow_term_changes(model, [seq] * len(mutants), mutants)
    for term in slow.columns:
        np.testing.assert_allclose(table[TERM_PREFIX + term], slow[term], atol=1e-9)
    matrix = ism.matrix()
    assert matrix.shape == (LENGTH, 4)
    for position in (0, 55, LENGTH - 1):
        for base in "ACGT":
            expected = 0.0 if seq[position] == base else None
            value = matrix.loc[position, base]
            if expected is not None:
                assert value == expected
            else:
                mutant = _mutate(seq, position, base)
                np.testing.assert_allclose(
                    value, model.predict([mutant])[0] - model.predict([seq])[0], atol=1e-9
                )


def test_mutagenesis_of_a_range_and_bad_input(model, data):
    seq = data.sequences[3]
    part = saturation_mutagenesis(model, seq, start=10, end=20)
    assert sorted(set(part.table["position"])) == list(range(10, 20))
    whole = saturation_mutagenesis(model, seq).table.set_index(["position", "alt_base"])
    np.testing.assert_allclose(
        part.table.set_index(["position", "alt_base"])["delta"],
        whole.loc[part.table.set_index(["position", "alt_base"]).index, "delta"],
        atol=1e-12,
    )
    with pytest.raises(ValueError, match="need 0 <= start < end"):
        saturation_mutagenesis(model, seq, start=20, end=10)
    with pytest.raises(TypeError, match="one DNA string"):
        saturation_mutagenesis(model, [seq])
    with pytest.raises(ValueError, match=f"fitted on {LENGTH}-bp"):
        saturation_mutagenesis(model, seq[:50])
    with pytest.raises(ValueError, match="not a column"):
        part.matrix("nope")


def _slow_energy(seq: str, motif: Motif, mode: str) -> float:
    """Energy by the formula of spec 3, window by window, in log space."""
    from iqmodel.interpret import window_weights

    log_p = motif.log_probs()
    weights = window_weights(motif, len(seq))
    rc = {"A": "T", "C": "G", "G": "C", "T": "A", "N": "N"}
    terms = []
    for start in range(len(seq) - motif.length + 1):
        if weights[start] <= 0:
            continue
        window = seq[start : start + motif.length]
        reverse = "".join(rc[b] for b in reversed(window))
        score = [
            sum(np.log(0.25) if b == "N" else log_p[k, "ACGT".index(b)] for k, b in enumerate(w))
            for w in (window, reverse)
        ]
        terms.append(np.log(weights[start]) + np.logaddexp(*score))
    if not terms:
        return -np.inf
    return float(max(terms) if mode == "max" else np.logaddexp.reduce(terms))


@pytest.mark.parametrize("mode", ["lse", "max"])
@pytest.mark.parametrize(
    "seq",
    ["ACGTTGCAAGTCCGATTACA", "NNNNNNNNNNNN", "ACGTACGTA", "ACGTAC", "GGGCNNATTTACG"],
    ids=["plain", "all-N", "single-window", "motif-longer", "with-N"],
)
def test_mutant_energies_against_slow_reference(mode, seq, data):
    profiled = data.truth.motifs[0]  # 10 bp, spatial profile
    plain = Motif("plain", profiled.pwm[:9])
    motifs = [plain, plain.renamed("twin"), profiled.with_spatial(None, None)]
    codes = encode([seq])[0]
    positions = np.arange(len(seq))
    fast = mutant_energies(codes, positions, motifs, mode=mode)
    for p, b in itertools.product(range(len(seq)), range(4)):
        mutant = _mutate(seq, p, "ACGT"[b])
        kernel = compute_energies([mutant], motifs, mode=mode)[0]
        slow = [_slow_energy(mutant, m, mode) for m in motifs]
        np.testing.assert_allclose(fast[p, b], kernel, atol=1e-9, rtol=0)
        np.testing.assert_allclose(fast[p, b], slow, atol=1e-9, rtol=0)


def test_mutant_sequence_features_equal_recomputation():
    seq = "NACGTTNGCAAGN"
    codes = encode([seq])[0]
    positions = np.repeat(np.arange(len(seq)), 4)
    alt = np.tile(np.arange(4), len(seq))
    fast = mutant_sequence_features(codes, positions, alt)
    mutants = [_mutate(seq, p, "ACGT"[b]) for p, b in zip(positions, alt, strict=True)]
    pd.testing.assert_frame_equal(fast, sequence_features(mutants), atol=1e-15)


@pytest.mark.parametrize("mode", ["lse", "max"])
def test_mutant_energies_underflow_and_uncounted_windows(mode):
    """The kernel's fallbacks, against the slow formula. On C/G sequence, poly-A motifs of
    156 and 170 bp have window terms that, as products of letter probabilities (~0.01 per
    position relative to a perfect site), are subnormal (~1e-313) or underflow to 0 (~1e-343);
    a motif whose windows all lie in zero-weight bins has energy -inf."""
    poly_a = [Motif(f"poly_a{n}", np.tile([1.0, 0.0, 0.0, 0.0], (n, 1))) for n in (156, 170)]
    rng = np.random.default_rng(4)
    far = Motif("far", rng.dirichlet(np.ones(4), 8)).with_spatial([0.0, 0.0, 1.0], 10)
    for seq, motifs in (("C" * 90 + "N" + "G" * 89, poly_a), ("ACGTTGCAAGTCCGATTACA", [far])):
        codes = encode([seq])[0]
        positions = np.unique(np.r_[np.arange(0, len(seq), 9), 90 % len(seq), len(seq) - 1])
        fast = mutant_energies(codes, positions, motifs, mode=mode)
        for i, b in itertools.product(range(len(positions)), range(4)):
            mutant = _mutate(seq, positions[i], "ACGT"[b])
            kernel = compute_energies([mutant], motifs, mode=mode)[0]
            slow = [_slow_energy(mutant, motif, mode) for motif in motifs]
            np.testing.assert_allclose(fast[i, b], kernel, rtol=0, atol=1e-9)
            np.testing.assert_allclose(fast[i, b], slow, rtol=0, atol=1e-9)


def test_response_parameters_give_the_response_functions():
    """The constants mutagenesis evaluates the responses with are those of the functions."""
    x = np.linspace(-5.0, 15.0, 41)
    for name in RESPONSE_FUNCTIONS:
        x0, height, k, offset = response_parameters(name)
        slow = [height / (1.0 + np.exp(-k * (v - x0))) + offset for v in x]
        np.testing.assert_allclose(response_function(x, name), slow, rtol=0, atol=1e-15)


def test_mutagenesis_inputs_equal_model_transform(model, data):
    """``denergy_`` columns (the normalised energies) equal ``model.transform`` of the
    mutants; a motif without reference (NaN) and one with an empty range stay exact."""
    seq = data.sequences[11]
    ism = saturation_mutagenesis(model, seq, start=20, end=70, decompose=True)
    mutants = [
        _mutate(seq, p, b)
        for p, b in zip(ism.table["position"], ism.table["alt_base"], strict=True)
    ]
    names = [m.name for m in model.motifs_]
    slow = model.transform(mutants)[names].to_numpy() - model.transform([seq])[names].to_numpy()
    fast = ism.table[["denergy_" + n for n in names]].to_numpy()
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-12)

    odd = copy.deepcopy(model)
    odd.energy_normalizer_.reference_log2_[0] = np.nan  # inputs 0 (np.nan_to_num)
    odd.energy_normalizer_.range_high_[1] = odd.energy_normalizer_.range_low_[1]  # scale 0
    table = saturation_mutagenesis(odd, seq, start=20, end=70, decompose=True).table
    brute = odd.predict(mutants) - odd.predict([seq])[0]
    np.testing.assert_allclose(table["delta"], brute, rtol=0, atol=1e-9)
    assert (table["denergy_" + names[0]] == 0).all()
    assert (table["denergy_" + names[1]] == 0).all()


@pytest.mark.parametrize("variant", ["linear", "features only"])
def test_mutagenesis_of_other_model_kinds(variant, data):
    """A linear GLM (no response bases: the inputs themselves are the GLM columns) and a
    model whose only covariates are user features (equal for every mutant) against
    predicting every mutant."""
    features, row = None, None
    if variant == "linear":
        model = IQModel(response_bases=False, filter=False, glm_lambda=1e-4, verbose=0)
    else:
        features = pd.DataFrame({"h3k27ac": np.random.default_rng(2).normal(size=400)})
        row = features.iloc[[5]]
        model = IQModel(sequence_features=False, filter=False, glm_lambda=1e-4, verbose=0)
    model.fit_with_motifs(data.sequences, data.dap, data.truth.motifs, features=features)
    seq = data.sequences[5]
    ism = saturation_mutagenesis(model, seq, start=35, end=85, features=row, decompose=True)
    table = ism.table
    mutants = [
        _mutate(seq, p, b) for p, b in zip(table["position"], table["alt_base"], strict=True)
    ]
    repeated = None if row is None else pd.concat([row] * len(mutants), ignore_index=True)
    brute = model.predict(mutants, features=repeated) - model.predict([seq], features=row)[0]
    np.testing.assert_allclose(table["delta"], brute, rtol=0, atol=1e-9)
    slow = _slow_term_changes(model, [seq] * len(mutants), mutants, features=repeated)
    for term in slow.columns:
        np.testing.assert_allclose(table[TERM_PREFIX + term], slow[term], rtol=0, atol=1e-9)


# ----------------------------------------------------------------------------- genome scoring


@pytest.fixture(scope="module")
def genome_path(tmp_path_factory, data):
    """A small genome: chr1 built from planted sequences (so motif sites exist), chr2 random."""
    rng = np.random.default_rng(5)
    chr1 = "".join(data.sequences[:30])
    chr2 = "".join(rng.choice(list("ACGT"), 2000))
    path = tmp_path_factory.mktemp("genome") / "genome.fa"
    lines = []
    for name, seq in (("chr1", chr1), ("chr2", chr2)):
        lines.append(f">{name}")
        lines += [seq[i : i + 60] for i in range(0, len(seq), 60)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _chrom(genome_path, name):
    text = genome_path.read_text().split(">")
    record = next(r for r in text if r.startswith(name + "\n"))
    return "".join(record.split("\n")[1:])


def _variants(genome_path, rows):
    chrom = {name: _chrom(genome_path, name) for name in ("chr1", "chr2")}
    table = []
    for i, (name, pos, alt) in enumerate(rows):
        ref = chrom[name][pos - 1]
        table.append({"chrom": name, "pos": pos, "ref": ref, "alt": alt(ref), "id": f"v{i}"})
    return pd.DataFrame(table)


def _other(ref):
    return "A" if ref != "A" else "C"


def test_score_variants_windows_and_effects(model, genome_path):
    chr1 = _chrom(genome_path, "chr1")
    variants = _variants(genome_path, [("chr1", 500, _other), ("chr2", 1000, _other)])
    scores = score_variants(model, variants, genome_path, n_null=0)
    effects = scores.effects
    assert scores.skipped.empty and list(effects["window"]) == ["variant", "variant"]
    start = 499 - LENGTH // 2
    assert effects.loc[0, "window_start"] == start and effects.loc[0, "offset"] == LENGTH // 2
    ref = chr1[start : start + LENGTH]
    alt = _mutate(ref, LENGTH // 2, variants.loc[0, "alt"])
    expected = variant_effects(model, [ref], [alt])
    np.testing.assert_allclose(effects.loc[0, "delta"], expected.loc[0, "delta"], atol=1e-12)
    terms = effects[[c for c in effects.columns if c.startswith(TERM_PREFIX)]]
    np.testing.assert_allclose(terms.sum(axis=1), effects["delta_logit"], atol=1e-9)


def test_indel_windows_keep_their_length(model, genome_path):
    chr1 = _chrom(genome_path, "chr1")
    pos = 700
    ref_base = chr1[pos - 1]
    variants = pd.DataFrame(
        {
            "chrom": ["chr1", "chr1"],
            "pos": [pos, pos],
            "ref": [chr1[pos - 1 : pos + 3], ref_base],
            "alt": [ref_base, ref_base + "GATTACA"],
        }
    )
    effects = score_variants(model, variants, genome_path, n_null=0).effects
    start = pos - 1 - LENGTH // 2
    offset = LENGTH // 2
    deletion_ref = chr1[start : start + LENGTH]
    deletion_alt = chr1[start : start + offset + 1] + chr1[start + offset + 4 : start + LENGTH + 3]
    insertion_alt = (chr1[start : start + offset + 1] + "GATTACA" + chr1[start + offset + 1 :])[
        :LENGTH
    ]
    assert len(deletion_alt) == len(insertion_alt) == LENGTH
    expected = variant_effects(model, [deletion_ref] * 2, [deletion_alt, insertion_alt])
    np.testing.assert_allclose(effects["delta"], expected["delta"], atol=1e-12)


def test_peak_windows_match_training_windows(model, genome_path):
    from iqmodel.io.genome import extract_sequences
    from iqmodel.io.intervals import resize_intervals

    peaks = pd.DataFrame(
        {"chrom": ["chr1", "chr1"], "start": [300, 900], "end": [420, 1000], "name": ["p1", "p2"]}
    )
    variants = _variants(genome_path, [("chr1", 310, _other), ("chr1", 950, _other)])
    variants.loc[len(variants)] = {
        "chrom": "chr2",
        "pos": 1500,
        "ref": _chrom(genome_path, "chr2")[1499],
        "alt": "N",
        "id": "outside",
    }
    scores = score_variants(model, variants, genome_path, peaks=peaks, n_null=0)
    effects = scores.effects
    assert effects["window"].tolist() == ["peak", "peak", "variant"]
    assert effects["peak"].tolist() == ["p1", "p2", ""]
    windows = resize_intervals(peaks, LENGTH)
    assert effects["window_start"].tolist()[:2] == windows["start"].tolist()
    refs = extract_sequences(genome_path, windows)
    np.testing.assert_allclose(effects["pred_ref"][:2], model.predict(refs), atol=1e-12)
    quantile = effects["active_allele_quantile"]
    assert quantile.between(0, 1).all()
    background = np.sort(model.predict(refs))
    stronger = np.maximum(effects["pred_ref"], effects["pred_alt"])
    expected = [(background < value).mean() for value in stronger]
    np.testing.assert_allclose(quantile, expected)


def _error(model, genome_path, variants, match, **kwargs):
    with pytest.raises(ValueError, match=match):
        score_variants(model, variants, genome_path, n_null=0, **kwargs)


def test_bad_variants_are_errors_that_list_them(model, genome_path):
    chr1 = _chrom(genome_path, "chr1")
    good = {"chrom": "chr1", "pos": 500, "ref": chr1[499], "alt": _other(chr1[499])}
    wrong_ref = {**good, "pos": 600, "ref": "A" if chr1[599] != "A" else "C", "id": "badref"}
    cases = [
        (wrong_ref, r"REF mismatch: REF ., genome has ."),
        ({**good, "chrom": "chr9"}, "unknown chromosome: 'chr9'"),
        ({**good, "pos": len(chr1) + 5}, "outside the genome"),
        (
            {**good, "pos": 10, "ref": chr1[9], "alt": _other(chr1[9])},
            "too close to the chromosome end",
        ),
        ({**good, "ref": chr1[499], "alt": chr1[499] + "A" * 70}, "indel too long for the window"),
        ({**good, "alt": "<DEL>"}, "symbolic allele"),
        ({**good, "alt": "-"}, "VCF style"),
        ({**good, "alt": good["ref"]}, "same alleles"),
    ]
    for row, match in cases:
        frame = pd.DataFrame([good, row])
        _error(model, genome_path, frame, f"1 of 2 variants cannot be scored.*{match}")
    frame = pd.DataFrame([good] + [row for row, _ in cases])
    with pytest.warns(IQModelWarning, match="8 of 9 variants cannot be scored"):
        scores = score_variants(model, frame, genome_path, n_null=0, on_invalid="skip")
    assert len(scores.effects) == 1 and len(scores.skipped) == 8
    assert scores.skipped.loc[0, "id"] == "badref"
    assert scores.skipped["reason"].str.len().gt(10).all()
    unchecked = score_variants(
        model, pd.DataFrame([wrong_ref]), genome_path, n_null=0, check_ref=False
    )
    assert len(unchecked.effects) == 1


def test_variant_table_checks(model, genome_path):
    chr1 = _chrom(genome_path, "chr1")
    with pytest.raises(ValueError, match=r"lack the column.*alt"):
        check_variants(pd.DataFrame({"chrom": ["chr1"], "pos": [1], "ref": ["A"]}))
    with pytest.raises(ValueError, match=r"looks 0-based.*add 1"):
        check_variants(pd.DataFrame({"chrom": ["chr1"], "pos": [0], "ref": ["A"], "alt": ["C"]}))
    with pytest.raises(ValueError, match="whole numbers"):
        check_variants(pd.DataFrame({"chrom": ["c"], "pos": ["x"], "ref": ["A"], "alt": ["C"]}))
    split = check_variants(
        pd.DataFrame({"#CHROM": ["chr1"], "POS": [5], "REF": ["a"], "ALT": ["C,T"], "ID": ["rs"]})
    )
    assert split[["id", "ref", "alt"]].values.tolist() == [["rs", "A", "C"], ["rs", "A", "T"]]
    # positions given 0-based: REF matches one base to the right
    positions = np.arange(200, 1000, 60)
    shifted = pd.DataFrame(
        {"chrom": "chr1", "pos": positions, "ref": [chr1[p] for p in positions], "alt": "N"}
    )
    _error(model, genome_path, shifted, "look 0-based.*add 1")


def test_vcf_input(model, genome_path, tmp_path):
    import pysam

    chr1 = _chrom(genome_path, "chr1")
    header = (
        "##fileformat=VCFv4.2\n##contig=<ID=chr1,length=3600>\n"
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
    )
    body = f"chr1\t500\trs1\t{chr1[499]}\t{_other(chr1[499])},N\t.\t.\t.\n"
    body += f"chr1\t800\t.\t{chr1[799]}\t{_other(chr1[799])}\t.\t.\t.\n"
    path = tmp_path / "v.vcf"
    path.write_text(header + body)
    table = read_vcf(path)
    assert table["id"].tolist() == ["rs1", "rs1", f"chr1:800:{chr1[799]}:{_other(chr1[799])}"]
    assert table["n_alts"].tolist() == [2, 2, 1]
    compressed = pysam.tabix_index(str(path), preset="vcf", force=True)
    region = read_vcf(compressed, region="chr1:700-900")
    assert region["pos"].tolist() == [800]
    scores = score_variants(model, compressed, genome_path, n_null=0)
    assert len(scores.effects) == 3
    tsv = tmp_path / "v.tsv"
    tsv.write_text("chrom\tpos\tref\talt\nchr1\t500\tA\tC\n")
    with pytest.raises(ValueError, match="not a VCF/BCF file"):
        read_vcf(tsv)
    no_alt = tmp_path / "no_alt.vcf"
    no_alt.write_text(header + f"chr1\t500\t.\t{chr1[499]}\t.\t.\t.\t.\n")
    with pytest.raises(ValueError, match="has no ALT allele"):
        read_vcf(no_alt)
    with pytest.raises(FileNotFoundError):
        read_vcf(tmp_path / "missing.vcf")


# ----------------------------------------------------------------------------- calibration


def test_dinucleotide_shuffle_keeps_pairs():
    rng = np.random.default_rng(0)
    seq = "".join(rng.choice(list("ACGT"), 200))
    shuffled = {dinucleotide_shuffle(seq, np.random.default_rng(i)) for i in range(5)}
    assert len(shuffled) == 5 and seq not in shuffled
    for other in shuffled:
        assert Counter(itertools.pairwise(other)) == Counter(itertools.pairwise(seq))
        assert other[0] == seq[0] and other[-1] == seq[-1]
    same = dinucleotide_shuffle(seq, np.random.default_rng(3))
    assert same == dinucleotide_shuffle(seq, np.random.default_rng(3))
    assert dinucleotide_shuffle("AC", rng) == "AC"


def test_pvalues_separate_site_destroying_variants(model, data, genome_path):
    """Planted caQTLs: variants that destroy the strongest site vs far-off neutral ones."""
    chr1 = _chrom(genome_path, "chr1")
    sites = data.truth.sites[data.truth.sites["seq_index"] < 30]
    strongest = model.coef_.groupby("variable")["coefficient"].apply(lambda c: c.abs().sum())
    rows = []
    for site in sites.itertuples():
        centre = site.seq_index * LENGTH + site.start + len(site.sequence) // 2
        if LENGTH // 2 < centre < len(chr1) - LENGTH and site.motif in strongest.index:
            rows.append(("chr1", centre + 1, lambda r: "ACGT"[("ACGT".index(r) + 2) % 4]))
    causal = _variants(genome_path, rows)
    ism = score_variants(model, causal, genome_path, n_null=30, random_state=1)
    big = ism.effects["delta"].abs() > ism.effects["delta"].abs().quantile(0.75)
    assert (ism.effects.loc[big, "pvalue"] < 0.2).mean() > 0.7
    again = score_variants(model, causal.iloc[::-1], genome_path, n_null=30, random_state=1)
    np.testing.assert_allclose(
        again.effects["pvalue"].to_numpy()[::-1], ism.effects["pvalue"].to_numpy()
    )
    assert ism.effects["pvalue"].between(1 / 31, 1).all()


def test_caqtl_metrics_known_answers():
    rng = np.random.default_rng(0)
    rows = []
    for peak in range(20):
        effect = rng.normal(0, 1)
        rows.append((f"p{peak}", 1e-4, effect, effect * 2, 5))  # the lead
        rows.append((f"p{peak}", 1e-4, effect, effect * 2, 50))  # same p, further: not lead
        rows.append((f"p{peak}", 0.01, effect, 0.0, 0))  # weaker caQTL
        rows += [(f"p{peak}", 0.5, 0.0, rng.normal(0, 0.01), 0) for _ in range(12)]
    table = pd.DataFrame(
        rows, columns=["peak", "pvalue", "observed", "predicted", "summit_distance"]
    )
    result = caqtl_metrics(table, random_state=0)
    assert result.n_leads == 20 and result.n_negatives == 200
    assert (result.leads["summit_distance"] == 5).all()
    assert set(result.negatives["peak"]) == {f"p{i}" for i in range(20)}
    assert result.baseline == pytest.approx(1 / 11)
    assert result.average_precision > 0.9 and result.enrichment > 9
    assert result.pearson_r == pytest.approx(1.0)
    assert result.sign_concordance == 1.0
    flipped = caqtl_metrics(table.assign(predicted=-table["predicted"]), random_state=0)
    assert flipped.sign_concordance == 0.0 and flipped.pearson_r == pytest.approx(-1.0)
    assert flipped.average_precision == pytest.approx(result.average_precision)
    scarce = caqtl_metrics(table[table["pvalue"] < 0.1].iloc[:40], random_state=0)
    assert scarce.n_negatives == 0 and np.isnan(scarce.average_precision)
    with pytest.raises(ValueError, match="no variant has pvalue <= 1e-05"):
        caqtl_metrics(table, caqtl_pvalue=1e-5)
    with pytest.raises(ValueError, match="lack the column"):
        caqtl_metrics(table.drop(columns="observed"))


def test_caqtl_metrics_on_planted_variants(model, data, genome_path):
    """Simulated caQTLs whose observed effect is the truth model's effect: the metrics see
    a model that recovered the planted motifs."""
    rng = np.random.default_rng(4)
    sites = data.truth.sites[data.truth.sites["seq_index"].between(1, 28)]
    rows = []
    for site in sites.itertuples():
        centre = site.seq_index * LENGTH + site.start + len(site.sequence) // 2
        rows.append(
            ("chr1", centre + 1, lambda r: "ACGT"[("ACGT".index(r) + 2) % 4], site.seq_index)
        )
    for _ in range(10 * len(rows)):
        index = int(rng.integers(1, 29))
        rows.append(("chr1", index * LENGTH + int(rng.integers(0, 8)) + 1, _other, index))
    variants = _variants(genome_path, [r[:3] for r in rows])
    variants["peak"] = [r[3] for r in rows]
    effects = score_variants(
        model, variants.drop_duplicates(["pos"]), genome_path, n_null=0
    ).effects
    peaks = variants.drop_duplicates(["pos"])["peak"].to_numpy()
    truth = effects["delta"].to_numpy() * 0.9 + rng.normal(0, 0.002, len(effects))
    causal = np.arange(len(effects)) < len(sites)
    table = pd.DataFrame(
        {
            "peak": peaks,
            "pvalue": np.where(causal, 1e-3, 0.5),
            "observed": np.where(causal, truth, 0.0),
            "predicted": effects["delta"].to_numpy(),
        }
    )
    result = caqtl_metrics(table, random_state=0)
    assert result.average_precision > 2 * result.baseline
    assert result.sign_concordance > 0.8


# ----------------------------------------------------------------------------- figures


def test_variant_iq_plot(model, data):
    ref = data.sequences[0]
    alt = _mutate(ref, 60, _other(ref[60]))
    fig = variant_iq_plot(model, ref, alt, flank=10)
    axes = {ax.get_label(): ax for ax in fig.axes}
    assert {"variant-ref", "variant-alt", "variant-change", "variant-terms"} <= set(axes)
    assert "".join(t.get_text() for t in axes["variant-alt"].texts) == alt[50:71]
    change = [p.get_height() for p in axes["variant-change"].containers[0]]
    slow = _per_base_total(model, alt) - _per_base_total(model, ref)
    np.testing.assert_allclose(change, slow)
    effect = variant_effects(model, [ref], [alt]).iloc[0]
    shown = {
        t.get_text(): p.get_width()
        for t, p in zip(
            axes["variant-terms"].get_yticklabels(),
            axes["variant-terms"].containers[0],
            strict=True,
        )
    }
    for term, width in shown.items():
        assert width == pytest.approx(effect[TERM_PREFIX + term])
    with pytest.raises(ValueError, match="one length"):
        variant_iq_plot(model, ref, alt[:-1])


def _per_base_total(model, seq):
    from iqmodel.interpret import local_contributions

    return local_contributions(model, seq).per_base.to_numpy().sum(axis=1)


def test_mutagenesis_map(model, data):
    ism = saturation_mutagenesis(model, data.sequences[2], start=40, end=80)
    ax = mutagenesis_map(ism)
    image = ax.get_images()[0].get_array()
    np.testing.assert_allclose(image, ism.matrix().to_numpy().T)
    logo_ax = mutagenesis_map(ism, kind="logo")
    matrix = ism.matrix().to_numpy()
    importance = -matrix.sum(axis=1) / 3
    low, high = logo_ax.get_ylim()
    assert low <= importance.min() and high >= importance.max() > 0
    with pytest.raises(ValueError, match="kind must be one of"):
        mutagenesis_map(ism, kind="bars")


# ----------------------------------------------------------------------------- command line


def test_cli_variants_and_ism(model, genome_path, tmp_path, capsys):
    from iqmodel.cli import main

    chr1 = _chrom(genome_path, "chr1")
    model_path = tmp_path / "model.json"
    model.save(model_path)
    vcf = tmp_path / "v.vcf"
    vcf.write_text(
        "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
        f"chr1\t500\trs1\t{chr1[499]}\t{_other(chr1[499])}\t.\t.\t.\n"
        f"chr1\t900\trs2\t{_other(chr1[899])}\tG\t.\t.\t.\n"
    )
    out = tmp_path / "effects.tsv"
    base = ["variants", "--model", str(model_path), "--vcf", str(vcf), "--genome"]
    args = [*base, str(genome_path), "--out", str(out), "--n-null", "5", "--seed", "1", "--quiet"]
    assert main(args) == 1
    assert "REF mismatch" in capsys.readouterr().err
    assert main([*args, "--skip-invalid"]) == 0
    effects = pd.read_csv(out, sep="\t")
    skipped = pd.read_csv(tmp_path / "effects.skipped.tsv", sep="\t")
    assert effects["id"].tolist() == ["rs1"] and skipped["id"].tolist() == ["rs2"]
    assert "REF mismatch" in skipped.loc[0, "reason"] and "pvalue" in effects.columns
    assert main([*base, str(genome_path), "--out", str(out), "--n-null", "-1"]) == 2
    assert "--n-null must be 0 or more" in capsys.readouterr().err
    ism_out = tmp_path / "ism.tsv"
    figure = tmp_path / "ism.png"
    ism_args = ["ism", "--model", str(model_path), "--genome", str(genome_path)]
    ism_args += ["--region", "chr1:600-610", "--out", str(ism_out), "--figure", str(figure)]
    assert main([*ism_args, "--quiet"]) == 0
    table = pd.read_csv(ism_out, sep="\t")
    assert len(table) == 30 and figure.stat().st_size > 0
    start = 605 - LENGTH // 2
    seq = chr1[start : start + LENGTH]
    row = table.iloc[0]
    assert row["pos"] == 601 and seq[row["position"]] == row["ref_base"]
    np.testing.assert_allclose(
        row["delta"],
        model.predict([_mutate(seq, row["position"], row["alt_base"])])[0]
        - model.predict([seq])[0],
        atol=1e-9,
    )
    assert main(["ism", *ism_args[1:5], "--region", "chr1:1-5", "--out", str(ism_out)]) == 1
    assert "negative start" in capsys.readouterr().err


# ----------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def ctcf(shared_data):
    """CTCF ChIP peaks vs their dinucleotide-shuffled copies, a model on three motifs."""
    from iqmodel.io import load_motif_db

    table = pd.read_csv(
        shared_data / "chip" / "ctcf_spi1_chip_peaks_hg19_100bp.tsv.gz", sep="\t", nrows=600
    )
    peaks = [s.upper() for s in table.loc[table["tf"] == "CTCF", "sequence"]][:500]
    rng = np.random.default_rng(0)
    shuffled = [dinucleotide_shuffle(s, rng) for s in peaks]
    wanted = {"CTCF", "Spi1", "GATA1"}
    motifs = [m for m in load_motif_db("jaspar2024") if m.alt_name in wanted and m.length <= 20]
    model = IQModel(filter=False, glm_lambda=1e-3, random_state=0, verbose=0)
    model.fit_with_motifs(
        peaks + shuffled, np.r_[np.ones(len(peaks)), np.zeros(len(peaks))], motifs
    )
    return model, peaks, shuffled


def _core_mutant(model, seq: str, motif) -> str:
    """``seq`` with the 4 most informative bases of its best ``motif`` site changed to the
    base the bound strand likes least."""
    from iqmodel.energy import local_energies

    start = int(np.nanargmax(local_energies(seq, motif)))
    log_p = motif.log_probs()
    window = seq[start : start + motif.length]
    reverse = log_p[::-1][:, ::-1]  # reverse complement: positions and bases reversed
    index = ["ACGT".index(b) for b in window]
    forward_score = log_p[np.arange(motif.length), index].sum()
    reverse_score = reverse[np.arange(motif.length), index].sum()
    table = log_p if forward_score >= reverse_score else reverse
    core = np.argsort(table.max(axis=1))[-4:]
    bases = list(seq)
    for k in core:
        bases[start + k] = "ACGT"[int(np.argmin(table[k]))]
    return "".join(bases)


def test_ctcf_core_mutations_lower_the_ctcf_term(ctcf):
    model, peaks, shuffled = ctcf
    motif = next(m for m in model.motifs_ if m.alt_name == "CTCF")
    energy = model.transform(peaks)[motif.name].to_numpy()
    strongest = [peaks[i] for i in np.argsort(energy)[-20:]]
    mutants = [_core_mutant(model, s, motif) for s in strongest]
    effects = variant_effects(model, strongest, mutants)
    peak_prediction, shuffled_prediction = model.predict(peaks), model.predict(shuffled)
    assert (peak_prediction > shuffled_prediction).mean() > 0.6  # the rest are mostly ties:
    assert (peak_prediction < shuffled_prediction).mean() < 0.1  # no site in either copy
    term = effects[TERM_PREFIX + motif.name]
    assert (effects[f"denergy_{motif.name}"] < 0).all()
    assert (term < 0).mean() >= 0.85 and (effects["delta"] < 0).mean() >= 0.75
    assert (effects["top_term"] == motif.name).mean() >= 0.75
    # the exceptions are explained by the model itself: the fitted response curve is lower
    # at the reference energy than at the mutant's, or the term barely moves (another site)
    curve = response_curve(model, motif.name, np.linspace(0, 10, 1001))
    ref_energy = model.transform(strongest)[motif.name].to_numpy()
    alt_energy = model.transform(mutants)[motif.name].to_numpy()
    expected = (
        curve.to_numpy()[np.round(alt_energy * 100).astype(int)]
        - curve.to_numpy()[np.round(ref_energy * 100).astype(int)]
    )
    np.testing.assert_allclose(term, expected, atol=0.2)
    unexplained = (effects["delta"] >= 0) & (term < -0.5)
    assert not unexplained.any()
    terms = effects[[c for c in effects.columns if c.startswith(TERM_PREFIX)]]
    np.testing.assert_allclose(terms.sum(axis=1), effects["delta_logit"], atol=1e-9)
    shown = int(effects["delta"].idxmin())
    fig = variant_iq_plot(model, strongest[shown], mutants[shown], title="CTCF core")
    labels = [t.get_text() for t in fig.axes[-1].get_yticklabels()]
    assert labels[-1] == motif.name  # the largest change is drawn on top


def test_yeast_measured_effects(shared_data):
    """Real 1-3 substitution effects: the IQ model of levels vs measured effects (see
    docs/variants.md for the full table; fit here on a subset to stay fast).

    The file's level columns are swapped against its sequence columns (examples/variants_yeast.py):
    the level of ``original_seq`` is ``evol_measured``, that of ``evolved_seq`` is
    ``original_measured``, and ``delta_measured`` and the published deltas are ref - alt."""
    from iqmodel.io import read_meme
    from iqmodel.metrics import pearson_r

    pairs = pd.read_csv(shared_data / "variants" / "yeast_drift_vaishnav2022.tsv.gz", sep="\t")
    pairs = pairs[pairs["medium"] == "complex"]
    per_original = pairs.groupby("original_seq")[["evol_measured", "original_measured"]].nunique()
    assert (per_original["evol_measured"] == 1).all()  # the layout read below
    assert (per_original["original_measured"] > 1).mean() > 0.99
    np.testing.assert_allclose(
        pairs["delta_measured"], pairs["evol_measured"] - pairs["original_measured"]
    )
    originals = pairs["original_seq"].unique()
    test = set(np.random.default_rng(0).choice(originals, len(originals) // 3, replace=False))
    held_out = pairs["original_seq"].isin(test).to_numpy()
    train = pairs[~held_out]
    seqs = train["original_seq"].tolist() + train["evolved_seq"].tolist()
    levels = np.r_[train["evol_measured"], train["original_measured"]]  # each sequence's own
    wanted = {"REB1", "RAP1", "ABF1.MA0265.2", "TBP", "MSN2", "GCN4", "CBF1"}
    motifs = [
        m
        for m in read_meme(shared_data / "tanaylab" / "prego_JASPAR_motifs.meme.gz")
        if m.name in wanted
    ]
    model = IQModel(filter=False, glm_lambda=1e-3, random_state=0, verbose=0)
    model.fit_with_motifs(seqs, levels, motifs)
    part = pairs[held_out]
    effects = variant_effects(model, part["original_seq"].tolist(), part["evolved_seq"].tolist())
    measured = (part["original_measured"] - part["evol_measured"]).to_numpy()  # alt - ref
    terms = effects[[c for c in effects.columns if c.startswith(TERM_PREFIX)]]
    np.testing.assert_allclose(terms.sum(axis=1), effects["delta_logit"], atol=1e-9)
    level_r = pearson_r(part["evol_measured"], model.predict(part["original_seq"].tolist()))
    delta_r = pearson_r(measured, effects["delta"])
    legnet_r = pearson_r(measured, -part["legnet_delta_predicted"])  # published: ref - alt
    signed = (effects["delta"].to_numpy() != 0) & (measured != 0)
    concordance = np.mean(np.sign(effects["delta"].to_numpy()[signed]) == np.sign(measured[signed]))
    assert level_r > 0.6  # the levels are learned ...
    assert legnet_r > 0.85  # (the published model's figure, recomputed in alt - ref)
    assert delta_r > 0.35  # ... and within-pair effects in the right direction (r about 0.5)
    assert concordance > 0.6


def test_mutagenesis_with_user_features(data):
    """A model fitted with a covariate: the covariate is held fixed for every mutant."""
    signal = pd.DataFrame({"h3k27ac": np.random.default_rng(1).normal(size=len(data.dap))})
    model = IQModel(filter=False, glm_lambda=1e-4, random_state=0, verbose=0)
    model.fit_with_motifs(data.sequences, data.dap, data.truth.motifs, features=signal)
    seq, row = data.sequences[9], signal.iloc[[9]]
    ism = saturation_mutagenesis(model, seq, start=30, end=50, features=row)
    mutants = [
        _mutate(seq, p, b)
        for p, b in zip(ism.table["position"], ism.table["alt_base"], strict=True)
    ]
    repeated = pd.concat([row] * len(mutants), ignore_index=True)
    brute = model.predict(mutants, features=repeated) - model.predict([seq], features=row)[0]
    np.testing.assert_allclose(ism.table["delta"], brute, atol=1e-9)
    with pytest.raises(ValueError, match="fitted with 1 features"):
        saturation_mutagenesis(model, seq)


def test_score_variants_of_a_multi_trajectory_model(model, max_model, genome_path, data):
    multi = Multi({"early": model, "late": max_model})
    variants = _variants(genome_path, [("chr1", 500, _other), ("chr2", 900, _other)])
    background = data.sequences[100:140]
    scores = score_variants(
        multi, variants, genome_path, n_null=4, background=background, random_state=0
    )
    effects = scores.effects
    assert effects["trajectory"].tolist() == ["early", "early", "late", "late"]
    single = score_variants(
        max_model, variants, genome_path, n_null=4, background=background, random_state=0
    ).effects
    late = effects[effects["trajectory"] == "late"].reset_index(drop=True)
    for column in ("delta", "pvalue", "active_allele_quantile"):
        np.testing.assert_allclose(late[column], single[column])
