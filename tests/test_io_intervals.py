from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from iqmodel.io.intervals import (
    check_peaks,
    merge_overlapping,
    read_peaks,
    read_tss,
    resize_intervals,
    tss_distance,
)


def write(path, text: str, *, gz: bool = False):
    if gz:
        with gzip.open(path, "wt") as handle:
            handle.write(text)
    else:
        path.write_text(text)
    return path


def peaks_frame(rows, **extra) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["chrom", "start", "end", "name"])
    for key, value in extra.items():
        frame[key] = value
    return frame


# ----------------------------------------------------------------------------- read_peaks


def test_read_bed_skips_headers_and_names_peaks(tmp_path):
    path = write(
        tmp_path / "p.bed",
        "browser position chr1:1-100\n"
        'track name="x"\n'
        "# comment\n"
        "chr1\t100\t200\tpeakA\t5\n"
        "\n"
        "chr1\t300\t450\t.\t7\n"
        "chr2\t0\t10\tpeakC\t1\n",
    )
    peaks = read_peaks(path)
    assert list(peaks.columns) == ["chrom", "start", "end", "name"]
    assert peaks["chrom"].tolist() == ["chr1", "chr1", "chr2"]
    assert peaks["start"].tolist() == [100, 300, 0]
    assert peaks["end"].tolist() == [200, 450, 10]
    assert peaks["name"].tolist() == ["peakA", "chr1_300_450", "peakC"]
    assert peaks["start"].dtype == np.int64


def test_read_bed3_gzip_and_whitespace(tmp_path):
    path = write(tmp_path / "p.bed.gz", "chr1 5 15\nchrX 20 40\n", gz=True)
    peaks = read_peaks(path)
    assert peaks["name"].tolist() == ["chr1_5_15", "chrX_20_40"]
    assert peaks["end"].tolist() == [15, 40]


def test_read_narrowpeak_summit(tmp_path):
    path = write(
        tmp_path / "p.narrowPeak",
        "chr1\t100\t200\tp1\t0\t.\t3.1\t5\t4\t30\n"
        "chr1\t500\t600\tp2\t0\t.\t3.1\t5\t4\t-1\n"
        "chr2\t10\t20\t.\t0\t.\t3.1\t5\t4\t0\n",
    )
    peaks = read_peaks(path)
    assert peaks["summit"].dtype == "Int64"
    assert peaks["summit"].iloc[0] == 30
    assert pd.isna(peaks["summit"].iloc[1])
    assert peaks["summit"].iloc[2] == 0
    assert peaks["name"].tolist() == ["p1", "p2", "chr2_10_20"]


def test_read_narrowpeak_summit_outside_peak(tmp_path):
    path = write(tmp_path / "p.narrowPeak", "chr1\t100\t200\tp1\t0\t.\t3\t5\t4\t100\n")
    with pytest.raises(ValueError, match=r"line 1: summit '100', width 100"):
        read_peaks(path)


def test_read_table_with_header_keeps_extra_columns(tmp_path):
    path = write(
        tmp_path / "p.tsv",
        "Chrom\tStart\tEnd\tpeak_name\tgc\nchr1\t10\t20\tx\t0.5\nchr2\t30\t50\ty\t0.25\n",
    )
    peaks = read_peaks(path)
    assert peaks["name"].tolist() == ["x", "y"]
    assert peaks["gc"].tolist() == [0.5, 0.25]
    csv = write(tmp_path / "p.csv", "chrom,start,end\nchr1,10,20\nchr1,20,30\n")
    peaks = read_peaks(csv)
    assert peaks["name"].tolist() == ["chr1_10_20", "chr1_20_30"]


def test_read_peaks_accepts_dataframe():
    frame = pd.DataFrame({"chr": ["chr1"], "start": [3], "end": [9]})
    peaks = read_peaks(frame)
    assert peaks["name"].tolist() == ["chr1_3_9"]
    assert peaks["chrom"].tolist() == ["chr1"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "chr1\t10\t20\nchr1\t30\t30\n",
            r"p.bed: 1 interval\(s\) have start >= end \(line 2: chr1:30-30\)",
        ),
        ("chr1\t-5\t20\n", r"p.bed: 1 interval\(s\) have a negative start \(line 1: start -5\)"),
        ("chr1\t10\t2x0\n", r"column 'end' must hold integer coordinates.*line 1: '2x0'"),
        ("chr1\t10.5\t20\n", r"column 'start' must hold integer coordinates.*line 1: '10.5'"),
        (
            "chr1\t10\t20\ta\nchr1\t30\t40\ta\nchr1\t50\t60\tb\n",
            r"repeated \(line 1: 'a'; line 2: 'a'\)",
        ),
        ("track x\n# nothing\n", r"the peak set is empty"),
        ("chr1\t10\n", r"1 line\(s\) have fewer than 3 fields \(line 1"),
    ],
)
def test_read_peaks_errors(tmp_path, text, message):
    path = write(tmp_path / "p.bed", text)
    with pytest.raises(ValueError, match=message):
        read_peaks(path)


def test_read_peaks_duplicate_error_says_how_to_fix(tmp_path):
    path = write(tmp_path / "p.bed", "chr1\t10\t20\ta\nchr1\t30\t40\ta\n")
    with pytest.raises(ValueError, match=r"set column 4 to '\.' to name peaks chrom_start_end"):
        read_peaks(path)


def test_read_peaks_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"absent\.bed: no such peak file"):
        read_peaks(tmp_path / "absent.bed")
    with pytest.raises(TypeError, match=r"path must be the path of the peak file .*NoneType"):
        read_peaks(None)


def test_check_peaks_errors():
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        check_peaks([("chr1", 1, 2)])
    with pytest.raises(ValueError, match="lacks the column"):
        check_peaks(pd.DataFrame({"chrom": ["chr1"], "begin": [1], "end": [2]}))


# ----------------------------------------------------------------------------- resizing


def test_resize_midpoint_even_and_odd():
    peaks = peaks_frame([("chr1", 100, 201, "a"), ("chr1", 1000, 1010, "b")])
    out = resize_intervals(peaks, 10)
    # centres floor((100 + 201) / 2) = 150 and 1005
    assert out["start"].tolist() == [145, 1000]
    assert out["end"].tolist() == [155, 1010]
    odd = resize_intervals(peaks, 7)
    assert (odd["end"] - odd["start"]).tolist() == [7, 7]
    assert odd["start"].tolist() == [147, 1002]
    assert out["orig_start"].tolist() == [100, 1000]
    assert out["orig_end"].tolist() == [201, 1010]
    assert out["name"].tolist() == ["a", "b"]


def test_resize_uses_summit_and_updates_it():
    peaks = peaks_frame(
        [("chr1", 100, 200, "a"), ("chr1", 300, 400, "b")],
        summit=pd.array([10, pd.NA], dtype="Int64"),
    )
    out = resize_intervals(peaks, 20)
    assert out["start"].tolist() == [100, 340]  # centres 110 and 350
    assert out["summit"].tolist() == [10, 10]


def test_resize_shifts_inside_chromosome():
    peaks = peaks_frame([("chr1", 0, 10, "a"), ("chr1", 990, 1000, "b"), ("chr2", 40, 60, "c")])
    out = resize_intervals(peaks, 100, {"chr1": 1000, "chr2": 5000})
    assert out["start"].tolist() == [0, 900, 0]
    assert out["end"].tolist() == [100, 1000, 100]
    # without sizes only 0 bounds the intervals
    free = resize_intervals(peaks, 100)
    assert free["start"].tolist() == [0, 945, 0]
    # resizing twice keeps the file coordinates
    again = resize_intervals(out, 50)
    assert again["orig_start"].tolist() == [0, 990, 40]


def test_resize_errors():
    peaks = peaks_frame([("chr1", 0, 10, "a"), ("chrM", 0, 10, "m")])
    with pytest.raises(ValueError, match=r"chromosome\(s\) 'chrM' are shorter than 100 bp"):
        resize_intervals(peaks, 100, {"chr1": 1000, "chrM": 50})
    with pytest.raises(ValueError, match=r"'chrM' of the peaks are not in chrom_sizes"):
        resize_intervals(peaks, 100, {"chr1": 1000})
    with pytest.raises(ValueError, match="size must be a positive integer"):
        resize_intervals(peaks, 0)
    with pytest.raises(ValueError, match="size must be a positive integer"):
        resize_intervals(peaks, 10.0)


# ----------------------------------------------------------------------------- merging


def test_merge_overlapping_and_bookended():
    peaks = peaks_frame(
        [
            ("chr2", 5, 10, "z"),
            ("chr1", 50, 60, "c"),
            ("chr1", 0, 10, "a"),
            ("chr1", 10, 20, "b"),  # book-ended with a
            ("chr1", 55, 58, "d"),  # inside c
            ("chr1", 61, 70, "e"),  # 1 bp gap: separate
        ]
    )
    merged = merge_overlapping(peaks)
    assert merged.to_dict("list") == {
        "chrom": ["chr2", "chr1", "chr1", "chr1"],
        "start": [5, 0, 50, 61],
        "end": [10, 20, 60, 70],
        "name": ["z", "a,b", "c,d", "e"],
    }


# ----------------------------------------------------------------------------- TSS


def test_read_tss_bed6_and_bed3(tmp_path):
    bed6 = write(tmp_path / "tss.bed", "chr1\t100\t200\tg1\t0\t+\nchr1\t500\t800\tg2\t0\t-\n")
    tss = read_tss(bed6)
    assert tss.to_dict("list") == {
        "chrom": ["chr1", "chr1"],
        "position": [100, 799],
        "strand": ["+", "-"],
        "name": ["g1", "g2"],
    }
    bed3 = write(tmp_path / "tss3.bed", "chr2\t40\t41\n")
    tss = read_tss(bed3)
    assert tss["position"].tolist() == [40]
    assert tss["name"].tolist() == ["chr2_40"]


GTF = (
    "#!genome-build test\n"
    'chr1\tsrc\tgene\t101\t300\t.\t+\t.\tgene_id "G1"; gene_name "Alpha";\n'
    'chr1\tsrc\ttranscript\t101\t300\t.\t+\t.\tgene_id "G1"; gene_name "Alpha";\n'
    'chr1\tsrc\texon\t101\t150\t.\t+\t.\tgene_id "G1"; gene_name "Alpha";\n'
    'chr1\tsrc\ttranscript\t151\t300\t.\t+\t.\tgene_id "G1"; gene_name "Alpha";\n'
    'chr2\tsrc\tgene\t1001\t2000\t.\t-\t.\tgene_id "G2";\n'
    'chr2\tsrc\ttranscript\t1001\t2000\t.\t-\t.\tgene_id "G2";\n'
)


def test_read_tss_gtf_prefers_transcripts(tmp_path):
    tss = read_tss(write(tmp_path / "genes.gtf.gz", GTF, gz=True))
    assert tss.to_dict("list") == {
        "chrom": ["chr1", "chr1", "chr2"],
        "position": [100, 150, 1999],  # 1-based start / end -> 0-based
        "strand": ["+", "+", "-"],
        "name": ["Alpha", "Alpha", "G2"],
    }


def test_read_tss_gff3_genes_detected_by_content(tmp_path):
    text = (
        "##gff-version 3\n"
        "chr3\tsrc\tgene\t11\t20\t.\t-\t.\tID=gene:ENSG1;Name=Beta\n"
        "chr3\tsrc\tgene\t31\t40\t.\t+\t.\tID=gene:ENSG2\n"
    )
    tss = read_tss(write(tmp_path / "genes.txt", text))
    assert tss["position"].tolist() == [19, 30]
    assert tss["name"].tolist() == ["Beta", "gene:ENSG2"]


def test_read_tss_gtf_without_genes(tmp_path):
    path = write(tmp_path / "x.gtf", 'chr1\tsrc\texon\t1\t10\t.\t+\t.\tgene_id "G";\n')
    with pytest.raises(ValueError, match=r"no 'transcript' or 'gene' rows.*'exon'"):
        read_tss(path)


def test_tss_distance_hand_computed():
    peaks = peaks_frame(
        [
            ("chr1", 100, 200, "inside"),  # TSS at 150
            ("chr1", 300, 400, "left"),  # TSS 150 -> 150, TSS 420 -> 21
            ("chr1", 1000, 1100, "after"),  # TSS 420 -> 580
            ("chr1", 10, 20, "before"),  # TSS 150 -> 131 (p - (end - 1))
            ("chr2", 0, 10, "no_tss"),
            ("chr1", 420, 421, "exact"),
        ]
    )
    tss = pd.DataFrame({"chrom": ["chr1", "chr1", "chr3"], "position": [420, 150, 5]})
    distance = tss_distance(peaks, tss)
    np.testing.assert_array_equal(distance[[0, 1, 2, 3, 5]], [0, 21, 580, 131, 0])
    assert np.isnan(distance[4])


def test_tss_distance_matches_brute_force(rng):
    starts = rng.integers(0, 10_000, 200)
    peaks = pd.DataFrame(
        {"chrom": "chr1", "start": starts, "end": starts + rng.integers(1, 300, 200)}
    ).drop_duplicates(["start", "end"])
    positions = rng.integers(0, 10_000, 30)
    tss = pd.DataFrame({"chrom": "chr1", "position": positions})
    expected = [
        min(0 if s <= p < e else (s - p if p < s else p - (e - 1)) for p in positions)
        for s, e in zip(peaks["start"], peaks["end"], strict=True)
    ]
    np.testing.assert_array_equal(tss_distance(peaks, tss), expected)


def test_read_narrowpeak_non_numeric_summit(tmp_path):
    path = write(tmp_path / "p.narrowPeak", "chr1\t100\t200\tp1\t0\t.\t3\t5\t4\tmid\n")
    with pytest.raises(ValueError, match=r"line 1: summit 'mid'"):
        read_peaks(path)


# ----------------------------------------------------------------------------- bad files

NARROW = "chr1\t{}\t{}\tp{}\t0\t.\t5\t3\t2\t{}\n"


def test_mixed_narrowpeak_and_bed_lines_is_an_error(tmp_path):
    """A file where only some lines have the 10 narrowPeak columns would lose every summit."""
    path = write(
        tmp_path / "peaks_ragged.bed",
        NARROW.format(0, 100, 1, 30)
        + NARROW.format(200, 300, 2, 40)
        + "chr1\t400\t500\tp3\n"
        + NARROW.format(600, 700, 4, 50)
        + "chr1\t800\t900\tp5\n",
    )
    with pytest.raises(
        ValueError,
        match=r"peaks_ragged\.bed: 3 of 5 lines have the 10 narrowPeak columns \(summit offset in "
        r"column 10\) but 2 do not \(line 3 has 4 columns: 'chr1\\t400\\t500\\tp3'; line 5 "
        r"has 4 columns: .*\); .*Give every line all 10 columns .*`cut -f1-6`",
    ):
        read_peaks(path)


def test_all_narrowpeak_or_all_bed_lines_are_fine(tmp_path):
    narrow = write(tmp_path / "a.narrowPeak", NARROW.format(0, 100, 1, 30))
    assert read_peaks(narrow)["summit"].tolist() == [30]
    mixed_bed = write(tmp_path / "b.bed", "chr1\t0\t10\nchr1\t20\t30\tp2\t0\t+\n")
    assert "summit" not in read_peaks(mixed_bed).columns


def test_binary_peak_file_names_the_file(tmp_path):
    path = tmp_path / "peaks_binary.bed"
    path.write_bytes(bytes([0xF8, 0x00, 0x01, 0x9C, 0x02]) * 100)
    with pytest.raises(
        ValueError,
        match=r"peaks_binary\.bed: not a text file \(byte 0xf8 at offset 0, line 1, is not UTF-8, "
        r"and the file looks binary\); pass the peak file as text",
    ):
        read_peaks(path)
    with pytest.raises(ValueError, match=r"peaks_binary\.bed: not a text file"):
        read_tss(path)


def test_gz_peak_file_that_is_not_gzip(tmp_path):
    path = write(tmp_path / "p.bed.gz", "chr1\t0\t10\n")
    with pytest.raises(
        ValueError, match=r"p\.bed\.gz: not a gzip file .*rename it to p\.bed, otherwise"
    ):
        read_peaks(path)


def test_latin1_gtf_names_the_line(tmp_path):
    line = 'chr1\tsrc\tgene\t10\t20\t.\t+\t.\tgene_name "G{}";\n'
    path = tmp_path / "genes.gtf"
    path.write_bytes((line.format("A") + line.format("É")).encode("latin-1"))
    with pytest.raises(
        ValueError, match=r"genes\.gtf: not UTF-8 text \(byte 0xc9 at offset \d+, line 2"
    ):
        read_tss(path)
