"""The ``iqmodel`` command line end to end, on files the tests write themselves."""

import contextlib
import io
import json
import warnings

import numpy as np
import pandas as pd
import pytest

from iqmodel import load_model
from iqmodel.cli import main
from iqmodel.datasets import make_planted_dataset
from iqmodel.exceptions import IQModelWarning
from iqmodel.io import load_motif_db, write_meme

PLANTED = ["CEBPB", "FOXA2", "ETS1"]
DECOYS = ["Gata1", "SOX2", "NRF1"]
N_PROMOTERS = 60
SPACER = 200

# the inputs put N_PROMOTERS peaks on TSSs, so every fit with --tss removes them, and says so
pytestmark = pytest.mark.filterwarnings("default:TSS filter:iqmodel.exceptions.IQModelWarning")


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
def fitted(inputs, tmp_path_factory):
    """The run folder of a fit and what the command wrote to stderr (--quiet: warnings)."""
    out = tmp_path_factory.mktemp("run") / "traj"
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        assert main(_fit_args(inputs, out)) == 0
    return out, stderr.getvalue()


@pytest.fixture(scope="module")
def fitted_run(fitted):
    return fitted[0]


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


def test_fit_announces_the_removed_peaks_on_one_warning_line(fitted):
    _, err = fitted
    lines = err.splitlines()
    assert (
        "iqmodel: warning: TSS filter: 60 of 760 peaks lie within 100 bp of a TSS or on a "
        "chromosome without one and were removed; they are listed in removed_peaks.tsv of the "
        "run (Trajectory.removed)"
    ) in lines
    # --quiet: no progress, and every warning in the command's own format
    assert all(line.startswith("iqmodel: warning: ") for line in lines), err
    assert "IQModelWarning" not in err and ".py:" not in err


def test_load_trajectory_announces_the_peaks_it_leaves_out(inputs):
    from iqmodel.trajectory import load_trajectory

    def load(**options):
        return load_trajectory(
            inputs / "peaks.bed", inputs / "genome.fa", "early", "late", size=300, **options
        )

    counts = inputs / "counts.tsv"
    with warnings.catch_warnings():
        warnings.simplefilter("error", IQModelWarning)  # nothing left out: no warning
        clean = load(counts=counts)
    assert clean.removed.empty and len(clean.dap) == 760
    with pytest.warns(
        IQModelWarning,
        match=r"^TSS filter: 60 of 760 peaks lie within 100 bp of a TSS or on a chromosome "
        r"without one and were removed; they are listed in removed_peaks\.tsv",
    ) as record:
        data = load(counts=counts, tss=inputs / "tss.bed", min_tss_distance=100)
    assert record[0].filename == __file__  # at the load_trajectory call
    assert len(data.removed) == 60 and len(data.dap) == 700
    with pytest.raises(ValueError, match=r"all 760 peaks lie within 1e\+07 bp of a TSS"):
        load(counts=counts, tss=inputs / "tss.bed", min_tss_distance=1e7)
    other = clean.ap.iloc[:2].set_axis(["other1", "other2"])
    with pytest.warns(
        IQModelWarning,
        match=r"^2 of 762 rows of the AP table are not among the 760 peaks and were not used "
        r"\(e\.g\. \['other1', 'other2'\]\)",
    ) as record:
        again = load(ap=pd.concat([clean.ap, other]))
    assert record[0].filename == __file__
    assert again.dap.index.tolist() == clean.dap.index.tolist()
    np.testing.assert_array_equal(again.dap.to_numpy(), clean.dap.to_numpy())


def _warning_command(monkeypatch):
    """``iqmodel motifs list`` with a motif reader that warns twice and lists nothing."""

    def load_motif_db(source):
        warnings.warn("the first line\n  and the second", IQModelWarning, stacklevel=2)
        warnings.warn("a warning of another package", RuntimeWarning, stacklevel=2)
        return []

    monkeypatch.setattr("iqmodel.io.load_motif_db", load_motif_db)
    return ["motifs", "list", "jaspar2024"]


@pytest.mark.parametrize("quiet", [[], ["--quiet"]])
def test_warnings_print_as_one_clean_line(monkeypatch, capsys, quiet):
    args = _warning_command(monkeypatch)
    before = warnings.showwarning
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        assert main([*quiet, *args]) == 0
    assert warnings.showwarning is before  # restored when the command ends
    assert capsys.readouterr().err.splitlines() == [
        "iqmodel: warning: the first line and the second",
        "iqmodel: warning: a warning of another package (RuntimeWarning)",
    ]


def test_debug_keeps_pythons_warning_display(monkeypatch, capsys):
    args = _warning_command(monkeypatch)
    shown = []
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = lambda message, category, *rest: shown.append(category)
        assert main(["--debug", *args]) == 0  # --debug before the command counts too
        assert shown == [IQModelWarning, RuntimeWarning]  # Python's showwarning, not ours
        assert "iqmodel: warning" not in capsys.readouterr().err
        shown.clear()
        assert main(args) == 0
        assert shown == []
    assert capsys.readouterr().err.count("iqmodel: warning: ") == 2


def test_a_warning_made_an_error_is_a_one_line_error(monkeypatch, capsys):
    args = _warning_command(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("error", IQModelWarning)
        assert main(args) == 1
    assert capsys.readouterr().err == "iqmodel: error: the first line\n"


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


# ---------------------------------------------------------------------------- bad parameters


def test_python_spelled_boolean_in_set_is_a_usage_error(inputs, tmp_path, capsys):
    # audit #257: "--set distill=False" used to run with distill on and record "False"
    out = tmp_path / "o"
    err = _error(capsys, _fit_args(inputs, out, "--set", "distill=False"), code=2)
    assert "'False' is not a TOML boolean; write --set distill=false" in err
    assert not out.exists()


def test_string_boolean_in_a_config_file_is_a_usage_error(inputs, tmp_path, capsys):
    # audit #276: filter = "no" used to keep filtering on
    config = tmp_path / "bad.toml"
    config.write_text('filter = "no"\n')
    err = _error(capsys, _fit_args(inputs, tmp_path / "o", "--config", str(config)), code=2)
    assert (
        "The 'filter' parameter of IQModel must be an instance of bool. Got 'no' instead; "
        "write filter = true or filter = false" in err
    )
    assert str(config) in err


def test_invalid_set_value_is_a_usage_error(inputs, tmp_path, capsys):
    err = _error(capsys, _fit_args(inputs, tmp_path / "o", "--set", "n_motifs=0"), code=2)
    assert "--set: The 'n_motifs' parameter of IQModel must be an int in the range [1, inf)" in err


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--seed", "-1", "argument --seed: must be a whole number from 0 to 4294967295, got '-1'"),
        ("--seed", "x", "argument --seed: must be a whole number from 0 to 4294967295, got 'x'"),
        ("--size", "0", "argument --size: must be a positive number of bp, got 0"),
        ("--size", "-100", "argument --size: must be a positive number of bp, got -100"),
        ("--size", "5", "argument --size: peaks of 5 bp are too short to hold a motif; give at"),
        ("--size", "x", "argument --size: must be a whole number of bp, got 'x'"),
    ],
)
def test_bad_seed_and_size_are_usage_errors(inputs, tmp_path, capsys, flag, value, message):
    # audit #265 (--size 0 silently meant 500), #267, #272 (numpy message for --seed -1)
    err = _error(capsys, _fit_args(inputs, tmp_path / "o", flag, value), code=2)
    assert message in err


def test_size_bounds_on_predict_and_normalize(capsys):
    args = ["predict", "--model", "m.json", "--table", "t.tsv", "--out", "p.tsv", "--size", "0"]
    assert "argument --size: must be a positive number" in _error(capsys, args, code=2)
    args = ["normalize", "--peaks", "p.bed", "--counts", "c.tsv", "--out", "a.tsv", "--size", "3"]
    assert "argument --size: peaks of 3 bp are too short" in _error(capsys, args, code=2)


def test_size_with_a_table_is_a_usage_error(fitted_run, tmp_path, capsys):
    args = ["fit", "--table", "mouse-atac", "--start", "c1", "--end", "c3", "--size", "300"]
    err = _error(capsys, [*args, "--out", str(tmp_path / "o")], code=2)
    assert "--size resizes --peaks; the sequences of --table are used as they are" in err
    args = ["predict", "--model", str(fitted_run / "model.json"), "--table", "mouse-atac"]
    err = _error(capsys, [*args, "--size", "300", "--out", str(tmp_path / "p.tsv")], code=2)
    assert "drop --size" in err


# ---------------------------------------------------------------------------- predict lengths


def test_predict_size_must_match_the_training_length(inputs, fitted_run, tmp_path, capsys):
    # audit #286: --size 300 on a model trained on 500 bp was silently accepted
    out = tmp_path / "p.tsv"
    args = ["predict", "--model", str(fitted_run / "model.json"), "--size", "250"]
    args += ["--peaks", str(inputs / "peaks.bed"), "--genome", str(inputs / "genome.fa")]
    err = _error(capsys, [*args, "--out", str(out)], code=2)
    assert "--size 250 differs from the 300 bp the model" in err and "omit --size" in err
    assert not out.exists()
    args[args.index("250")] = "300"  # the training length itself is fine
    assert main([*args, "--quiet", "--out", str(out)]) == 0


def test_predict_table_sequences_must_have_the_training_length(fitted_run, tmp_path, capsys):
    # audit #287: a table of 250-bp sequences was scored by a 300-bp model without a word
    data = pd.read_csv(fitted_run / "data.tsv.gz", sep="\t")[["name", "sequence"]].head(20)
    data.loc[3:, "sequence"] = data.loc[3:, "sequence"].str[:250]
    data.to_csv(tmp_path / "table.tsv", sep="\t", index=False)
    out = tmp_path / "p.tsv"
    args = ["predict", "--model", str(fitted_run / "model.json")]
    err = _error(capsys, [*args, "--table", str(tmp_path / "table.tsv"), "--out", str(out)])
    assert "17 of 20 sequences are not 300 bp, the length the model was trained on" in err
    assert "found 250 bp; e.g. 'peak" in err and "resize the sequences to 300 bp" in err
    assert not out.exists()


# ---------------------------------------------------------------------------- run folders


def _listing(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def _hidden_siblings(folder):
    return [p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}.")]


def test_fit_refuses_a_non_empty_out_folder(inputs, fitted_run, tmp_path, capsys):
    # audit #248: a second fit into the same --out silently replaced the first run
    before = _listing(fitted_run)
    err = _error(capsys, _fit_args(inputs, fitted_run, "--no-figures"), code=2)
    assert f"--out {fitted_run} is a folder that is not empty" in err
    assert "--overwrite" in err
    assert _listing(fitted_run) == before


def test_fit_refuses_an_out_file_before_fitting(inputs, tmp_path, capsys, monkeypatch):
    # audit #245: "[Errno 17] File exists", only after the whole fit
    def no_fit(*args, **kwargs):
        raise AssertionError("the fit must not start")

    monkeypatch.setattr("iqmodel.trajectory.fit_trajectory", no_fit)
    afile = tmp_path / "afile"
    afile.write_text("keep me")
    err = _error(capsys, _fit_args(inputs, afile), code=2)
    assert f"--out {afile} is an existing file, not a folder" in err
    assert afile.read_text() == "keep me"


def test_fit_into_an_empty_folder(inputs, tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    args = _fit_args(inputs, out, "--no-figures", "--set", "n_motifs=2")
    assert main(args) == 0
    assert (out / "model.json").is_file() and not _hidden_siblings(out)


def test_overwrite_replaces_the_whole_folder(inputs, tmp_path):
    # audit #277: with --no-figures the old report stayed next to the new model
    out = tmp_path / "run"
    out.mkdir()
    (out / "report.pdf").write_bytes(b"%PDF old run")
    (out / "notes.txt").write_text("old")
    args = _fit_args(inputs, out, "--no-figures", "--set", "n_motifs=2", "--overwrite")
    assert main(args) == 0
    names = {p.name for p in out.iterdir()}
    assert "model.json" in names and "report.pdf" not in names and "notes.txt" not in names
    assert not _hidden_siblings(out)


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, RuntimeError])
def test_an_interrupted_write_leaves_the_earlier_run(
    inputs, fitted_run, tmp_path, capsys, monkeypatch, interruption
):
    # audit #279: Ctrl-C while the report was drawn left new files next to old figures
    out = tmp_path / "run"
    out.mkdir()
    for path in fitted_run.iterdir():
        (out / path.name).write_bytes(path.read_bytes())
    before = _listing(out)

    def interrupted(*args, **kwargs):
        raise interruption("stopped while drawing")

    monkeypatch.setattr("iqmodel.trajectory.write_figures", interrupted)
    args = _fit_args(inputs, out, "--set", "n_motifs=2", "--overwrite")
    code = 130 if interruption is KeyboardInterrupt else 1
    err = _error(capsys, args, code=code)
    assert ("interrupted" if code == 130 else "stopped while drawing") in err
    assert _listing(out) == before
    assert not _hidden_siblings(out)


def test_write_run_checks_the_folder_itself(tmp_path):
    from iqmodel.trajectory import check_run_folder, write_run

    check_run_folder(tmp_path / "new")
    check_run_folder(tmp_path)  # empty
    (tmp_path / "x").write_text("x")
    with pytest.raises(FileExistsError, match="not empty; choose a new folder, or pass overwrite"):
        check_run_folder(tmp_path)
    check_run_folder(tmp_path, overwrite=True)
    with pytest.raises(NotADirectoryError, match="exists and is not a folder"):
        check_run_folder(tmp_path / "x", overwrite=True)
    with pytest.raises(FileExistsError):  # before anything is written
        write_run(tmp_path, None, None, None, {}, {})
    assert [p.name for p in tmp_path.iterdir()] == ["x"]


def test_write_run_errors_name_the_run_folder(tmp_path, monkeypatch):
    from iqmodel import trajectory

    monkeypatch.setattr(trajectory, "_sibling", lambda out, kind: tmp_path / "gone" / kind)
    with pytest.raises(OSError, match=r"cannot write the run folder .*run: a run is written next"):
        trajectory.write_run(tmp_path / "run", None, None, None, {}, {})
    monkeypatch.chdir(tmp_path)
    for folder in (".", str(tmp_path.parent)):
        with pytest.raises(ValueError, match="is the current folder or holds it"):
            trajectory.check_run_folder(folder, overwrite=True)


def test_fit_refuses_the_current_folder(inputs, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # empty, but replacing it would pull it from under the shell
    err = _error(capsys, _fit_args(inputs, ".", "--overwrite"), code=2)
    assert "--out . is the current folder or holds it" in err


# ---------------------------------------------------------------------------- run records


def _without(args, *flags):
    """``args`` without the given options and their values."""
    kept = list(args)
    for flag in flags:
        i = kept.index(flag)
        del kept[i : i + 2]
    return kept


def test_a_runs_config_reproduces_the_run(inputs, fitted_run, tmp_path, capsys):
    # audit #328: --config run/config.toml failed with "unknown parameter 'run'"
    out = tmp_path / "again"
    args = _without(_fit_args(inputs, out), "--config", "--seed")
    args = [a for a in args if a != "--quiet"]
    assert main([*args, "--config", str(fitted_run / "config.toml"), "--no-figures"]) == 0
    assert "the record of an earlier run" in capsys.readouterr().err
    for name in ("predictions.tsv", "config.toml"):
        assert (out / name).read_text() == (fitted_run / name).read_text(), name


def test_seed_of_a_run_record(inputs, fitted_run, tmp_path, capsys):
    from iqmodel.cli import _resolved_params, _run_seed, build_parser

    base = _without(_fit_args(inputs, tmp_path / "o"), "--seed", "--config")

    def resolved(*extra):
        args = build_parser().parse_args([*base, *extra])
        args.set_keys = [text.partition("=")[0] for text in args.set]
        seed, record = _run_seed(args)
        return seed, _resolved_params(args, seed, run_record=record)["random_state"]

    record = fitted_run / "config.toml"
    other = tmp_path / "other.toml"
    other.write_text(record.read_text().replace("seed = 3", "seed = 11"))  # [run] only
    assert resolved("--config", str(record)) == (3, 3)
    assert resolved("--config", str(other)) == (11, 3)  # [model] random_state stays
    assert resolved("--config", str(record), "--seed", "8") == (8, 8)
    assert resolved("--config", str(record), "--seed", "8", "--set", "random_state=5") == (8, 5)
    plain = inputs / "run.toml"  # not a run record: --seed sets random_state only if unset
    assert resolved("--config", str(plain), "--seed", "8") == (8, 8)
    broken = tmp_path / "broken.toml"
    broken.write_text(record.read_text().replace("seed = 3", "seed = -3"))
    err = _error(capsys, [*base, "--config", str(broken)], code=2)
    assert "[run] seed must be a whole number from 0 to 4294967295, got -3" in err
