from __future__ import annotations

import gzip
import warnings

import numpy as np
import pandas as pd
import pyBigWig
import pytest

from iqmodel.exceptions import IQModelWarning
from iqmodel.io import tracks as tracks_module
from iqmodel.io.intervals import read_peaks, resize_intervals
from iqmodel.io.tracks import (
    TrackSignal,
    bigwig_signal,
    fragment_counts,
    read_counts_table,
)

ENCODE = "encode_atac_test"
ENCODE_BIGWIG = "ENCFF439VSY.subsampled.400.trim.merged.nodup.tn5.fc.signal.bigwig"
ENCODE_PEAKS = "rep1-rep2.overlap.bfilt.narrowPeak.gz"

SIZES = {"chr1": 5_000, "chr2": 800}


def write_bigwig(path, entries: dict[str, list[tuple[int, int, float]]]) -> dict:
    """Write a bigWig; return the per-base signal (missing = 0) for the reference sums."""
    bw = pyBigWig.open(str(path), "w")
    bw.addHeader(list(SIZES.items()))
    dense = {chrom: np.zeros(size) for chrom, size in SIZES.items()}
    for chrom, rows in entries.items():
        starts, ends, values = zip(*rows, strict=True)
        bw.addEntries(
            [chrom] * len(rows), list(starts), ends=list(ends), values=[float(v) for v in values]
        )
        for start, end, value in rows:
            dense[chrom][start:end] = np.float32(value)  # bigWig stores float32
    bw.close()
    return dense


def random_entries(rng, size: int, n: int) -> list[tuple[int, int, float]]:
    cuts = np.sort(rng.choice(np.arange(1, size), 2 * n, replace=False))
    return [
        (int(cuts[2 * i]), int(cuts[2 * i + 1]), round(float(rng.gamma(2.0, 1.5)), 3))
        for i in range(n)
    ]


@pytest.fixture
def bigwigs(tmp_path, rng):
    paths, dense = {}, {}
    for state in ("s1", "s2"):
        path = tmp_path / f"{state}.bw"
        entries = {"chr1": random_entries(rng, SIZES["chr1"], 60), "chr2": [(0, 800, 2.0)]}
        dense[state] = write_bigwig(path, entries)
        paths[state] = path
    return paths, dense


@pytest.fixture
def test_peaks() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "chrom": ["chr1", "chr1", "chr1", "chr1", "chr2"],
            "start": [0, 1000, 1100, 4900, 300],
            "end": [50, 1500, 1200, 5000, 350],
            "name": ["edge_left", "wide", "overlap", "edge_right", "other"],
        }
    )


def reference(dense, peaks, window, stat="sum"):
    peak, regional = [], []
    for chrom, start, end in peaks[["chrom", "start", "end"]].itertuples(index=False):
        signal = dense[chrom]
        lo, hi = max(start - window // 2, 0), min(end + window // 2, len(signal))
        peak_value = signal[start:end].sum()
        regional_value = signal[lo:hi].sum()
        if stat == "mean":
            peak_value /= end - start
            regional_value /= hi - lo
        peak.append(peak_value)
        regional.append(regional_value)
    return np.array(peak), np.array(regional)


# ----------------------------------------------------------------------------- bigWig


@pytest.mark.parametrize("stat", ["sum", "mean"])
def test_bigwig_signal_matches_dense_reference(bigwigs, test_peaks, stat):
    paths, dense = bigwigs
    signal = bigwig_signal(paths, test_peaks, window=600, stat=stat)
    assert isinstance(signal, TrackSignal)
    assert signal.window == 600
    assert list(signal.peak.columns) == ["s1", "s2"]
    assert list(signal.peak.index) == test_peaks["name"].tolist()
    for state in paths:
        peak, regional = reference(dense[state], test_peaks, 600, stat)
        np.testing.assert_allclose(signal.peak[state], peak, rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(signal.regional[state], regional, rtol=1e-12, atol=1e-9)
    # chr2 is covered by a constant 2.0: 50 bp peak, window [0, 650)
    if stat == "sum":
        assert signal.peak.loc["other", "s1"] == pytest.approx(100.0)
        assert signal.regional.loc["other", "s1"] == pytest.approx(1300.0)


def test_bigwig_signal_small_blocks_and_no_window(bigwigs, test_peaks, rng, monkeypatch):
    paths, dense = bigwigs
    # many random peaks, tiny read blocks and gaps: exercises block and segment boundaries
    monkeypatch.setattr(tracks_module, "_BLOCK", 97)
    monkeypatch.setattr(tracks_module, "_GAP", 0)
    starts = rng.integers(0, 4900, 200)
    peaks = pd.DataFrame(
        {"chrom": "chr1", "start": starts, "end": starts + rng.integers(1, 100, 200)}
    ).drop_duplicates(["start", "end"])
    signal = bigwig_signal(paths, peaks, window=300)
    peak, regional = reference(dense["s2"], peaks, 300)
    np.testing.assert_allclose(signal.peak["s2"], peak, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(signal.regional["s2"], regional, rtol=1e-12, atol=1e-9)
    only_peak = bigwig_signal(paths, peaks, window=None)
    assert only_peak.regional is None
    np.testing.assert_allclose(only_peak.peak["s2"], peak, rtol=1e-12, atol=1e-9)


def test_bigwig_errors(bigwigs, test_peaks, tmp_path):
    paths, _ = bigwigs
    with pytest.raises(FileNotFoundError, match="no such bigWig file"):
        bigwig_signal({"s1": tmp_path / "absent.bw"}, test_peaks)
    text = tmp_path / "x.bedGraph"
    text.write_text("chr1\t0\t10\t1.0\n")
    with pytest.raises(ValueError, match="is not a bigWig file"):
        bigwig_signal({"s1": text}, test_peaks)
    other = pd.concat(
        [test_peaks, pd.DataFrame({"chrom": ["chr9"], "start": [0], "end": [5], "name": ["z"]})]
    )
    with pytest.raises(ValueError, match=r"chromosome\(s\) 'chr9' of 1 peak\(s\) are not in"):
        bigwig_signal(paths, other)
    past = test_peaks.assign(end=test_peaks["end"] + [0, 0, 0, 1, 0])
    with pytest.raises(ValueError, match=r"1 peak\(s\) end past their chromosome.*'edge_right'"):
        bigwig_signal(paths, past)
    with pytest.raises(TypeError, match="tracks must be a mapping"):
        bigwig_signal(paths["s1"], test_peaks)
    with pytest.raises(ValueError, match="window must be a positive integer"):
        bigwig_signal(paths, test_peaks, window=0)
    with pytest.raises(ValueError, match="stat must be one of"):
        bigwig_signal(paths, test_peaks, stat="max")


def test_bigwig_real_encode_track(shared_data):
    folder = shared_data / ENCODE
    peaks = resize_intervals(read_peaks(folder / ENCODE_PEAKS), 500).iloc[::130].head(50)
    path = folder / ENCODE_BIGWIG
    signal = bigwig_signal({"atac": path}, peaks, window=20_000)
    bw = pyBigWig.open(str(path))
    try:
        slow_peak = [
            np.nansum(np.asarray(bw.values(chrom, start, end), dtype=np.float64))
            for chrom, start, end in peaks[["chrom", "start", "end"]].itertuples(index=False)
        ]
        size = bw.chroms("chr19")
        slow_regional = [
            np.nansum(np.asarray(bw.values(chrom, max(start - 10_000, 0), min(end + 10_000, size))))
            for chrom, start, end in peaks[["chrom", "start", "end"]]
            .head(6)
            .itertuples(index=False)
        ]
    finally:
        bw.close()
    assert np.sum(slow_peak) > 0
    np.testing.assert_allclose(signal.peak["atac"], slow_peak, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(signal.regional["atac"].head(6), slow_regional, rtol=1e-9)
    assert (signal.regional["atac"] >= signal.peak["atac"] - 1e-9).all()


# ----------------------------------------------------------------------------- count tables


def test_read_counts_table_tsv_and_order(tmp_path):
    path = tmp_path / "atac.tsv"
    path.write_text("peak\tc1\tc2\np2\t3\t0\np1\t1.5\t2\n")
    counts = read_counts_table(path)
    assert counts.index.tolist() == ["p2", "p1"]
    assert counts.columns.tolist() == ["c1", "c2"]
    assert counts.to_numpy().tolist() == [[3.0, 0.0], [1.5, 2.0]]
    peaks = pd.DataFrame(
        {"chrom": ["chr1"] * 2, "start": [0, 10], "end": [5, 15], "name": ["p1", "p2"]}
    )
    aligned = read_counts_table(path, peaks)
    assert aligned.index.tolist() == ["p1", "p2"]
    assert aligned.loc["p2", "c1"] == 3.0


def test_read_counts_table_csv_with_coordinates_gz(tmp_path):
    path = tmp_path / "atac.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("chrom,start,end,c1,c2\nchr1,0,5,1,2\nchr1,10,15,3,4\n")
    counts = read_counts_table(path)
    assert counts.index.tolist() == ["chr1_0_5", "chr1_10_15"]
    assert counts.columns.tolist() == ["c1", "c2"]
    # unnamed peaks are named chrom_start_end, so they match
    peaks = pd.DataFrame({"chrom": ["chr1", "chr1"], "start": [10, 0], "end": [15, 5]})
    assert read_counts_table(path, peaks).index.tolist() == ["chr1_10_15", "chr1_0_5"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name\tc1\tc2\np1\t1\t-2\n", r"negative count -2 for peak 'p1', state 'c2'"),
        ("name\tc1\np1\tabc\n", r"non-numeric value 'abc' for peak 'p1', state 'c1'"),
        ("name\tc1\np1\tNA\n", r"missing or infinite value for peak 'p1', state 'c1'"),
        ("name\tc1\np1\t1\np1\t2\n", r"peak names must be unique; repeated: 'p1'"),
        ("name\np1\n", r"no state columns"),
    ],
)
def test_read_counts_table_errors(tmp_path, text, message):
    path = tmp_path / "atac.tsv"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        read_counts_table(path)


def test_read_counts_table_mismatched_peaks(tmp_path):
    path = tmp_path / "atac.tsv"
    path.write_text("name\tc1\np1\t1\np9\t2\n")
    peaks = pd.DataFrame(
        {
            "chrom": ["chr1"] * 3,
            "start": [0, 10, 20],
            "end": [5, 15, 25],
            "name": ["p1", "p2", "p3"],
        }
    )
    with pytest.raises(
        ValueError,
        match=r"2 peak\(s\) are missing from the table \('p2', 'p3'\); 1 table row\(s\) are not "
        r"in the peaks \('p9'\).*subset one to the other",
    ):
        read_counts_table(path, peaks)
    with pytest.raises(FileNotFoundError, match="no such counts table"):
        read_counts_table(tmp_path / "absent.tsv")


COUNTS_NO_NAMES = "s1\ts2\ts3\n49\t3\t0\n57\t2\t1\n49\t0\t5\n"
NO_NAME_PEAKS = pd.DataFrame(
    {"chrom": ["chrIV"] * 3, "start": [0, 100, 200], "end": [50, 150, 250]}
)


def test_counts_table_without_name_column_with_peaks(tmp_path):
    """A first column of counts must not be taken for the peak names (audit #247)."""
    path = tmp_path / "counts_noname.tsv"
    path.write_text(COUNTS_NO_NAMES.replace("49\t0", "48\t0"))  # unique numbers, too
    with pytest.raises(
        ValueError,
        match=r"counts_noname\.tsv: the first column \('s1'\) holds numbers \('49', '57', '48'\), "
        r"not peak names: it looks like a column of counts.*add the peak names named like the "
        r"peaks \(their name column, or chrom_start_end\) as the first column",
    ):
        read_counts_table(path, NO_NAME_PEAKS)


def test_counts_table_without_name_column_without_peaks(tmp_path):
    path = tmp_path / "counts_noname.tsv"
    path.write_text(COUNTS_NO_NAMES)
    with pytest.raises(
        ValueError, match=r"the first column \('s1'\) holds numbers .*e\.g\. a header `peak<TAB>s1"
    ):
        read_counts_table(path)
    fractional = tmp_path / "fractional.tsv"
    fractional.write_text("s1\ts2\n0.5\t1\n1.5\t2\n")
    with pytest.raises(ValueError, match=r"the first column \('s1'\) holds numbers"):
        read_counts_table(fractional)


def test_counts_table_with_numeric_peak_ids(tmp_path):
    """Unique integer IDs are names: accepted alone, and when the peaks carry those names."""
    path = tmp_path / "ids.tsv"
    path.write_text("id_less\tc1\n7\t1\n8\t2\n")
    assert read_counts_table(path).index.tolist() == ["7", "8"]
    peaks = NO_NAME_PEAKS.iloc[:2].assign(name=["8", "7"])
    assert read_counts_table(path, peaks).index.tolist() == ["8", "7"]


def test_unreadable_counts_tables_name_the_file(tmp_path):
    binary = tmp_path / "counts.tsv"
    binary.write_bytes(bytes([0x9A, 0x00, 0x07]) * 200)
    with pytest.raises(
        ValueError, match=r"counts\.tsv: not a text file .*pass the counts table as text"
    ):
        read_counts_table(binary)
    not_gzip = tmp_path / "counts.tsv.gz"
    not_gzip.write_text("peak\tc1\np1\t1\n")
    with pytest.raises(ValueError, match=r"counts\.tsv\.gz: not a gzip file"):
        read_counts_table(not_gzip)
    latin1 = tmp_path / "barcodes.tsv"
    latin1.write_bytes("AAA-1\tcélula\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"barcodes\.tsv: not UTF-8 text \(byte 0xe9 at offset 7"):
        fragment_counts(tmp_path / "counts.tsv", latin1, NO_NAME_PEAKS)


# ----------------------------------------------------------------------------- fragments

FRAGMENTS = (
    "# id=sample\n"
    "# pipeline=cellranger-atac\n"
    "chr1\t95\t130\tAAA-1\t2\n"  # sites 95 (p1) and 129 (p1, p2)
    "chr1\t140\t161\tBBB-1\t1\n"  # sites 140 (p2) and 160 (p2 ends at 160: outside)
    "chr1\t10\t400\tCCC-1\t1\n"  # unknown barcode
    "chr1\t99\t300\tBBB-1\t1\n"  # sites 99 (p1) and 299 (no peak)
    "chr2\t5\t20\tAAA-1\t1\n"  # no peaks on chr2
)
#   peaks: p1 chr1 [90, 130), p2 chr1 [120, 160)


@pytest.fixture
def fragments(tmp_path):
    path = tmp_path / "fragments.tsv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write(FRAGMENTS)
    barcodes = tmp_path / "barcodes.tsv"
    barcodes.write_text("barcode\tstate\nAAA-1\tearly\nBBB-1\tlate\nDDD-1\tlate\n")
    peaks = pd.DataFrame(
        {"chrom": ["chr1", "chr1"], "start": [90, 120], "end": [130, 160], "name": ["p1", "p2"]}
    )
    return path, barcodes, peaks


def test_fragment_counts_hand_computed(fragments):
    path, barcodes, peaks = fragments
    with pytest.warns(
        IQModelWarning,
        match=r"fragments\.tsv\.gz: 1 of 5 fragments \(1 distinct barcodes\) have a barcode "
        r"without a state and were not counted \(e\.g\. 'CCC-1'\)",
    ) as record:
        signal = fragment_counts(path, barcodes, peaks, window=200)
    assert record[0].filename == __file__  # points at the caller
    # early (AAA-1): sites 95, 129 -> p1: 2, p2: 1
    # late (BBB-1): sites 140, 160, 99, 299 -> p1: 1 (99), p2: 1 (140)
    assert signal.peak.columns.tolist() == ["early", "late"]
    assert signal.peak.to_numpy().tolist() == [[2.0, 1.0], [1.0, 1.0]]
    # regional p1 [0, 230): early 95, 129 -> 2; late 140, 160, 99 -> 3
    # regional p2 [20, 260): early 2; late 140, 160, 99 -> 3
    assert signal.regional.to_numpy().tolist() == [[2.0, 3.0], [2.0, 3.0]]
    assert signal.stats == {
        "n_fragments": 5,
        "n_fragments_no_state": 1,
        "n_barcodes_no_state": 1,
        "n_fragments_off_peaks_chrom": 1,
    }


def test_fragment_counts_chunks_and_mapping(fragments):
    path, _, peaks = fragments
    mapping = {"AAA-1": "early", "BBB-1": "late"}
    with pytest.warns(IQModelWarning, match="1 of 5 fragments"):
        whole = fragment_counts(path, mapping, peaks, window=200)
    with pytest.warns(IQModelWarning, match="1 of 5 fragments"):
        chunked = fragment_counts(path, mapping, peaks, window=200, chunk_size=2)
    pd.testing.assert_frame_equal(whole.peak, chunked.peak)
    pd.testing.assert_frame_equal(whole.regional, chunked.regional)
    with pytest.warns(IQModelWarning, match="1 of 5 fragments"):
        assert fragment_counts(path, mapping, peaks, window=None).regional is None


def test_fragment_counts_with_every_barcode_known_do_not_warn(fragments):
    path, _, peaks = fragments
    mapping = {"AAA-1": "early", "BBB-1": "late", "CCC-1": "late"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        signal = fragment_counts(path, mapping, peaks, window=200)
    assert signal.stats["n_fragments_no_state"] == 0


def test_fragment_counts_matches_brute_force(tmp_path, rng):
    n = 3000
    starts = rng.integers(0, 5000, n)
    ends = starts + rng.integers(10, 600, n)
    cells = rng.choice(["a", "b", "c", "x"], n)
    frame = pd.DataFrame({"chrom": "chr1", "start": starts, "end": ends, "bc": cells, "n": 1})
    path = tmp_path / "fragments.tsv"
    frame.to_csv(path, sep="\t", header=False, index=False)
    peak_starts = rng.integers(0, 5000, 40)
    peaks = pd.DataFrame(
        {"chrom": "chr1", "start": peak_starts, "end": peak_starts + rng.integers(1, 400, 40)}
    ).drop_duplicates(["start", "end"])
    mapping = {"a": "A", "b": "B", "c": "A"}
    with pytest.warns(IQModelWarning, match=r"of 3000 fragments \(1 distinct barcodes\).*'x'"):
        signal = fragment_counts(path, mapping, peaks, window=1000, chunk_size=700)
    for state, codes in (("A", ["a", "c"]), ("B", ["b"])):
        keep = np.isin(cells, codes)
        sites = np.concatenate([starts[keep], ends[keep] - 1])
        for i, (s, e) in enumerate(zip(peaks["start"], peaks["end"], strict=True)):
            assert signal.peak[state].iat[i] == np.sum((sites >= s) & (sites < e))
            lo, hi = max(s - 500, 0), e + 500
            assert signal.regional[state].iat[i] == np.sum((sites >= lo) & (sites < hi))


def test_fragment_counts_errors(fragments, tmp_path):
    path, barcodes, peaks = fragments
    with pytest.raises(ValueError, match=r"none of the 5 fragments has a barcode.*'-1' suffix"):
        fragment_counts(path, {"AAA": "x"}, peaks)
    with pytest.raises(FileNotFoundError, match="no such fragments file"):
        fragment_counts(tmp_path / "absent.tsv.gz", barcodes, peaks)
    with pytest.raises(FileNotFoundError, match="no such barcode"):
        fragment_counts(path, tmp_path / "absent.tsv", peaks)
    conflict = tmp_path / "conflict.tsv"
    conflict.write_text("AAA-1\tearly\nAAA-1\tlate\n")
    with pytest.raises(ValueError, match=r"1 barcode\(s\) are assigned to more than one state"):
        fragment_counts(path, conflict, peaks)
    broken = tmp_path / "broken.tsv"
    broken.write_text("chr1\tten\t20\tAAA-1\t1\n")
    with pytest.raises(ValueError, match="cannot read this fragments file"):
        fragment_counts(broken, barcodes, peaks)
    with pytest.raises(ValueError, match="chunk_size must be a positive integer"):
        fragment_counts(path, barcodes, peaks, chunk_size=0)
    binary = tmp_path / "fragments_binary.tsv.gz"
    binary.write_bytes(gzip.compress(bytes([0x9A, 0x00, 0x07]) * 200))
    with pytest.raises(
        ValueError,
        match=r"fragments_binary\.tsv\.gz: not a text file \(byte 0x9a at offset 0, line 1, of "
        r"the decompressed content, is not UTF-8, and the file looks binary\)",
    ):
        fragment_counts(binary, barcodes, peaks)
    with pytest.raises(TypeError, match=r"fragments_path must be the path of the fragments file"):
        fragment_counts(None, barcodes, peaks)
