"""The ``iqmodel`` command line end to end, on files the tests write themselves."""

import json

import numpy as np
import pandas as pd
import pytest

from iqmodel import load_model
from iqmodel.cli import main
from iqmodel.datasets import make_planted_dataset
from iqmodel.io import load_motif_db, write_meme

PLANTED = ["CEBPB", "FOXA2", "ETS1"]
DECOYS = ["Gata1", "SOX2", "NRF1"]
N_PROMOTERS = 60
SPACER = 200


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """Genome FASTA with planted peaks, BED peaks, counts per state, TSS BED, motif file."""
    root = tmp_path_factory.mktemp("cli")
    data = make_planted_dataset(n_seqs=700, seq_length=300, motifs=PLANTED, random_state=5)
    rng = np.random.default_rng(0)
    promoters = ["".join(rng.choice(list("ACGT"), 300)) for _ in range(N_PROMOTERS)]
    sequences = data.sequences + promoters
    chroms, starts, pieces = [], [], {"chr1": [], "chr2": []}
    for i, seq in enumerate(sequences):
        chrom = "chr1" if i % 2 == 0 else "chr2"
        offset = sum(len(p) for p in pieces[chrom])
        spacer = "".join(rng.choice(list("acgt"), SPACER))  # soft-masked flanks
        pieces[chrom] += [spacer, seq]
        chroms.append(chrom)
        starts.append(offset + SPACER)
    genome = root / "genome.fa"
    with open(genome, "w") as out:
        for chrom, parts in pieces.items():
            text = "".join(parts) + "n" * 1000
            out.write(f">{chrom}\n")
            out.writelines(text[i : i + 60] + "\n" for i in range(0, len(text), 60))
    names = [f"peak{i}" for i in range(len(sequences))]
    peaks = pd.DataFrame({"chrom": chroms, "start": starts, "name": names})
    peaks["end"] = peaks["start"] + 300
    peaks[["chrom", "start", "end", "name"]].to_csv(
        root / "peaks.bed", sep="\t", header=False, index=False
    )
    # trajectory: peaks close or open along the planted dAP; the promoters are open everywhere
    # (the constitutive peaks) and sit on TSSs
    level = (data.dap - data.dap.min()) / np.ptp(data.dap)
    start_counts = np.r_[np.round(20 + 200 * (1 - level)), np.full(N_PROMOTERS, 400)]
    end_counts = np.r_[np.round(20 + 200 * level), np.full(N_PROMOTERS, 400)]
    counts = pd.DataFrame({"name": names, "early": start_counts, "late": end_counts})
    counts.to_csv(root / "counts.tsv", sep="\t", index=False)
    tss = peaks.iloc[len(data.dap) :].copy()
    tss["end"] = tss["start"] + 151
    tss["start"] += 150
    tss["score"], tss["strand"] = 0, "+"
    tss[["chrom", "start", "end", "name", "score", "strand"]].to_csv(
        root / "tss.bed", sep="\t", header=False, index=False
    )
    database = [m for m in load_motif_db("jaspar2024") if m.alt_name in PLANTED + DECOYS]
    write_meme(database, root / "motifs.meme")
    (root / "run.toml").write_text(
        f'motif_db = "{root / "motifs.meme"}"\nn_motifs = 6\nfilter = false\n'
    )
    return root


def _fit_args(root, out, *extra):
    return [
        "fit",
        "--quiet",
        "--peaks", str(root / "peaks.bed"),
        "--genome", str(root / "genome.fa"),
        "--counts", str(root / "counts.tsv"),
        "--start", "early",
        "--end", "late",
        "--size", "300",
        "--tss", str(root / "tss.bed"),
        "--min-tss-distance", "100",
        "--config", str(root / "run.toml"),
        "--seed", "3",
        "--out", str(out),
        *extra,
    ]  # fmt: skip


@pytest.fixture(scope="module")
def fitted_run(inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "traj"
    assert main(_fit_args(inputs, out)) == 0
    return out


def test_fit_writes_every_output(fitted_run):
    names = {p.name for p in fitted_run.iterdir()}
    expected = {
        "model.json",
        "metrics.json",
        "predictions.tsv",
        "config.toml",
        "data.tsv.gz",
        "removed_peaks.tsv",
        "ap.tsv",
        "report.pdf",
        "prediction_scatter.png",
    }
    assert expected <= names
    assert not [n for n in names if n.endswith(".tmp")]
    config = (fitted_run / "config.toml").read_text()
    assert "seed = 3" in config and "n_motifs = 6" in config and "iqmodel_version" in config


def test_fit_reaches_the_planted_accuracy_and_removes_tss_peaks(fitted_run):
    metrics = json.loads((fitted_run / "metrics.json").read_text())
    assert metrics["test"]["n"] == round(0.2 * 700)
    assert metrics["test"]["r2"] > 0.6, metrics
    removed = pd.read_csv(fitted_run / "removed_peaks.tsv", sep="\t")
    assert len(removed) == N_PROMOTERS
    assert removed["reason"].str.contains("TSS").all()
    assert metrics["n_removed"] == N_PROMOTERS


def test_predict_reproduces_the_saved_predictions(inputs, fitted_run, tmp_path):
    out = tmp_path / "predictions.tsv"
    args = ["predict", "--quiet", "--model", str(fitted_run / "model.json")]
    args += ["--peaks", str(inputs / "peaks.bed"), "--genome", str(inputs / "genome.fa")]
    assert main([*args, "--out", str(out)]) == 0
    predicted = pd.read_csv(out, sep="\t").set_index("name")["predicted"]
    saved = pd.read_csv(fitted_run / "predictions.tsv", sep="\t").set_index("name")
    np.testing.assert_allclose(predicted.loc[saved.index], saved["predicted"], rtol=0, atol=1e-12)
    assert load_model(fitted_run / "model.json").seq_length_ == 300


def test_report_regenerates_from_the_run(fitted_run, tmp_path):
    out = tmp_path / "again.pdf"
    assert main(["report", "--quiet", str(fitted_run), "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF")


def test_fit_from_a_table_with_a_chromosome_split(inputs, fitted_run, tmp_path):
    data = pd.read_csv(fitted_run / "data.tsv.gz", sep="\t")
    del data["split"]
    data["late"] = data.pop("dap")
    data["early"] = 1 - data["late"]
    data.to_csv(tmp_path / "table.tsv", sep="\t", index=False)
    out = tmp_path / "run"
    args = ["fit", "--quiet", "--table", str(tmp_path / "table.tsv"), "--start", "early"]
    args += ["--end", "late", "--test-chroms", "chr2", "--no-figures", "--out", str(out)]
    assert main([*args, "--config", str(inputs / "run.toml"), "--set", "n_motifs=4"]) == 0
    predictions = pd.read_csv(out / "predictions.tsv", sep="\t").set_index("name")
    test = predictions.index[predictions["split"] == "test"]
    assert set(data.set_index("name").loc[test, "chrom"]) == {"chr2"}


def _error(capsys, args, code=1):
    assert main(args) == code
    return capsys.readouterr().err


def test_missing_chromosome(inputs, tmp_path, capsys):
    bed = tmp_path / "peaks.bed"
    bed.write_text("chr1\t1000\t1300\ta\nchr3\t100\t400\tb\n")
    err = _error(capsys, _fit_args(inputs, tmp_path / "o", "--peaks", str(bed)))
    assert "chr3" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_interval_out_of_bounds(inputs, tmp_path, capsys):
    bed = tmp_path / "peaks.bed"
    bed.write_text("chr1\t1000\t1300\ta\nchr1\t900000000\t900000300\tb\n")
    err = _error(capsys, _fit_args(inputs, tmp_path / "o", "--peaks", str(bed)))
    assert "900000000" in err or "past" in err or "outside" in err


def test_mismatched_peak_names(inputs, tmp_path, capsys):
    counts = pd.read_csv(inputs / "counts.tsv", sep="\t")
    counts.loc[0, "name"] = "not_a_peak"
    counts.to_csv(tmp_path / "counts.tsv", sep="\t", index=False)
    err = _error(
        capsys, _fit_args(inputs, tmp_path / "o", "--counts", str(tmp_path / "counts.tsv"))
    )
    assert "not_a_peak" in err and "peak0" in err


def test_negative_counts(inputs, tmp_path, capsys):
    counts = pd.read_csv(inputs / "counts.tsv", sep="\t")
    counts.loc[4, "late"] = -3
    counts.to_csv(tmp_path / "counts.tsv", sep="\t", index=False)
    err = _error(
        capsys, _fit_args(inputs, tmp_path / "o", "--counts", str(tmp_path / "counts.tsv"))
    )
    assert "negative" in err and "peak4" in err


def test_empty_peak_set(inputs, tmp_path, capsys):
    bed = tmp_path / "peaks.bed"
    bed.write_text("")
    err = _error(capsys, _fit_args(inputs, tmp_path / "o", "--peaks", str(bed)))
    assert "empty" in err or "no peaks" in err


def test_unknown_config_key_is_a_usage_error(inputs, tmp_path, capsys):
    err = _error(capsys, _fit_args(inputs, tmp_path / "o", "--set", "n_motif=3"), code=2)
    assert "unknown parameter 'n_motif'" in err and "did you mean 'n_motifs'" in err


def test_two_sources_of_accessibility_are_a_usage_error(inputs, tmp_path, capsys):
    err = _error(capsys, _fit_args(inputs, tmp_path / "o", "--ap", "ap.tsv"), code=2)
    assert "--ap already holds the accessibility; drop --counts" in err
    args = _fit_args(inputs, tmp_path / "o")
    del args[args.index("--counts") : args.index("--counts") + 2]
    assert "give the ATAC signal" in _error(capsys, args, code=2)


def test_usage_errors_exit_2(capsys):
    assert main(["fit", "--start", "a"]) == 2
    assert main([]) == 2
    assert main(["fit", "--start", "a", "--end", "b", "--out", "x"]) == 2
    assert "--table" in capsys.readouterr().err


def test_debug_shows_the_traceback(inputs, tmp_path):
    bed = tmp_path / "peaks.bed"
    bed.write_text("chr3\t100\t400\tb\n")
    with pytest.raises(ValueError, match="chr3"):
        main([*_fit_args(inputs, tmp_path / "o", "--peaks", str(bed)), "--debug"])


def test_motifs_list_and_convert(tmp_path, capsys):
    assert main(["motifs", "list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 879 and lines[0].split("\t")[0].startswith("MA")
    out = tmp_path / "db.jaspar"
    assert main(["motifs", "convert", "jaspar2024", str(out), "--quiet"]) == 0
    assert len(load_motif_db(out)) == 879


def test_iq_plot_and_motif_match_of_a_fitted_run(inputs, fitted_run, tmp_path, capsys):
    peaks = pd.read_csv(inputs / "peaks.bed", sep="\t", header=None)
    chrom, start, end = peaks.iloc[0, :3]
    out = tmp_path / "locus.png"
    args = ["iq-plot", "--quiet", "--model", str(fitted_run / "model.json")]
    args += ["--genome", str(inputs / "genome.fa"), "--region", f"{chrom}:{start}-{end}"]
    assert main([*args, "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"\x89PNG")
    assert main([*args[:4], "--out", str(out)]) == 2  # neither --genome/--region nor --sequence
    capsys.readouterr()
    assert main(["motifs", "match", str(fitted_run / "model.json")]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split("\t")[:4] == ["motif", "match", "match_alt_name", "similarity"]
    assert len(table) == 1 + len(load_model(fitted_run / "model.json").motifs_)
