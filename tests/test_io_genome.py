from __future__ import annotations

import gzip
import os

import pandas as pd
import pytest

from iqmodel.io.genome import Genome, extract_sequences

FASTA = ">chr1 first\nACGTacgtAC\nGTNNacgtTT\nGG\n>chr2\nAAAACCCCgg\nTT\n"
CHR1 = "ACGTacgtACGTNNacgtTTGG"
CHR2 = "AAAACCCCggTT"


@pytest.fixture
def fasta(tmp_path):
    path = tmp_path / "genome.fa"
    path.write_text(FASTA)
    return path


def test_fetch_upper_cases_soft_masked_bases(fasta):
    with Genome(fasta) as genome:
        assert genome.chrom_sizes == {"chr1": 22, "chr2": 12}
        assert genome.fetch("chr1", 0, 22) == CHR1.upper()
        assert genome.fetch("chr1", 8, 14) == "ACGTNN"
        assert genome.fetch("chr2", 9, 12) == "GTT"
        assert "chr2" in genome
        assert len(genome) == 2
    assert (fasta.parent / "genome.fa.fai").exists()


def test_soft_mask_n(fasta):
    with Genome(fasta, soft_mask="N") as genome:
        assert genome.fetch("chr1", 0, 10) == "ACGTNNNNAC"
        assert genome.fetch("chr2", 6, 12) == "CCNNTT"


def test_fetch_errors(fasta):
    genome = Genome(fasta)
    with pytest.raises(ValueError, match=r"'1' is not in genome.fa .*did you mean 'chr1'"):
        genome.fetch("1", 0, 5)
    with pytest.raises(ValueError, match=r"'chr3' is not in .*2 sequences: 'chr1', 'chr2'"):
        genome.fetch("chr3", 0, 5)
    with pytest.raises(ValueError, match=r"chr1:10-30 ends past the end of chr1 \(length 22 bp\)"):
        genome.fetch("chr1", 10, 30)
    with pytest.raises(ValueError, match=r"chr1:-1-5 has a negative start"):
        genome.fetch("chr1", -1, 5)
    with pytest.raises(ValueError, match=r"chr1:5-5 is empty"):
        genome.fetch("chr1", 5, 5)
    genome.close()
    genome.close()
    with pytest.raises(ValueError, match="is closed"):
        genome.fetch("chr1", 0, 5)


def test_open_errors(tmp_path, fasta):
    with pytest.raises(FileNotFoundError, match="no such FASTA file"):
        Genome(tmp_path / "absent.fa")
    with pytest.raises(ValueError, match="soft_mask must be one of"):
        Genome(fasta, soft_mask="lower")
    gz = tmp_path / "genome.fa.gz"
    with gzip.open(gz, "wt") as handle:
        handle.write(FASTA)
    with pytest.raises(ValueError, match=r"plain gzip.*gunzip -k genome.fa.gz.*bgzip"):
        Genome(gz)


def test_read_only_folder_indexes_in_temporary_folder(fasta, monkeypatch):
    monkeypatch.setattr("iqmodel.io.genome.os.access", lambda *args: False)
    genome = Genome(fasta)
    assert genome.fetch("chr2", 0, 4) == "AAAA"
    assert not (fasta.parent / "genome.fa.fai").exists()
    index_folder = genome._tmpdir
    assert os.path.exists(os.path.join(index_folder, "genome.fa.fai"))
    genome.close()
    assert not os.path.exists(index_folder)


def test_extract_sequences_and_all_bad_rows(fasta):
    peaks = pd.DataFrame(
        {"chrom": ["chr1", "chr2"], "start": [2, 0], "end": [6, 3], "name": ["a", "b"]}
    )
    with Genome(fasta) as genome:
        assert extract_sequences(genome, peaks) == ["GTAC", "AAA"]
        bad = pd.DataFrame(
            {
                "chrom": ["chr1", "chrZ", "chr2", "chr2"],
                "start": [0, 0, 10, 0],
                "end": [5, 5, 20, 5],
                "name": ["ok", "p_chrom", "p_end", "ok2"],
            }
        )
        with pytest.raises(
            ValueError,
            match=r"2 of 4 intervals cannot be extracted from genome.fa: 'p_chrom': chromosome "
            r"'chrZ' is not in .*'p_end': chr2:10-20 ends past the end of chr2 \(length 12 bp\)",
        ):
            extract_sequences(genome, bad)
    assert extract_sequences(fasta, peaks) == ["GTAC", "AAA"]


def test_real_gzip_genome(shared_data, tmp_path):
    source = shared_data / "genome" / "sacCer3_chrIV.fa.gz"
    with pytest.raises(ValueError, match="plain gzip"):
        Genome(source)
    with gzip.open(source, "rt") as handle:
        text = handle.read()
    plain = tmp_path / "sacCer3_chrIV.fa"
    plain.write_text(text)
    sequence = "".join(text.splitlines()[1:])
    with Genome(plain) as genome:
        assert genome.chrom_sizes == {"chrIV": 1_531_933}
        assert genome.fetch("chrIV", 1_000_000, 1_000_300) == sequence[1_000_000:1_000_300].upper()
        with pytest.raises(ValueError, match=r"did you mean 'chrIV'"):
            genome.fetch("IV", 0, 10)
        with pytest.raises(ValueError, match=r"length 1531933 bp"):
            genome.fetch("chrIV", 1_531_900, 1_532_000)


def test_bgzip_fasta_is_read(tmp_path):
    from Bio import bgzf

    path = tmp_path / "genome.fa.gz"
    with bgzf.BgzfWriter(str(path), "wb") as out:
        out.write(FASTA.encode())
    with Genome(path) as genome:
        assert genome.chrom_sizes == {"chr1": 22, "chr2": 12}
        assert genome.fetch("chr1", 8, 14) == "ACGTNN"
