from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import StepPatch

from iqmodel import IQModel
from iqmodel.datasets import make_planted_dataset
from iqmodel.interpret import local_contributions
from iqmodel.io import load_motif_db
from iqmodel.plot.iq_plot import iq_plot
from iqmodel.plot.logo import BASE_COLORS

pyBigWig = pytest.importorskip("pyBigWig")

CHROM_LENGTH = 300_000
CENTRE = 150_250
SITE_OFFSETS = (-180, -60, 30, 150)  # from the window centre, one consensus site per motif
REAL_BIGWIG = "encode_atac_test/ENCFF439VSY.subsampled.400.trim.merged.nodup.tn5.fc.signal.bigwig"


@pytest.fixture(scope="module")
def model():
    """A fast planted fit: the four planted JASPAR motifs plus two decoys, fixed penalty."""
    data = make_planted_dataset(n_seqs=500, seq_length=300, random_state=3)
    planted = {m.name for m in data.truth.motifs}
    database = [
        m
        for m in load_motif_db("jaspar2024")
        if m.name in planted or m.alt_name in {"SOX2", "MYOD1"}
    ]
    return IQModel(
        motif_db=database,
        n_motifs=4,
        filter=False,
        distill=False,
        glm_lambda=1e-4,
        random_state=0,
        verbose=0,
    ).fit(data.sequences, data.dap)


def _random_dna(rng, n: int) -> str:
    return "".join(rng.choice(list("ACGT"), size=n, p=[0.29, 0.21, 0.21, 0.29]))


def _plant(seq: str, model, centre: int) -> str:
    letters = list(seq)
    for motif, offset in zip(model.motifs_, SITE_OFFSETS, strict=False):
        consensus = motif.consensus()
        start = centre + offset
        letters[start : start + len(consensus)] = consensus
    return "".join(letters)


@pytest.fixture(scope="module")
def cre(model):
    """A 500-bp sequence with one consensus site of each model motif."""
    rng = np.random.default_rng(7)
    return _plant(_random_dna(rng, 500), model, 250)


def _axes(fig, prefix: str):
    return [ax for ax in fig.axes if ax.get_label().startswith(prefix)]


def _one(fig, label: str):
    found = [ax for ax in fig.axes if ax.get_label() == label]
    assert len(found) == 1, f"expected one {label!r} axes, got {len(found)}"
    return found[0]


def _letters(ax) -> PathCollection:
    found = [c for c in ax.collections if c.get_gid() == "iq-letters"]
    assert len(found) == 1
    return found[0]


def _expected_sizes(energy: pd.DataFrame, lengths) -> np.ndarray:
    """Spec 11.5 step 4, written independently: max 2^E/10, right rolling mean, sqrt."""
    power = (2.0 ** energy.fillna(-np.inf) / 10.0).max(axis=1)
    window = max(lengths)
    rolled = power.rolling(window).mean().bfill().to_numpy()
    size = np.sqrt(rolled) + 0.05
    return size / size.max()


def _signed_extreme(response: pd.Series) -> float:
    values = response.fillna(0.0).to_numpy()
    return float(values[np.argmax(np.abs(values))])


# ----------------------------------------------------------------------------- rows


@pytest.mark.parametrize("threshold", [5.0, 8.0, 9.5])
def test_motif_rows_are_those_passing_the_energy_threshold(model, cre, threshold):
    local = local_contributions(model, cre)
    passing = [name for name in local.energy if local.energy[name].max() >= threshold]
    fig = iq_plot(model, cre, energy_threshold=threshold)
    rows = [ax.get_label().split(":", 1)[1] for ax in _axes(fig, "iq-motif:")]
    assert len(rows) == len(passing)
    assert set(rows) == set(passing)
    # opening motifs on top, then by their strongest (signed) response
    extremes = [_signed_extreme(local.response[name]) for name in rows]
    assert extremes == sorted(extremes, reverse=True)
    assert len(_axes(fig, "iq-logo:")) == len(rows)
    if rows:
        labels = {t.get_text() for ax in _axes(fig, "iq-motif:") for t in ax.texts}
        motif = next(m for m in model.motifs_ if m.name == rows[0])
        assert f"{motif.name} ({motif.alt_name})" in labels
        assert not _axes(fig, "iq-no-motifs")


def test_response_threshold_filters_further(model, cre):
    local = local_contributions(model, cre)
    strength = local.response.abs().max()
    cut = float(np.median(strength))
    expected = {n for n in local.energy if local.energy[n].max() >= 5.0 and strength[n] >= cut}
    fig = iq_plot(model, cre, energy_threshold=5.0, response_threshold=cut)
    assert {ax.get_label().split(":", 1)[1] for ax in _axes(fig, "iq-motif:")} == expected


def test_no_motif_passing_is_said_in_the_figure(model, cre):
    fig = iq_plot(model, cre, energy_threshold=10.5)
    assert not _axes(fig, "iq-motif:")
    note = _one(fig, "iq-no-motifs")
    assert "No motif reaches local energy >= 10.5" in note.texts[0].get_text()
    # the sequence row is still drawn, sized by all model motifs
    assert len(_letters(_one(fig, "iq-sequence")).get_paths()) == 500


def test_user_motif_list_is_respected(model, cre):
    first, second = model.motifs_[2], model.motifs_[0]
    fig = iq_plot(model, cre, motifs=[first.name, second.alt_name], energy_threshold=10.5)
    rows = [ax.get_label() for ax in _axes(fig, "iq-motif:")]
    assert rows == [f"iq-motif:{first.name}", f"iq-motif:{second.name}"]
    # positions on the figure follow the list order: first on top
    tops = [ax.get_position().y1 for ax in _axes(fig, "iq-motif:")]
    assert tops[0] > tops[1]


# ----------------------------------------------------------------------------- letters


def test_letter_heights_and_widths_follow_binding_energy(model, cre):
    local = local_contributions(model, cre)
    rows = [n for n in local.energy if local.energy[n].max() >= 5.0]
    lengths = [next(m for m in model.motifs_ if m.name == n).length for n in rows]
    expected = _expected_sizes(local.energy[rows], lengths)

    fig = iq_plot(model, cre, energy_threshold=5.0)
    for ax in [_one(fig, "iq-sequence"), *_axes(fig, "iq-motif:")]:
        boxes = [path.get_extents() for path in _letters(ax).get_paths()]
        heights = np.array([box.height for box in boxes])
        widths = np.array([box.width for box in boxes])
        lefts = np.array([box.x0 for box in boxes])
        assert len(heights) == len(cre)
        np.testing.assert_allclose(heights / heights.max(), expected, rtol=1e-9)
        np.testing.assert_allclose(widths / widths.max(), expected, rtol=1e-9)
        assert np.all(np.diff(lefts) > 0)  # one line, left to right
    # binding sites are drawn larger than the background
    site = 250 + SITE_OFFSETS[0] + 2
    assert expected[site] > 3 * np.median(expected)


def test_sequence_letters_use_base_colours_and_central_window(model, rng):
    long = _random_dna(rng, 800)
    fig = iq_plot(model, long, width=500, energy_threshold=10.5)
    colours = _letters(_one(fig, "iq-sequence")).get_facecolors()
    by_colour = {tuple(np.round(to_rgba(c), 6)): base for base, c in BASE_COLORS.items()}
    shown = "".join(by_colour[tuple(np.round(c, 6))] for c in colours)
    assert shown == long[150:650]


def test_letter_colours_follow_the_sign_of_contributions(model, cre):
    local = local_contributions(model, cre)
    fig = iq_plot(model, cre, energy_threshold=5.0)
    motif_axes = _axes(fig, "iq-motif:")
    names = [ax.get_label().split(":", 1)[1] for ax in motif_axes]
    limit = np.abs(local.per_base[names].to_numpy()).max()
    seen_red = seen_blue = False
    for ax, name in zip(motif_axes, names, strict=True):
        letters = _letters(ax)
        letters.update_scalarmappable()
        rgba = letters.get_facecolors()
        value = local.per_base[name].to_numpy()
        assert letters.norm.vmin == pytest.approx(-limit)  # one symmetric scale for all rows
        assert letters.norm.vmax == pytest.approx(limit)
        opening = value > 0.05 * limit
        closing = value < -0.05 * limit
        assert np.all(rgba[opening, 0] > rgba[opening, 2])  # red over blue
        assert np.all(rgba[closing, 2] > rgba[closing, 0])
        neutral = value == 0
        np.testing.assert_allclose(rgba[neutral, 0], rgba[neutral, 2], atol=0.02)  # grey
        seen_red |= bool(opening.any())
        seen_blue |= bool(closing.any())
    assert seen_red and seen_blue  # the planted set has opening and closing motifs
    colorbar = _one(fig, "iq-colorbar")
    assert "contribution" in colorbar.get_xlabel()


def test_header_shows_prediction(model, cre):
    centred = cre[100:400]  # the training length (300 bp), centred on the planted sites
    fig = iq_plot(model, centred, energy_threshold=5.0, title="my CRE")
    text = " ".join(t.get_text() for t in fig.texts)
    assert "my CRE" in text
    assert f"predicted dAP {model.predict([centred])[0]:+.3f}" in text
    # another length is drawn, but not predicted: the model is fitted for one length
    text = " ".join(t.get_text() for t in iq_plot(model, cre).texts)
    assert "predicted dAP: n/a (the model was fitted on 300-bp sequences" in text


def test_draws_into_a_given_figure(model, cre):
    fig = Figure()
    assert iq_plot(model, cre, fig=fig) is fig
    assert _axes(fig, "iq-sequence")


def test_public_export_is_the_function():
    import iqmodel.plot

    for _ in range(2):  # the second access must not find the submodule of the same name
        assert callable(iqmodel.plot.iq_plot), (
            "iqmodel.plot.iq_plot is the submodule, not the function: the lazy __getattr__ "
            "in iqmodel/plot/__init__.py loses to the submodule attribute set on import"
        )


# ----------------------------------------------------------------------------- errors


def test_errors(model, cre):
    with pytest.raises(ValueError, match=r"unknown motif\(s\) \['NOPE'\]; the motifs are"):
        iq_plot(model, cre, motifs=["NOPE"])
    with pytest.raises(ValueError, match="is not 'chrom:start-end'"):
        iq_plot(model, cre, region="chr1:100")
    with pytest.raises(ValueError, match="needs a sequence: pass seq="):
        iq_plot(model)
    with pytest.raises(ValueError, match="alone gives no sequence"):
        iq_plot(model, region="chr1:100-600")
    with pytest.raises(ValueError, match="tracks= needs region="):
        iq_plot(model, cre, tracks={"a": "x.bw"})
    with pytest.raises(ValueError, match="non-ACGTN character 'X' at position 3"):
        iq_plot(model, "ACGXT")
    with pytest.raises(ValueError, match="need 0 <= start < end"):
        iq_plot(model, cre, region=("chr1", 500, 100))


# ----------------------------------------------------------------------------- tracks


def _write_bigwig(path, chrom, bins: np.ndarray, bin_size: int = 20) -> None:
    handle = pyBigWig.open(str(path), "w")
    handle.addHeader([(chrom, len(bins) * bin_size)])
    handle.addEntries(chrom, 0, values=bins.tolist(), span=bin_size, step=bin_size)
    handle.close()


@pytest.fixture(scope="module")
def locus(tmp_path_factory, model):
    """300 kb chr1 genome with the CRE at its centre, two ATAC tracks, conservation, TSS."""
    folder = tmp_path_factory.mktemp("locus")
    rng = np.random.default_rng(11)
    genome = _plant(_random_dna(rng, CHROM_LENGTH), model, CENTRE)
    fasta = folder / "genome.fa"
    fasta.write_text(
        ">chr1\n" + "\n".join(genome[i : i + 60] for i in range(0, CHROM_LENGTH, 60)) + "\n"
    )
    n_bins = CHROM_LENGTH // 20
    start_bins = np.full(n_bins, 1.0)
    start_bins[(CENTRE - 100) // 20 : (CENTRE + 100) // 20] = 10.0  # a peak in the window
    end_bins = np.full(n_bins, 2.0)
    end_bins[(CENTRE - 300) // 20 : (CENTRE + 300) // 20] = 0.5  # closed in the window
    _write_bigwig(folder / "start.bw", "chr1", start_bins)
    _write_bigwig(folder / "end.bw", "chr1", end_bins)
    _write_bigwig(folder / "phylop.bw", "chr1", rng.normal(0, 2, CHROM_LENGTH), bin_size=1)
    tss = folder / "tss.bed"
    tss.write_text(
        "chr1\t120000\t120001\tGeneA\t0\t+\n"
        "chr1\t180000\t180001\tGeneB\t0\t-\n"
        "chr1\t400\t401\tFarAway\t0\t+\n"
        "chr2\t150000\t150001\tOtherChrom\t0\t+\n"
    )
    return {
        "fasta": fasta,
        "genome": genome,
        "tracks": {"start": folder / "start.bw", "end": folder / "end.bw"},
        "bins": {"start": start_bins, "end": end_bins},
        "conservation": folder / "phylop.bw",
        "tss": tss,
    }


def _track_patches(ax, state: str) -> StepPatch:
    found = [p for p in ax.patches if isinstance(p, StepPatch) and p.get_label() == state]
    assert len(found) == 1
    return found[0]


def test_track_panels_from_a_genome_region(model, locus):
    region = f"chr1:{CENTRE - 250}-{CENTRE + 250}"
    fig = iq_plot(
        model,
        genome=locus["fasta"],
        region=region,
        tracks=locus["tracks"],
        tss=locus["tss"],
        conservation=locus["conservation"],
        energy_threshold=5.0,
    )
    # the letters are the genome's bases at the window
    colours = _letters(_one(fig, "iq-sequence")).get_facecolors()
    by_colour = {tuple(np.round(to_rgba(c), 6)): base for base, c in BASE_COLORS.items()}
    shown = "".join(by_colour[tuple(np.round(c, 6))] for c in colours)
    assert shown == locus["genome"][CENTRE - 250 : CENTRE + 250]

    zoom, ext = _one(fig, "iq-atac-zoom"), _one(fig, "iq-atac-ext")
    assert zoom.get_xlim() == (CENTRE - 250, CENTRE + 250)
    ext_start = (CENTRE - 100_000) // 20 * 20
    assert ext.get_xlim() == (ext_start, ext_start + 200_000)

    window = slice(ext_start // 20, (ext_start + 200_000) // 20)
    for state, bins in locus["bins"].items():
        ext_values = bins[window]
        q = np.quantile(ext_values[ext_values > 0], 0.995)
        in_zoom = bins[(CENTRE - 250) // 20 : -(-(CENTRE + 250) // 20)]
        zoom_max = _track_patches(zoom, state).get_data().values.max()
        assert zoom_max == pytest.approx(min(1.0, in_zoom.max() / q))
        ext_data = _track_patches(ext, state).get_data()
        assert ext_data.values.max() == pytest.approx(min(1.0, ext_values.max() / q))
        assert ext_data.values.max() <= 1.0
    # the start track peaks above its quantile (capped), the end track is low in the window
    assert _track_patches(zoom, "start").get_data().values.max() == 1.0
    assert _track_patches(zoom, "end").get_data().values.max() == pytest.approx(0.25)

    labels = {t.get_text() for t in ext.texts}
    assert {"GeneA\u2192", "\u2190GeneB"} <= labels
    assert not any("FarAway" in t or "OtherChrom" in t for t in labels)
    assert _one(fig, "iq-conservation").patches
    header = " ".join(t.get_text() for t in fig.texts)
    assert f"chr1:{CENTRE - 250:,}-{CENTRE + 250:,}" in header


def test_track_quantiles_override(model, locus, cre):
    fig = iq_plot(
        model,
        cre,
        region=("chr1", CENTRE - 250, CENTRE + 250),
        tracks=locus["tracks"],
        track_quantiles={"start": 40.0},
    )
    zoom = _one(fig, "iq-atac-zoom")
    assert _track_patches(zoom, "start").get_data().values.max() == pytest.approx(0.25)


def test_track_errors(model, locus, cre):
    with pytest.raises(ValueError, match="has no chromosome 'chr7'"):
        iq_plot(model, cre, region="chr7:1000-1500", tracks=locus["tracks"])
    with pytest.raises(ValueError, match="runs outside the tracks' chromosome"):
        iq_plot(model, cre, region="chr1:299900-300100", tracks=locus["tracks"])
    with pytest.raises(FileNotFoundError, match="no such file"):
        iq_plot(model, cre, region="chr1:1000-1500", tracks={"x": locus["fasta"].parent / "no.bw"})


def test_real_bigwig_with_a_given_sequence(model, cre, shared_data):
    path = shared_data / REAL_BIGWIG
    if not path.is_file():
        pytest.skip(f"{path} is not present")
    start, end = 9_836_885, 9_837_142  # a chr19 (mm10) ATAC peak of this file
    centre = (start + end) // 2
    fig = iq_plot(model, cre, region=f"chr19:{start:,}-{end:,}", tracks={"ATAC": path})
    zoom, ext = _one(fig, "iq-atac-zoom"), _one(fig, "iq-atac-ext")
    assert zoom.get_xlim() == (centre - 250, centre + 250)
    ext_start = (centre - 100_000) // 20 * 20
    assert ext.get_xlim() == (ext_start, ext_start + 200_000)

    handle = pyBigWig.open(str(path))
    means = handle.stats("chr19", ext_start, ext_start + 200_000, nBins=10_000, exact=True)
    handle.close()
    bins = np.array([0.0 if v is None else v for v in means])
    q = np.quantile(bins[bins > 0], 0.995)
    first, last = (centre - 250 - ext_start) // 20, -(-(centre + 250 - ext_start) // 20)
    expected = min(1.0, bins[first:last].max() / q)
    assert _track_patches(zoom, "ATAC").get_data().values.max() == pytest.approx(expected)
    assert 0 < expected
