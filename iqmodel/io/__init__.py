r"""Readers and writers: motif files and databases, genomes, peaks, ATAC signal (incl. AnnData).

Coordinates are 0-based and half-open (``[start, end)``, as in BED) everywhere except in
variant tables, whose ``pos`` is 1-based as in VCF. Text files may be gzipped; files are
written atomically (temporary file in the same folder, then renamed).

Motifs
    :func:`load_motif_db` (the bundled JASPAR 2024 vertebrates, any motif file, or a
    JASPAR release through pyjaspar: :func:`load_jaspar`, :func:`jaspar_releases`),
    :func:`read_motifs` / :func:`write_motifs` (MEME, JASPAR/PFM, HOMER, long tables) and
    the per-format readers and writers, :func:`motifs_from_table` / :func:`motifs_to_table`.
Genome and peaks
    :class:`Genome` (indexed FASTA), :func:`extract_sequences`, :func:`read_peaks`,
    :func:`check_peaks`, :func:`resize_intervals`, :func:`merge_overlapping`,
    :func:`read_tss`, :func:`tss_distance`.
ATAC signal (peaks x states)
    :func:`bigwig_signal`, :func:`fragment_counts` (both return a :class:`TrackSignal`),
    :func:`read_counts_table`, :func:`read_h5ad_pseudobulk`, :func:`h5ad_peaks`,
    :func:`parse_peak_names`.

Variant files are read by :func:`iqmodel.io.vcf.read_vcf` and model files by
:mod:`iqmodel.io.model_file`.

Examples
--------
Peaks resized to the model length and their sequences fetched from a genome:

>>> import pathlib, tempfile
>>> import pandas as pd
>>> from iqmodel.io import Genome, extract_sequences, resize_intervals
>>> peaks = pd.DataFrame({"chrom": ["chr1"], "start": [2], "end": [6], "name": ["p1"]})
>>> with tempfile.TemporaryDirectory() as folder:
...     fasta = pathlib.Path(folder, "tiny.fa")
...     _ = fasta.write_text(">chr1\nACGTACGTAA\n")
...     with Genome(fasta) as genome:
...         windows = resize_intervals(peaks, 8, chrom_sizes=genome.chrom_sizes)
...         print(extract_sequences(genome, windows))
['ACGTACGT']
"""

from __future__ import annotations

from iqmodel.io.motif_files import (
    bundled_motif_dbs,
    load_motif_db,
    motifs_from_table,
    motifs_to_table,
    read_homer,
    read_jaspar,
    read_meme,
    read_motif_table,
    read_motifs,
    write_homer,
    write_jaspar,
    write_meme,
    write_motif_table,
    write_motifs,
)

__all__ = [
    "bundled_motif_dbs",
    "load_motif_db",
    "motifs_from_table",
    "motifs_to_table",
    "read_homer",
    "read_jaspar",
    "read_meme",
    "read_motif_table",
    "read_motifs",
    "write_homer",
    "write_jaspar",
    "write_meme",
    "write_motif_table",
    "write_motifs",
]

# Genome, peak and ATAC-signal readers (for the `iqmodel fit` pipeline).
from iqmodel.io.genome import Genome, extract_sequences
from iqmodel.io.h5ad import h5ad_peaks, parse_peak_names, read_h5ad_pseudobulk
from iqmodel.io.intervals import (
    check_peaks,
    merge_overlapping,
    read_peaks,
    read_tss,
    resize_intervals,
    tss_distance,
)
from iqmodel.io.jaspar_releases import jaspar_releases, load_jaspar
from iqmodel.io.tracks import (
    TrackSignal,
    bigwig_signal,
    fragment_counts,
    read_counts_table,
)

__all__ += [
    "Genome",
    "TrackSignal",
    "bigwig_signal",
    "check_peaks",
    "extract_sequences",
    "fragment_counts",
    "h5ad_peaks",
    "jaspar_releases",
    "load_jaspar",
    "merge_overlapping",
    "parse_peak_names",
    "read_counts_table",
    "read_h5ad_pseudobulk",
    "read_peaks",
    "read_tss",
    "resize_intervals",
    "tss_distance",
]
