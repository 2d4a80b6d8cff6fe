from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp

from iqmodel import IQModel
from iqmodel.features import RESPONSE_FUNCTIONS
from iqmodel.interpret import partial_responses, response_curve
from iqmodel.io import load_motif_db
from iqmodel.motifs import Motif
from iqmodel.plot.report import SpatialFrequency, report, spatial_frequency

N_TRAIN = 500


@pytest.fixture(scope="module")
def planted(planted_pair):
    return planted_pair


@pytest.fixture(scope="module")
def train(planted):
    return planted.sequences[:N_TRAIN], planted.dap[:N_TRAIN]


@pytest.fixture(scope="module")
def database(planted_database):
    return planted_database


@pytest.fixture(scope="module")
def model(train, database):
    seqs, dap = train
    return IQModel(motif_db=database, n_motifs=4, glm_lambda=1e-4, random_state=0, verbose=0).fit(
        seqs, dap
    )


@pytest.fixture(scope="module")
def page(model, train, planted):
    seqs, dap = train
    figures = report(
        model,
        seqs,
        dap,
        test_seqs=planted.sequences[N_TRAIN:],
        test_dap=planted.dap[N_TRAIN:],
    )
    assert isinstance(figures, list) and len(figures) == 1
    return figures[0]


def _rows(figure, n_columns=6):
    axes = figure.axes
    assert len(axes) % n_columns == 0
    return [axes[i : i + n_columns] for i in range(0, len(axes), n_columns)]


def _line(ax, gid):
    lines = [line for line in ax.lines if line.get_gid() == gid]
    assert len(lines) == 1, gid
    return lines[0]


def _scores(y, prediction):
    r2 = 1 - np.sum((y - prediction) ** 2) / np.sum((y - y.mean()) ** 2)
    return r2, np.corrcoef(y, prediction)[0, 1] ** 2


# ---------------------------------------------------------------------------- report content


def test_one_row_of_six_panels_per_motif_in_added_r2_order(model, page):
    rows = _rows(page)
    assert len(page.axes) == 6 * len(model.motifs_)
    added = model.filter_report_.set_index("motif")["added_r2"]
    expected = sorted((m for m in model.motifs_), key=lambda m: -added[m.name])
    for row, motif in zip(rows, expected, strict=True):
        assert row[0].get_title() == f"{motif.name} ({motif.alt_name})"
        assert row[3].get_title() == f"spatial profile, ΔR² = {added[motif.name]:.3f}"
    assert page.get_size_inches()[0] == 24
    assert 1.8 <= (page.get_size_inches()[1] - 0.6) / len(rows) <= 2.2


def test_header_gives_train_and_test_scores(model, train, planted, page):
    seqs, dap = train
    header = page._suptitle.get_text()
    for y, x in ((dap, seqs), (planted.dap[N_TRAIN:], planted.sequences[N_TRAIN:])):
        r2, pearson2 = _scores(y, model.predict(x))
        assert f"R² = {r2:.3f}, r² = {pearson2:.3f} (n = {len(y)})" in header
    assert header.index("train") < header.index("test")
    assert f"{len(model.motifs_)} motifs" in header


def test_response_panel_matches_partial_responses_and_curve(model, train, page):
    seqs, _ = train
    energies = model.transform(seqs)
    partial = partial_responses(model, seqs)
    for row in _rows(page):
        name = row[0].get_title().split(" ")[0]
        line = _line(row[1], "response_curve")
        curve = response_curve(model, name)
        np.testing.assert_allclose(line.get_xdata(), curve.index.to_numpy())
        np.testing.assert_allclose(line.get_ydata(), curve.to_numpy())
        points = row[1].collections[0].get_offsets()
        np.testing.assert_allclose(points[:, 0], energies[name])
        np.testing.assert_allclose(points[:, 1], partial[name])
        # the peaks lie on the curve
        np.testing.assert_allclose(
            points[:, 1], response_curve(model, name, energies[name]).to_numpy(), atol=1e-9
        )


def test_coefficient_bars_equal_model_coefficients(model, page):
    coef = model.coef_
    for row in _rows(page):
        name = row[0].get_title().split(" ")[0]
        mine = coef[(coef["variable"] == name) & (coef["kind"] == "motif")]
        expected = mine.set_index("response").loc[list(RESPONSE_FUNCTIONS), "coefficient"]
        heights = [patch.get_height() for patch in row[2].patches]
        np.testing.assert_allclose(heights, expected.to_numpy())
        labels = [t.get_text() for t in row[2].get_xticklabels()]
        assert labels == ["low", "sigmoid", "high", "higher"]


def test_spatial_profile_panel_equals_motif_spatial(model, train, page):
    length = len(train[0][0])
    by_name = {m.name: m for m in model.motifs_}
    for row in _rows(page):
        motif = by_name[row[0].get_title().split(" ")[0]]
        line = _line(row[3], "spatial_profile")
        np.testing.assert_array_equal(line.get_ydata(), motif.spatial)
        starts = motif.frame_start(length) + motif.bin_size * np.arange(motif.n_bins)
        np.testing.assert_allclose(line.get_xdata(), starts - length / 2)


def test_frequency_panel_is_the_smoothed_spatial_frequency(model, train, page):
    seqs, dap = train
    expected = spatial_frequency(model, seqs, dap)
    for row in _rows(page):
        name = row[0].get_title().split(" ")[0]
        table = expected.frequency[expected.frequency["motif"] == name]
        hits = expected.hits.set_index("motif").loc[name]
        for group in ("top", "bottom"):
            line = _line(row[4], f"frequency_{group}")
            smooth = table[group].rolling(10, center=True, min_periods=1).mean()
            np.testing.assert_allclose(line.get_ydata(), smooth.to_numpy())
            np.testing.assert_allclose(line.get_xdata(), table["offset"].to_numpy())
            assert f"{hits[f'{group}_hits']} hits" in line.get_label()
        assert hits["n_top"] == hits["n_bottom"] == 50


def test_boxplot_groups_and_ks_title(model, train, page):
    seqs, dap = train
    energies = model.transform(seqs)
    edges = [0, 3, 6, 7, 8, 9, 10]
    for row in _rows(page):
        name = row[0].get_title().split(" ")[0]
        groups = pd.cut(energies[name], edges, include_lowest=True)
        counts = groups.value_counts(sort=False).to_numpy()
        labels = [t.get_text() for t in row[5].get_xticklabels()]
        assert [int(label.split("\n")[1]) for label in labels] == counts.tolist()
        assert labels[0].startswith("0–3") and labels[-1].startswith("9–10")
        codes = groups.cat.codes.to_numpy()
        low, high = dap[codes == 0], dap[codes == 5]
        title = row[5].get_title()
        if len(low) >= 3 and len(high) >= 3:
            test = ks_2samp(low, high)
            assert f"D = {test.statistic:.2f}, p = {test.pvalue:.2g}" in title
        else:
            assert "n<3" in title
        # one box per non-empty bin
        assert len(row[5].patches) == int((counts > 0).sum())


def test_ks_needs_three_peaks_per_group(model, train):
    seqs, dap = train
    energies = model.transform(seqs)
    name = model.motifs_[0].name
    few = np.flatnonzero(energies[name] > 9)[:2]
    rest = np.flatnonzero(energies[name] <= 3)[:40]
    keep = np.r_[few, rest]
    (figure,) = report(model, [seqs[i] for i in keep], dap[keep], motifs=[name])
    assert "n<3" in figure.axes[5].get_title()


def test_motif_selection_max_motifs_and_fallback_order(model, train, database):
    seqs, dap = train
    names = [m.name for m in model.motifs_]
    (figure,) = report(model, seqs, dap, motifs=names[::-1], max_motifs=2)
    assert len(figure.axes) == 12
    assert [row[0].get_title().split(" ")[0] for row in _rows(figure)] == names[::-1][:2]
    plain = IQModel(
        motif_db=database, n_motifs=3, glm_lambda=1e-4, filter=False, random_state=0, verbose=0
    ).fit(seqs[:300], dap[:300])
    (figure,) = report(plain, seqs[:300], dap[:300])
    coef = plain.coef_[plain.coef_["kind"] == "motif"]
    largest = coef.groupby("variable")["coefficient"].apply(lambda c: c.abs().max())
    order = [row[0].get_title().split(" ")[0] for row in _rows(figure)]
    assert order == largest.sort_values(ascending=False).index.tolist()
    assert all(row[3].get_title() == "spatial profile" for row in _rows(figure))


# ---------------------------------------------------------------------------- files


def test_pdf_has_one_page_per_rows_per_page(model, train, tmp_path):
    seqs, dap = train
    path = tmp_path / "report.pdf"
    figures = report(model, seqs[:120], dap[:120], path=path, max_motifs=3, rows_per_page=2)
    assert len(figures) == 2
    assert [len(f.axes) for f in figures] == [12, 6]
    assert "page 1/2" in figures[0]._suptitle.get_text()
    content = path.read_bytes()
    assert content.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", content)) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]  # no temp files left


def test_png_pages_are_numbered(model, train, tmp_path):
    seqs, dap = train
    path = tmp_path / "r.png"
    figures = report(model, seqs[:120], dap[:120], path=path, max_motifs=2, rows_per_page=1)
    assert len(figures) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.png", "r_page2.png"]
    for name in ("r.png", "r_page2.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_on_a_given_figure(model, train):
    seqs, dap = train
    fig = plt.figure()
    (drawn,) = report(model, seqs[:100], dap[:100], fig=fig, max_motifs=2)
    assert drawn is fig
    assert len(fig.axes) == 12
    with pytest.raises(ValueError, match="fig= holds one page"):
        report(model, seqs[:100], dap[:100], fig=plt.figure(), rows_per_page=1)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"dap": np.zeros(3)}, ValueError, "dap has 3 values but there are 100 sequences"),
        ({"dap": np.r_[np.nan, np.zeros(99)]}, ValueError, "non-finite value .* index 0"),
        ({"path": "report.svg"}, ValueError, r"path must end with \.pdf or \.png"),
        ({"path": "/no/such/folder/r.pdf"}, ValueError, "folder of path does not exist"),
        ({"test_seqs": ["ACGT"]}, ValueError, "pass test_seqs and test_dap together"),
        ({"motifs": ["nope"]}, ValueError, r"unknown motif\(s\) \['nope'\]"),
        ({"max_motifs": 0}, ValueError, "max_motifs must be a positive integer"),
        ({"model": object()}, TypeError, "fitted IQModel"),
    ],
)
def test_report_bad_input(model, train, kwargs, error, match):
    seqs, dap = train
    arguments = {"model": model, "seqs": seqs[:100], "dap": dap[:100], **kwargs}
    with pytest.raises(error, match=match):
        report(arguments.pop("model"), arguments.pop("seqs"), arguments.pop("dap"), **arguments)


# ---------------------------------------------------------------------------- spatial frequency


def _slow_local_energies(seq: str, motif: Motif) -> np.ndarray:
    """ln(P(window) + P(reverse complement of window)), window by window."""
    log_probs = motif.log_probs(0.01)
    index = {base: i for i, base in enumerate("ACGT")}
    complement = {"A": "T", "C": "G", "G": "C", "T": "A"}
    out = np.full(len(seq), np.nan)
    for start in range(len(seq) - motif.length + 1):
        window = seq[start : start + motif.length]
        reverse = "".join(complement[b] for b in reversed(window))
        forward = sum(log_probs[k, index[b]] for k, b in enumerate(window))
        backward = sum(log_probs[k, index[b]] for k, b in enumerate(reverse))
        out[start] = np.logaddexp(forward, backward)
    return out


def _slow_frequency(seqs, motif, rows, threshold):
    energies = np.array([_slow_local_energies(seqs[i], motif) for i in rows])
    best = np.nanmax(energies) / np.log(2)
    frequency = []
    for position in range(energies.shape[1]):
        column = energies[:, position]
        if np.isnan(column).all():
            frequency.append(np.nan)
            continue
        normalised = [min(max(e / np.log(2) - best, -10.0), 0.0) + 10.0 for e in column]
        frequency.append(np.mean([value >= threshold for value in normalised]))
    return np.array(frequency)


def test_spatial_frequency_matches_a_slow_reference(rng):
    motifs = [m for m in load_motif_db("jaspar2024") if m.alt_name in {"CEBPB", "ETS1"}]
    consensus = "ATTGCGCAAT"
    seqs = [
        "".join(rng.choice(list("ACGT"), 40)),
        "".join(rng.choice(list("ACGT"), 15)) + consensus + "".join(rng.choice(list("ACGT"), 15)),
        "".join(rng.choice(list("ACGT"), 40)),
    ]
    dap = np.array([0.1, 0.9, -0.5])
    for threshold in (7.0, 9.0):
        result = spatial_frequency(motifs, seqs, dap, threshold=threshold, top_q=0.5, bottom_q=0.5)
        assert isinstance(result, SpatialFrequency) and result.seq_length == 40
        for motif in motifs:
            table = result.frequency[result.frequency["motif"] == motif.name]
            assert table["position"].tolist() == list(range(40))
            np.testing.assert_array_equal(table["offset"], np.arange(40) - 20)
            top = _slow_frequency(seqs, motif, [1, 0], threshold)
            bottom = _slow_frequency(seqs, motif, [2, 0], threshold)
            np.testing.assert_allclose(table["top"], top, equal_nan=True)
            np.testing.assert_allclose(table["bottom"], bottom, equal_nan=True)
            assert np.isnan(table["top"].iloc[40 - motif.length + 1 :]).all()
            hits = result.hits.set_index("motif").loc[motif.name]
            assert hits["n_top"] == hits["n_bottom"] == 2
            assert hits["top_hits"] == round(np.nansum(top) * 2)
    cebpb = result.frequency[result.frequency["motif"] == motifs[0].name]
    assert cebpb["top"].max() > 0  # the planted consensus is found


def test_spatial_frequency_bad_input():
    motif = load_motif_db("jaspar2024")[0]
    seqs = ["ACGTACGTACGTACGTACGT"] * 4
    with pytest.raises(ValueError, match="dap has 3 values but there are 4"):
        spatial_frequency(motif, seqs, np.zeros(3))
    with pytest.raises(ValueError, match=r"top_q must be a fraction in \(0, 1\)"):
        spatial_frequency(motif, seqs, np.arange(4.0), top_q=1.5)
    with pytest.raises(ValueError, match=r"threshold must be a number in \[0, 10\]"):
        spatial_frequency(motif, seqs, np.arange(4.0), threshold=11)
    with pytest.raises(ValueError, match="sequences have different lengths"):
        spatial_frequency(motif, [*seqs[:3], "ACGT"], np.arange(4.0))
    with pytest.raises(ValueError, match="non-empty list of Motif"):
        spatial_frequency([], seqs, np.arange(4.0))
