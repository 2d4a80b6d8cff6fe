"""Baselines of benchmarks/compare_models.py: CNNs (torch), sequence baselines, statistics, splits.

The CNN tests train tiny models on the CPU for a few epochs and skip when torch is absent.
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from dl.datasets import mouse, split_groups, subsample, yeast_levels
from dl.shallow import (
    hit_threshold,
    kmer_counts,
    log_odds,
    motif_hit_counts,
)
from dl.stats import benjamini_hochberg, paired_wilcoxon

from iqmodel.io import load_motif_db
from iqmodel.seq import encode
from iqmodel.seq import reverse_complement as rc_strings

ARCHITECTURE_NAMES = [
    "DeepTopic CNN",
    "Simple ConvNet",
    "Dilated CNN (ChromBPNet-like)",
    "ExplaiNN",
]
LENGTH = 60


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip(
        "torch", reason="the CNN baselines need torch: pip install 'iqmodel[dl]'"
    )


@pytest.fixture(scope="module")
def planted():
    """480 random 60-bp sequences; task 0 counts GATAAG sites (both strands), task 1 is GC
    content minus the sites: two tasks with a known sequence signal."""
    rng = np.random.default_rng(7)
    seqs = []
    for _ in range(480):
        letters = rng.choice(list("ACGT"), LENGTH)
        for start in rng.choice(np.arange(0, LENGTH - 6, 9), rng.integers(0, 4), replace=False):
            letters[start : start + 6] = list("GATAAG")
        seqs.append("".join(letters))
    codes = encode(seqs)
    sites = np.array([s.count("GATAAG") + s.count("CTTATC") for s in seqs], dtype=float)
    gc = np.isin(codes, [1, 2]).mean(axis=1)
    return codes, np.column_stack([sites, -sites + 5 * gc])


def _fit(architecture, codes, y, *, n_train, epochs, seed=0):
    """Train on the first ``n_train`` rows, validate on the next 80 (width 1/16, CPU)."""
    from dl.training import DeepRegressor, TrainConfig

    config = TrainConfig(max_epochs=epochs, patience=epochs, seed=seed)
    model = DeepRegressor(architecture, width=1 / 16, config=config, device="cpu")
    val = slice(n_train, n_train + 80)
    return model.fit(codes[:n_train], y[:n_train], codes[val], y[val])


@pytest.mark.parametrize("architecture", ARCHITECTURE_NAMES)
@pytest.mark.parametrize("length", [60, 110, 249])
def test_output_shape(torch, architecture, length):
    from dl.models import ARCHITECTURES, n_parameters
    from dl.training import one_hot

    model = ARCHITECTURES[architecture](length, 3, width=1 / 32).eval()
    codes = torch.randint(0, 5, (5, length))
    assert model(one_hot(codes)).shape == (5, 3)
    assert n_parameters(model) > 0


@pytest.mark.parametrize("architecture", ARCHITECTURE_NAMES)
def test_training_lowers_the_loss_and_predictions_ignore_the_strand(torch, planted, architecture):
    codes, y = planted
    model = _fit(architecture, codes, y, n_train=400, epochs=4)
    history = model.history_
    assert history.final_fit_loss < history.initial_fit_loss
    assert history.device.startswith("cpu") and history.seconds > 0
    assert 0 <= history.best_epoch < len(history.val_loss) == 4
    prediction = model.predict(codes)
    assert prediction.shape == (480, 2) and np.isfinite(prediction).all()
    np.testing.assert_allclose(model.predict(encode(rc_strings(codes))), prediction, atol=1e-5)


@pytest.mark.parametrize("architecture", ARCHITECTURE_NAMES)
def test_training_is_deterministic_under_a_seed(torch, planted, architecture):
    codes, y = planted
    first = _fit(architecture, codes, y, n_train=100, epochs=1).predict(codes[:50])
    again = _fit(architecture, codes, y, n_train=100, epochs=1).predict(codes[:50])
    other = _fit(architecture, codes, y, n_train=100, epochs=1, seed=1).predict(codes[:50])
    np.testing.assert_array_equal(again, first)
    assert not np.array_equal(other, first)


def test_state_model_is_flagged(torch):
    from dl.models import ARCHITECTURES

    assert [n for n, c in ARCHITECTURES.items() if c.trains_on_states] == [
        "Dilated CNN (ChromBPNet-like)"
    ]


def test_augmentation_helpers(torch):
    from dl.training import one_hot, reverse_complement, shift

    codes = torch.tensor([[0, 1, 2, 3, 4, 0]])
    assert reverse_complement(codes).tolist() == [[3, 4, 0, 1, 2, 3]]
    assert torch.equal(reverse_complement(reverse_complement(codes)), codes)
    right = shift(codes, torch.tensor([2]), 3)
    left = shift(codes, torch.tensor([-1]), 3)
    assert right.tolist() == [[4, 4, 0, 1, 2, 3]]
    assert left.tolist() == [[1, 2, 3, 4, 0, 4]]
    hot = one_hot(codes)
    assert hot.shape == (1, 4, 6)
    assert hot[0, :, 4].tolist() == [0, 0, 0, 0] and hot[0, :, 1].tolist() == [0, 1, 0, 0]


def test_loss_handles_negative_values(torch):
    from dl.training import CosineMSELogLoss

    loss = CosineMSELogLoss()
    y = torch.tensor([[0.2, 0.9], [0.5, 0.1]])
    assert loss(y, y).item() == pytest.approx(-1.0)
    assert loss(-y, y).item() > loss(y + 0.1, y).item() > loss(y, y).item()
    assert torch.isfinite(loss(torch.tensor([[-0.3, 0.2]]), torch.tensor([[-0.1, 0.4]])))


def test_cuda_request_without_gpu_fails(torch):
    from dl.training import resolve_device

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    assert resolve_device("auto").type == "cpu"
    with pytest.raises(RuntimeError, match="no CUDA device"):
        resolve_device("cuda")


# ----------------------------------------------------------------------------- without torch


def test_kmer_counts_merge_reverse_complements():
    counts = kmer_counts(["ACGTNACGTT"], sizes=(2,))
    assert counts.shape == (1, 10)  # 16 dinucleotides, 10 canonical
    assert counts.sum() == 7  # windows with N are skipped
    np.testing.assert_array_equal(kmer_counts(["AACGT"]), kmer_counts(rc_strings(["AACGT"])))


def test_hit_threshold_is_exact_and_scan_matches_brute_force():
    database = load_motif_db("jaspar2024")
    motifs = [m for m in database if m.length <= 8][:1] + [m for m in database if m.length == 10][
        :2
    ]
    scores = log_odds(motifs[0])
    every = np.array(list(itertools.product(range(4), repeat=motifs[0].length)))
    totals = scores[np.arange(motifs[0].length), every].sum(axis=1)
    threshold = hit_threshold(scores, 1e-3)
    assert (totals >= threshold - 1e-4).mean() <= 1e-3 < (totals >= threshold - 0.05).mean()

    rng = np.random.default_rng(3)
    seqs = []
    for _ in range(4):
        letters = list(rng.choice(list("ACGT"), 40))
        best = "".join("ACGT"[k] for k in motifs[1].pwm.argmax(axis=1))
        letters[5 : 5 + len(best)] = best
        seqs.append("".join(letters))
    expected = np.zeros((4, len(motifs)))
    for i, strand in itertools.product(range(4), (0, 1)):
        codes = encode([seqs[i] if strand == 0 else rc_strings([seqs[i]])[0]])[0]
        for j, motif in enumerate(motifs):
            lo, t = log_odds(motif), hit_threshold(log_odds(motif))
            for p in range(len(codes) - motif.length + 1):
                expected[i, j] += (
                    lo[np.arange(motif.length), codes[p : p + motif.length]].sum() >= t - 1e-4
                )
    found = motif_hit_counts(seqs, motifs, chunk=3)
    np.testing.assert_array_equal(found, expected)
    assert found[:, 1].min() >= 1


def test_wilcoxon_and_bh_match_the_paper():
    # IQ vs dilated CNN, Fig. 5D (9 trajectories): all 9 differences favour IQ
    iq = [0.4543, 0.4361, 0.3624, 0.3965, 0.3493, 0.3597, 0.3813, 0.2843, 0.3589]
    dilated = [0.3331, 0.2507, 0.2698, 0.3246, 0.2629, 0.2132, 0.1954, 0.0923, 0.1732]
    result = paired_wilcoxon(dilated, iq)
    z = (45 - 22.5 - 0.5) / np.sqrt(9 * 10 * 19 / 24)  # R: normal approximation, corrected
    from scipy.stats import norm

    assert result["V"] == 45 and result["p"] == pytest.approx(2 * norm.sf(z))
    assert result["ci_low"] < result["hl_estimate"] < result["ci_high"] and result["effect_r"] > 0
    # Fig. 5C: raw 0.722 / 0.343 / 0.813 all adjust to 0.8127
    np.testing.assert_allclose(benjamini_hochberg([0.722, 0.343, 0.813]), 0.813)


def test_mouse_split_and_states():
    data = mouse()
    assert sorted(pd.Series(data.split).value_counts().to_dict().items()) == [
        ("test", 200),
        ("train", 700),
        ("val", 100),
    ]
    np.testing.assert_allclose(data.to_trajectories(data.states.to_numpy()), data.targets)
    small = subsample(data, 500)
    assert len(small.seqs) <= 500 and set(small.split) == {"train", "val", "test"}


def test_split_groups_keeps_groups_together():
    groups = np.repeat(np.arange(50), 3)
    split = split_groups(groups)
    assert all(len(set(split[groups == g])) == 1 for g in range(50))
    assert pd.Series(split).value_counts().to_dict() == {"train": 105, "test": 30, "val": 15}


def test_yeast_levels_follow_the_sequences():
    table = pd.DataFrame(
        {
            "medium": ["complex"] * 3 + ["defined"] * 3,
            "original_seq": ["AAAA"] * 3 + ["AAAA"] * 3,
            "evolved_seq": ["AAAT", "AATT", "ATTT"] * 2,
            "evol_measured": [10.0] * 3 + [11.0] * 3,  # the original's level, repeated
            "original_measured": [9.0, 8.0, 7.0, 9.5, 8.5, 7.5],
        }
    )
    levels = yeast_levels(table)
    assert levels.loc["AAAA", ["complex", "defined"]].tolist() == [10.0, 11.0]
    assert levels.loc["ATTT", ["complex", "defined"]].tolist() == [7.0, 7.5]
    assert set(levels["family"]) == {"AAAA"}


def test_comparison_units_resume_from_checkpoints(tmp_path, monkeypatch):
    import compare_models
    from dl.datasets import Dataset

    rng = np.random.default_rng(3)
    seqs = ["".join(rng.choice(list("ACGT"), 40)) for _ in range(60)]
    targets = pd.DataFrame({"a": [s.count("GC") for s in seqs]}, dtype=float)
    split = np.array(["train"] * 40 + ["val"] * 10 + ["test"] * 10)
    data = Dataset("tiny", seqs, targets, split, np.arange(60), "by row")
    settings = replace(compare_models.QUICK, groups=("kmer",))

    first = compare_models.Run(data, settings, 0.0, tmp_path).fit_all()
    assert (tmp_path / "tiny" / "kmer.pkl").is_file()

    def refuse(*args, **kwargs):
        raise AssertionError("a saved unit was fitted again")

    monkeypatch.setattr(compare_models.KmerRidge, "fit", refuse)
    resumed = compare_models.Run(data, settings, 0.0, tmp_path).fit_all()
    assert pd.DataFrame(resumed).equals(pd.DataFrame(first))
    # other settings: the saved unit does not count
    with pytest.raises(AssertionError, match="fitted again"):
        compare_models.Run(data, replace(settings, n_motifs=11), 0.0, tmp_path).fit_all()
