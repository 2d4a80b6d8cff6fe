"""Readers and writers: motif files and databases, genomes, peaks, ATAC signal (incl. AnnData)."""

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
