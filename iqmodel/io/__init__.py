"""Readers and writers: motif files and bundled motif databases."""

from __future__ import annotations

from iqmodel.io.motif_files import (
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
from iqmodel.io.intervals import (
    check_peaks,
    merge_overlapping,
    read_peaks,
    read_tss,
    resize_intervals,
    tss_distance,
)
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
    "merge_overlapping",
    "read_counts_table",
    "read_peaks",
    "read_tss",
    "resize_intervals",
    "tss_distance",
]
