"""AnnData (.h5ad) input: pseudobulk counts per cell group, and `iqmodel ... --h5ad`."""

import contextlib
import io
import json
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from iqmodel.cli import main
from iqmodel.datasets import make_planted_dataset
from iqmodel.exceptions import IQModelWarning
from iqmodel.io import h5ad_peaks, load_motif_db, parse_peak_names, read_h5ad_pseudobulk, write_meme

anndata = pytest.importorskip("anndata")
pytestmark = pytest.mark.filterwarnings("ignore:.*future.infer_string")  # anndata 0.12, pandas 3

PLANTED = ["CEBPB", "FOXA2", "ETS1"]
STATES = ["early", "mid", "late"]
CELLS_PER_STATE = 12
SPACER = 150
LENGTH = 250


def _write(adata, path):
    """Write an .h5ad; pandas 3 string indexes need anndata's opt-in to nullable strings."""
    settings = anndata.settings
    with (
        settings.override(allow_write_nullable_strings=True)
        if hasattr(settings, "allow_write_nullable_strings")
        else contextlib.nullcontext()
    ):
        adata.write_h5ad(path)
    return path


def _split_cells(totals, n_cells, rng):
    """Cells x peaks integer counts whose column sums are ``totals`` (one state)."""
    cells = np.zeros((n_cells, len(totals)))
    for j, total in enumerate(totals.astype(np.int64)):
        cells[:, j] = rng.multinomial(total, np.full(n_cells, 1 / n_cells))
    return cells


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """Genome, BED peaks, a counts table and the same counts as cells x peaks AnnData."""
    root = tmp_path_factory.mktemp("h5ad")
    data = make_planted_dataset(n_seqs=300, seq_length=LENGTH, motifs=PLANTED, random_state=2)
    rng = np.random.default_rng(1)
    chroms, starts, pieces = [], [], {"chr1": [], "chr2": []}
    for i, seq in enumerate(data.sequences):
        chrom = "chr1" if i % 2 == 0 else "chr2"
        offset = sum(len(p) for p in pieces[chrom])
        pieces[chrom] += ["".join(rng.choice(list("acgt"), SPACER)), seq]
        chroms.append(chrom)
        starts.append(offset + SPACER)
    with open(root / "genome.fa", "w") as out:
        for chrom, parts in pieces.items():
            text = "".join(parts) + "n" * 500
            out.write(f">{chrom}\n")
            out.writelines(text[i : i + 60] + "\n" for i in range(0, len(text), 60))
    names = [f"peak{i}" for i in range(len(starts))]
    peaks = pd.DataFrame({"chrom": chroms, "start": starts, "end": np.add(starts, LENGTH)})
    peaks["name"] = names
    peaks.to_csv(root / "peaks.bed", sep="\t", header=False, index=False)
    level = (data.dap - data.dap.min()) / np.ptp(data.dap)
    counts = pd.DataFrame(
        {
            "name": names,
            "early": np.round(20 + 200 * (1 - level)),
            "mid": np.round(rng.uniform(20, 220, size=len(level))),
            "late": np.round(20 + 200 * level),
        }
    )
    counts.to_csv(root / "counts.tsv", sep="\t", index=False)
    blocks = [_split_cells(counts[s].to_numpy(), CELLS_PER_STATE, rng) for s in STATES]
    order = rng.permutation(len(STATES) * CELLS_PER_STATE)  # groups interleaved
    matrix = sp.csr_matrix(np.vstack(blocks)[order].astype(np.float32))
    obs = pd.DataFrame(
        {"cluster": pd.Categorical(np.repeat(STATES, CELLS_PER_STATE)[order], categories=STATES)},
        index=[f"cell{i}" for i in range(matrix.shape[0])],
    )
    coords = [f"{c}:{s}-{s + LENGTH}" for c, s in zip(chroms, starts, strict=True)]
    _write(anndata.AnnData(matrix, obs=obs, var=pd.DataFrame(index=coords)), root / "cells.h5ad")
    database = [m for m in load_motif_db("jaspar2024") if m.alt_name in PLANTED]
    write_meme(database, root / "motifs.meme")
    (root / "run.toml").write_text(
        f'motif_db = "{root / "motifs.meme"}"\nn_motifs = 3\nfilter = false\n'
    )
    return root


def _small(path, X, *, groups=("a", "a", "b"), var_names=None, layers=None):
    """A small .h5ad: cells ``c0...`` in ``obs['cluster']`` groups, peaks chr1:0-100..."""
    names = var_names or [f"chr1:{300 * j}-{300 * j + 100}" for j in range(X.shape[1])]
    adata = anndata.AnnData(
        X,
        obs=pd.DataFrame({"cluster": list(groups)}, index=[f"c{i}" for i in range(len(groups))]),
        var=pd.DataFrame(index=names),
    )
    for name, layer in (layers or {}).items():
        adata.layers[name] = layer
    return _write(adata, path)


# ---------------------------------------------------------------------------- library


def test_pseudobulk_equals_the_counts_table(inputs):
    from iqmodel.io import read_counts_table, read_peaks

    peaks = read_peaks(inputs / "peaks.bed")
    table = read_counts_table(inputs / "counts.tsv", peaks)
    with warnings.catch_warnings():
        warnings.simplefilter("error", IQModelWarning)
        bulk = read_h5ad_pseudobulk(inputs / "cells.h5ad", "cluster", peaks=peaks)
    # states in category order; rows matched by coordinates and named as the peaks
    assert bulk.columns.tolist() == STATES and bulk.index.tolist() == table.index.tolist()
    pd.testing.assert_frame_equal(bulk, table[STATES])
    own = read_h5ad_pseudobulk(inputs / "cells.h5ad", "cluster")
    assert own.index[0] == f"chr1:{SPACER}-{SPACER + LENGTH}"
    np.testing.assert_array_equal(own.to_numpy(), table[STATES].to_numpy())


@pytest.mark.parametrize("kind", ["dense", "csr", "csc"])
def test_sums_per_group_for_every_storage(tmp_path, kind):
    rng = np.random.default_rng(0)
    X = rng.poisson(2.0, size=(30, 5)).astype(np.int32)
    groups = rng.choice(["b", "a", "c"], size=30)
    stored = {"dense": X, "csr": sp.csr_matrix(X), "csc": sp.csc_matrix(X)}[kind]
    names = [f"chr2-{10 * i}-{10 * i + 5}" for i in range(5)]
    path = _small(tmp_path / "x.h5ad", stored, groups=groups, var_names=names)
    bulk = read_h5ad_pseudobulk(path, "cluster", min_cells=1)
    expected = pd.DataFrame(X, index=groups).groupby(level=0).sum().T
    assert bulk.columns.tolist() == ["a", "b", "c"]  # sorted for a non-categorical column
    assert bulk.index.tolist() == names
    np.testing.assert_array_equal(bulk.to_numpy(), expected.to_numpy())
    assert bulk.to_numpy().dtype == np.float64
    # an AnnData object in memory gives the same
    in_memory = anndata.read_h5ad(path)
    pd.testing.assert_frame_equal(read_h5ad_pseudobulk(in_memory, "cluster", min_cells=1), bulk)


def test_reads_a_large_matrix_in_blocks_of_cells(tmp_path, monkeypatch):
    monkeypatch.setattr("iqmodel.io.h5ad._CHUNK_CELLS", 4)
    rng = np.random.default_rng(3)
    X = rng.poisson(1.0, size=(11, 3)).astype(np.float32)
    groups = rng.choice(["a", "b"], size=11)
    path = _small(tmp_path / "x.h5ad", sp.csr_matrix(X), groups=groups)
    bulk = read_h5ad_pseudobulk(path, "cluster", min_cells=1)
    expected = pd.DataFrame(X, index=groups).groupby(level=0).sum().T.to_numpy()
    np.testing.assert_array_equal(bulk.to_numpy(), expected)


def test_categorical_order_and_cells_without_a_group(tmp_path):
    adata = anndata.AnnData(
        np.array([[1, 2], [3, 4], [5, 6], [7, 8]], dtype=np.float32),
        obs=pd.DataFrame(
            {"cluster": pd.Categorical(["z", "y", None, "z"], categories=["z", "y", "unused"])},
            index=["c0", "c1", "c2", "c3"],
        ),
        var=pd.DataFrame(index=["chr1:0-100", "chr1:200-300"]),
    )
    with pytest.warns(IQModelWarning, match=r"1 cell\(s\) have no value in obs\['cluster'\]"):
        bulk = read_h5ad_pseudobulk(adata, "cluster", min_cells=1)
    assert bulk.columns.tolist() == ["z", "y"]
    np.testing.assert_array_equal(bulk.to_numpy(), [[8, 3], [10, 4]])


def test_peak_coordinates_from_var_columns_or_names(tmp_path):
    var = pd.DataFrame(
        {"seqnames": ["chr3", "chr3"], "Start": [5, 50], "end": [40, 90]}, index=["p1", "p2"]
    )
    adata = anndata.AnnData(np.ones((2, 2), dtype=np.float32), var=var)
    peaks = h5ad_peaks(adata)
    assert peaks[["chrom", "start", "end", "name"]].values.tolist() == [
        ["chr3", 5, 40, "p1"],
        ["chr3", 50, 90, "p2"],
    ]
    parsed = parse_peak_names(["chr1:100-600", "chr1-100-600", "chr1_100_600", "chrUn_K1_3_9"])
    assert parsed["chrom"].tolist() == ["chr1", "chr1", "chr1", "chrUn_K1"]
    assert parsed["start"].tolist() == [100, 100, 100, 3]
    assert parsed["end"].tolist() == [600, 600, 600, 9]
    with pytest.raises(ValueError, match=r"2 of 3 peak name\(s\) are not coordinates.*'p1', 'x'"):
        parse_peak_names(["p1", "chr1:1-2", "x"])
    with pytest.raises(ValueError, match=r"var columns chrom, start, end"):
        h5ad_peaks(anndata.AnnData(np.ones((1, 2)), var=pd.DataFrame(index=["p1", "p2"])))


# ---------------------------------------------------------------------------- errors


def test_missing_groupby_column_names_the_columns(tmp_path):
    path = _small(tmp_path / "x.h5ad", np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"obs has no column 'celltype'.*'cluster'.*--groupby"):
        read_h5ad_pseudobulk(path, "celltype")


def test_small_groups_are_dropped_with_a_warning(tmp_path):
    path = _small(tmp_path / "x.h5ad", np.ones((3, 2)))
    with pytest.warns(
        IQModelWarning, match=r"1 group\(s\).*fewer than min_cells=2.*'b': 1 cells.*--min-cells"
    ):
        bulk = read_h5ad_pseudobulk(path, "cluster", min_cells=2)
    assert bulk.columns.tolist() == ["a"]
    with pytest.raises(ValueError, match=r"every group.*fewer than min_cells=5"):
        read_h5ad_pseudobulk(path, "cluster", min_cells=5)
    with pytest.raises(ValueError, match="min_cells must be at least 1"):
        read_h5ad_pseudobulk(path, "cluster", min_cells=0)


def test_normalised_matrix_points_to_the_counts_layer(tmp_path):
    raw = np.array([[1, 0], [2, 3], [0, 4]], dtype=np.float32)
    path = _small(tmp_path / "x.h5ad", np.log1p(raw), layers={"counts": raw})
    with pytest.raises(
        ValueError,
        match=r"X holds non-integer values \(e\.g\. 0\.693147 for cell 'c0', peak 'chr1:0-100'\)"
        r".*normalised.*--h5ad-layer\), one of \['counts'\]",
    ):
        read_h5ad_pseudobulk(path, "cluster", min_cells=1)
    bulk = read_h5ad_pseudobulk(path, "cluster", layer="counts", min_cells=1)
    np.testing.assert_array_equal(bulk.to_numpy(), [[3, 0], [3, 4]])
    negative = _small(tmp_path / "n.h5ad", sp.csr_matrix(np.array([[1, 0], [0, -2], [0, 0.0]])))
    with pytest.raises(ValueError, match=r"negative values \(e\.g\. -2 for cell 'c1'"):
        read_h5ad_pseudobulk(negative, "cluster", min_cells=1)


def test_missing_layer_lists_the_layers(tmp_path):
    path = _small(tmp_path / "x.h5ad", np.ones((3, 2)), layers={"raw": np.ones((3, 2))})
    with pytest.raises(ValueError, match=r"no layer 'counts'.*one of \['raw'\]"):
        read_h5ad_pseudobulk(path, "cluster", layer="counts")
    bare = _small(tmp_path / "y.h5ad", np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"no layer 'counts'.*no layers: omit the layer"):
        read_h5ad_pseudobulk(bare, "cluster", layer="counts")


def test_unparsable_peak_names_and_unknown_peaks(tmp_path):
    path = _small(tmp_path / "x.h5ad", np.ones((3, 2)), var_names=["peakA", "peakB"])
    with pytest.raises(ValueError, match=r"x\.h5ad: 2 of 2 peak name\(s\) are not coordinates"):
        read_h5ad_pseudobulk(path, "cluster", min_cells=1)
    peaks = pd.DataFrame({"chrom": ["chr1"], "start": [0], "end": [100], "name": ["peakB"]})
    with pytest.warns(IQModelWarning, match=r"1 of 2 AnnData peaks are not among the 1 peaks"):
        bulk = read_h5ad_pseudobulk(path, "cluster", min_cells=1, peaks=peaks)
    assert bulk.index.tolist() == ["peakB"]  # matched by name
    np.testing.assert_array_equal(bulk.to_numpy(), [[2, 1]])
    with pytest.raises(ValueError, match=r"1 of 1 peak\(s\) are not in the AnnData"):
        read_h5ad_pseudobulk(
            _small(tmp_path / "c.h5ad", np.ones((3, 2))),
            "cluster",
            min_cells=1,
            peaks=peaks.assign(name="other", start=5),
        )


def test_not_an_h5ad_file(tmp_path):
    path = tmp_path / "x.h5ad"
    path.write_text("chr1\t1\t2\n")
    with pytest.raises(ValueError, match=r"cannot read this file as AnnData \.h5ad"):
        read_h5ad_pseudobulk(path, "cluster")
    with pytest.raises(FileNotFoundError):
        read_h5ad_pseudobulk(tmp_path / "absent.h5ad", "cluster")


def test_missing_anndata_package_says_how_to_install(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "anndata", None)
    with pytest.raises(ImportError, match=r"pip install 'iqmodel\[anndata\]'"):
        read_h5ad_pseudobulk(tmp_path / "x.h5ad", "cluster")
    args = ["normalize", "--h5ad", "x.h5ad", "--groupby", "g", "--out", str(tmp_path / "o.tsv")]
    code, err = _run(args)
    assert code == 1 and err.startswith("iqmodel: error: reading AnnData .h5ad files needs")
    assert len(err.strip().splitlines()) == 1  # one line, no traceback


# ---------------------------------------------------------------------------- command line


def _run(args):
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        code = main(args)
    return code, stderr.getvalue()


def test_normalize_h5ad_equals_the_counts_table(inputs, tmp_path):
    peaks = ["--peaks", str(inputs / "peaks.bed"), "--size", "200"]
    common = ["normalize", "--quiet"]
    h5ad = ["--h5ad", str(inputs / "cells.h5ad"), "--groupby", "cluster"]
    counts = ["--counts", str(inputs / "counts.tsv")]
    assert _run([*common, *peaks, *counts, "--out", str(tmp_path / "c.tsv")]) == (0, "")
    assert _run([*common, *peaks, *h5ad, "--out", str(tmp_path / "h.tsv")]) == (0, "")
    assert _run([*common, "--size", "200", *h5ad, "--out", str(tmp_path / "v.tsv")]) == (0, "")
    counted = pd.read_csv(tmp_path / "c.tsv", sep="\t", index_col=0)
    from_h5ad = pd.read_csv(tmp_path / "h.tsv", sep="\t", index_col=0)
    from_var = pd.read_csv(tmp_path / "v.tsv", sep="\t", index_col=0)
    pd.testing.assert_frame_equal(from_h5ad, counted)
    # without --peaks: the AnnData's peaks, named by its var_names, same rows and values
    assert from_var.index[0] == f"chr1:{SPACER}-{SPACER + LENGTH}"
    np.testing.assert_array_equal(from_var.to_numpy(), counted.to_numpy())
    assert (tmp_path / "h.normalizer.json").read_text() == (
        tmp_path / "c.normalizer.json"
    ).read_text()


def _fit(inputs, out, *signal):
    return [
        "fit", "--quiet",
        "--genome", str(inputs / "genome.fa"),
        *signal,
        "--start", "early", "--end", "late",
        "--size", "200",
        "--config", str(inputs / "run.toml"),
        "--seed", "4",
        "--no-figures",
        "--out", str(out),
    ]  # fmt: skip


@pytest.mark.slow
def test_fit_h5ad_equals_the_counts_table(inputs, tmp_path):
    counts = ["--peaks", str(inputs / "peaks.bed"), "--counts", str(inputs / "counts.tsv")]
    h5ad = ["--h5ad", str(inputs / "cells.h5ad"), "--groupby", "cluster", "--min-cells", "5"]
    assert _run(_fit(inputs, tmp_path / "c", *counts)) == (0, "")
    assert _run(_fit(inputs, tmp_path / "h", *h5ad)) == (0, "")
    by_counts = pd.read_csv(tmp_path / "c" / "predictions.tsv", sep="\t")
    by_h5ad = pd.read_csv(tmp_path / "h" / "predictions.tsv", sep="\t")
    assert by_h5ad["name"].iloc[0] == f"chr1:{SPACER}-{SPACER + LENGTH}"  # the var_names
    pd.testing.assert_frame_equal(by_h5ad.drop(columns="name"), by_counts.drop(columns="name"))
    metrics = json.loads((tmp_path / "h" / "metrics.json").read_text())
    assert metrics == json.loads((tmp_path / "c" / "metrics.json").read_text()) | {
        "fit_seconds": metrics["fit_seconds"]
    }
    assert metrics["test"]["r2"] > 0.5, metrics
    config = (tmp_path / "h" / "config.toml").read_text()
    assert 'groupby = "cluster"' in config and "min_cells = 5" in config


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--h5ad", "x.h5ad"], "--h5ad needs --groupby COLUMN"),
        (["--counts", "c.tsv", "--groupby", "cluster"], "--groupby go with --h5ad"),
        (["--counts", "c.tsv", "--h5ad", "x.h5ad", "--groupby", "g"], "not --counts and --h5ad"),
        (["--h5ad", "x.h5ad", "--groupby", "g", "--min-cells", "0"], "--min-cells must be at"),
    ],
)
@pytest.mark.parametrize("command", ["normalize", "fit", "fit-multi"])
def test_h5ad_usage_errors(tmp_path, capsys, command, extra, message):
    args = {
        "normalize": ["normalize", "--peaks", "p.bed", "--out", str(tmp_path / "o.tsv")],
        "fit": ["fit", "--peaks", "p.bed", "--genome", "g.fa", "--start", "a", "--end", "b",
                "--out", str(tmp_path)],
        "fit-multi": [
            "fit-multi", "--peaks", "p.bed", "--genome", "g.fa", "--trajectories", "a:b,a:c",
            "--out", str(tmp_path),
        ],
    }[command]  # fmt: skip
    assert main([*args, *extra]) == 2
    assert message in capsys.readouterr().err


def test_h5ad_errors_are_one_line_messages(inputs, tmp_path, capsys):
    args = ["normalize", "--h5ad", str(inputs / "cells.h5ad"), "--out", str(tmp_path / "o.tsv")]
    assert main([*args, "--groupby", "celltype"]) == 1
    err = capsys.readouterr().err
    assert "obs has no column 'celltype'" in err and len(err.strip().splitlines()) == 1
    assert main([*args, "--groupby", "cluster", "--min-cells", "50"]) == 1
    assert "every group of obs['cluster'] has fewer than min_cells=50" in capsys.readouterr().err


def test_numeric_groups_keep_numeric_order():
    adata = anndata.AnnData(
        np.ones((4, 2), dtype=np.float32),
        obs=pd.DataFrame({"cluster": [10, 2, 1, 2]}, index=["c0", "c1", "c2", "c3"]),
        var=pd.DataFrame(index=["chr1:0-100", "chr1:200-300"]),
    )
    bulk = read_h5ad_pseudobulk(adata, "cluster", min_cells=1)
    assert bulk.columns.tolist() == ["1", "2", "10"]
    np.testing.assert_array_equal(bulk.to_numpy(), [[1, 2, 1], [1, 2, 1]])
