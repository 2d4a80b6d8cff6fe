"""Constant adapters and flanks on real data (issue #10).

MPRA/STARR constructs carry adapters, and the yeast promoters fixed flanks, that are identical in
every sequence. A k-mer inside them has the same count everywhere: its correlation with any
response is 0. Before the fix the k-mer screen computed the count variance as
``E[c^2] - E[c]^2`` (0 or rounding residue), divided by it and ranked these k-mers first with
``max_r2 = inf``, so PREGO started from adapter pieces. The adapters are found from the data
(the common prefix and suffix of all sequences).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from iqmodel._kernels import prego as kernels
from iqmodel.prego import _key_to_pattern, fit_motif, screen_kmers
from iqmodel.seq import encode

# (file under shared/data, sequence column, response column)
DATA_SETS = {
    "wtc11_lentimpra": ("mpra_starr/lentimpra_WTC11_agarwal2025.tsv.gz", "seq", "mean_value"),
    "yeast_promoters": ("variants/yeast_drift_vaishnav2022.tsv.gz", "original_seq", None),
}
WTC11_ROWS = 2000
"""WTC11 rows used: the first of the upstream fold ``test_fold1``. On all 8,780 rows every
adapter 8-mer also occurs in a few genomic elements (count 2 there), so no k-mer is exactly
constant; on subsets of a few thousand rows many are, as in any set of that size."""
_IUPAC = {
    "A": "A",
    "C": "C",
    "G": "G",
    "T": "T",
    "M": "[AC]",
    "R": "[AG]",
    "W": "[AT]",
    "S": "[CG]",
    "Y": "[CT]",
    "K": "[GT]",
    "*": "[ACGT]",
}
_COMPLEMENT = str.maketrans("ACGT", "TGCA")


def _load(shared_data, name: str) -> tuple[list[str], np.ndarray]:
    path, sequence, response = DATA_SETS[name]
    table = pd.read_csv(shared_data / path, sep="\t")
    if response is None:  # yeast: each original promoter once (999), complex-medium expression
        table = table[table["medium"] == "complex"].drop_duplicates("original_seq")
        # the file swaps its level columns: evol_measured is the original promoter's level
        # (one value per original_seq; see examples/variants_yeast.py)
        response = "evol_measured"
    else:
        table = table[table["split"] == "test_fold1"].head(WTC11_ROWS)
    return table[sequence].str.upper().tolist(), table[response].to_numpy(dtype=float)


def _common_prefix(texts: list[str]) -> str:
    first, last = min(texts), max(texts)  # the prefix common to these two is common to all
    length = 0
    while length < min(len(first), len(last)) and first[length] == last[length]:
        length += 1
    return first[:length]


def _flanks(seqs: list[str]) -> tuple[str, str]:
    """The common prefix and suffix of all sequences (the constant adapters or flanks)."""
    return _common_prefix(seqs), _common_prefix([s[::-1] for s in seqs])[::-1]


def _occurs_in(pattern: str, texts) -> bool:
    """Whether the IUPAC / ``*`` pattern matches inside any text, on either strand."""
    regex = re.compile("".join(_IUPAC[letter] for letter in pattern))
    return any(
        regex.search(text) or regex.search(text.translate(_COMPLEMENT)[::-1]) for text in texts
    )


def _screen_inputs(seqs, k=8, min_gap=0, max_gap=1):
    """Distinct k-mer keys, each entry's k-mer index, sequence and count (the screen's input)."""
    keys, seq_index, counts = kernels.kmer_occurrences(encode(seqs), k, min_gap, max_gap)
    unique, inverse = np.unique(keys, return_inverse=True)
    return unique, inverse, seq_index, counts


def _constant_kmers(seqs, unique, inverse, counts) -> set[str]:
    """K-mers whose count is the same (and non-zero) in every sequence."""
    n = len(seqs)
    present = np.bincount(inverse, minlength=len(unique))
    sum_c = np.bincount(inverse, weights=counts, minlength=len(unique))
    sum_c2 = np.bincount(inverse, weights=counts.astype(float) ** 2, minlength=len(unique))
    constant = (present == n) & (n * sum_c2 == sum_c**2)
    return {_key_to_pattern(int(key), 8) for key in unique[constant]}


def _naive_top_kmer(unique, inverse, seq_index, counts, y) -> tuple[str, float]:
    """The top k-mer and its max_r2 under the screen's formula before the fix."""
    n = len(y)
    counts = counts.astype(float)
    mean_c = np.bincount(inverse, weights=counts, minlength=len(unique)) / n
    var_c = np.bincount(inverse, weights=counts**2, minlength=len(unique)) / n - mean_c**2
    cov = np.bincount(inverse, weights=counts * y[seq_index], minlength=len(unique)) / n
    cov -= mean_c * y.mean()
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        r = np.nan_to_num(cov / np.sqrt(var_c * y.var()))
        max_r2 = r**2
    top = int(np.argmax(max_r2))
    return _key_to_pattern(int(unique[top]), 8), float(max_r2[top])


@pytest.mark.parametrize("name", sorted(DATA_SETS))
def test_constant_kmers_never_pass_the_screen(shared_data, name):
    seqs, y = _load(shared_data, name)
    prefix, suffix = _flanks(seqs)
    assert len(prefix) >= 13 and len(suffix) >= 13  # WTC11: 15 + 15 bp; yeast: 17 + 13 bp
    unique, inverse, seq_index, counts = _screen_inputs(seqs)
    constant = _constant_kmers(seqs, unique, inverse, counts)
    assert len(constant) >= 10
    assert all(_occurs_in(kmer, [prefix, suffix]) for kmer in constant)

    if name == "wtc11_lentimpra":
        # before the fix: a constant adapter k-mer ranked first with an infinite max_r2 (on the
        # yeast levels the variance residues happen to stay finite and small)
        top, top_r2 = _naive_top_kmer(unique, inverse, seq_index, counts, y)
        assert top in constant and top_r2 == np.inf

    table = screen_kmers(seqs, y)
    assert len(table) > 0
    assert set(table["kmer"]).isdisjoint(constant)
    assert table["max_r2"].between(0, 1).all()
    assert table["r_0"].between(-1, 1).all()


@pytest.mark.slow
def test_prego_motif_on_wtc11_is_not_the_adapter(shared_data):
    # one seed (the top k-mer; before the fix an adapter k-mer): the fit scores the central
    # 200 bp, so the adapters could only enter through the seed
    seqs, y = _load(shared_data, "wtc11_lentimpra")
    adapters = _flanks(seqs)
    result = fit_motif(seqs, y, multi_kmers=False, random_state=0)
    seed = result.seed.strip("*")
    assert not _occurs_in(seed, adapters)
    consensus = result.consensus
    assert sum(letter != "*" for letter in consensus) >= 4
    assert not _occurs_in(consensus, adapters)
    assert result.score[0] > 0.05


def test_prego_seed_on_yeast_is_not_the_flank(shared_data):
    # the yeast signal is a diffuse CG preference (consensus of one or two letters, which occur
    # in any flank), so only the seed is checked: it must not be a constant flank k-mer
    seqs, y = _load(shared_data, "yeast_promoters")
    flanks = _flanks(seqs)
    result = fit_motif(seqs, y, multi_kmers=False, random_state=0)
    assert not _occurs_in(result.seed.strip("*"), flanks)
    assert result.score[0] > 0.3


@pytest.mark.slow
def test_iqmodel_motifs_on_wtc11_are_not_adapter_pieces(shared_data):
    # issue #10 acceptance: a whole model on the lentiMPRA sequences learns no adapter piece
    from iqmodel import IQModel

    seqs, y = _load(shared_data, "wtc11_lentimpra")
    seqs, y = seqs[:1000], y[:1000]
    adapters = _flanks(seqs)
    model = IQModel(n_motifs=4, random_state=0, verbose=0).fit(seqs, y)
    assert model.train_r2_ > 0.05
    for motif in model.motifs_:
        core = motif.consensus().strip("*")
        assert sum(letter != "*" for letter in core) >= 4, motif
        assert not _occurs_in(core, adapters), (motif.name, core)
