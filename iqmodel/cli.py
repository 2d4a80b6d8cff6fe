"""The ``iqmodel`` command line: normalize, fit, predict, report, iq-plot, motifs.

Exit codes: 0 success, 2 usage error (bad arguments, an unknown or invalid parameter in
``--config``/``--set``, a run folder that is not empty without ``--overwrite``), 1 data error
(a one-line message; ``--debug`` shows the traceback), 130 interrupted (Ctrl-C). Warnings
(peaks left out, a solver fallback...) print as ``iqmodel: warning: <message>`` lines on stderr,
with ``--quiet`` too; ``--debug`` keeps Python's warning format.

``iqmodel fit --out DIR`` writes the run into a hidden sibling folder and renames it to ``DIR``
only when complete, so ``DIR`` always holds one whole run (see
:func:`iqmodel.trajectory.write_run`). ``--config`` also takes the ``config.toml`` of an earlier
run: its ``[model]`` parameters and, unless ``--seed`` is given, its seed are used; its other
``[run]`` settings (inputs, states, split, size) are not, the command line gives those.
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from iqmodel.exceptions import IQModelWarning, import_optional

__all__ = ["UsageError", "main"]

log = logging.getLogger("iqmodel")


MIN_SIZE = 20
"""Shortest ``--size`` accepted, bp: shorter peaks cannot hold a motif and its context."""

_SEED_MAX = 2**32 - 1
_SIZE_WITH_TABLE = (
    "--size resizes --peaks; the sequences of --table are used as they are: drop --size"
)


class UsageError(ValueError):
    """A problem with how the command was called (exit code 2)."""


def _size(text: str) -> int:
    """``--size``: a peak width in bp, at least :data:`MIN_SIZE`."""
    try:
        size = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number of bp, got {text!r}") from None
    if size < 1:
        raise argparse.ArgumentTypeError(f"must be a positive number of bp, got {size}")
    if size < MIN_SIZE:
        raise argparse.ArgumentTypeError(
            f"peaks of {size} bp are too short to hold a motif; give at least {MIN_SIZE} bp"
        )
    return size


def _seed(text: str) -> int:
    """``--seed``: an integer in [0, 2**32 - 1]."""
    try:
        seed = int(text)
    except ValueError:
        seed = None
    if seed is None or not 0 <= seed <= _SEED_MAX:
        raise argparse.ArgumentTypeError(
            f"must be a whole number from 0 to {_SEED_MAX}, got {text!r}"
        )
    return seed


def _states(text: str) -> str | list[str]:
    states = [s for s in text.split(",") if s]
    return states[0] if len(states) == 1 else states


def _chroms(text: str) -> list[str]:
    return [c for c in text.split(",") if c]


def _add_signal(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("ATAC signal (give one)")
    group.add_argument("--counts", help="peaks x states counts table (TSV/CSV)")
    group.add_argument(
        "--bigwig", action="append", metavar="STATE=PATH", help="coverage bigWig of one state"
    )
    group.add_argument("--fragments", help="10x fragments.tsv.gz (with --barcodes)")
    group.add_argument("--barcodes", help="barcode -> state table for --fragments")
    group.add_argument(
        "--h5ad",
        help="AnnData .h5ad of single-cell counts (cells x peaks), summed per --groupby group; "
        "without --peaks its var holds the peaks",
    )
    group.add_argument("--groupby", help="obs column of --h5ad whose groups are the states")
    group.add_argument("--h5ad-layer", help="layer of --h5ad with the raw counts (default X)")
    group.add_argument(
        "--min-cells",
        type=int,
        help="drop --h5ad groups with fewer cells, with a warning (default 10)",
    )
    group.add_argument(
        "--window", type=int, default=20_000, help="regional window, bp (default 20000)"
    )


def _add_split(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--test-chroms", type=_chroms, help="comma-separated test chromosomes, e.g. chr9,chr18"
    )
    parser.add_argument(
        "--test-fraction", type=float, default=0.2, help="random test fraction (default 0.2)"
    )
    parser.add_argument(
        "--seed",
        type=_seed,
        help="random seed, 0 to 4294967295 (default: the seed of a run's --config, else drawn; "
        "recorded in config.toml)",
    )


def _add_sequences(parser: argparse.ArgumentParser, *, table_help: str) -> None:
    parser.add_argument("--table", help=table_help)
    parser.add_argument("--peaks", help="BED / narrowPeak / TSV peaks")
    parser.add_argument("--genome", help="genome FASTA (uncompressed or bgzip)")
    parser.add_argument(
        "--size",
        type=_size,
        help="peak width for --peaks, bp (fit: default 500; predict: default and only "
        "accepted value is the model's training width)",
    )


def _add_fit_data(parser: argparse.ArgumentParser) -> None:
    """Sequences and accessibility of a fit (``fit``, ``fit-multi``)."""
    _add_sequences(
        parser,
        table_help="TSV with a sequence column and one column per state, or a bundled example "
        "(mouse-atac); replaces --peaks/--genome/signal",
    )
    _add_signal(parser)
    parser.add_argument("--ap", help="AP table from `iqmodel normalize` instead of raw signal")


def _add_fit_run(parser: argparse.ArgumentParser, *, config_help: str) -> None:
    """Peak filter, split, parameters and output folder of a fit (``fit``, ``fit-multi``)."""
    parser.add_argument("--tss", help="TSS BED or GTF: remove peaks near a TSS (spec 7.4)")
    parser.add_argument("--min-tss-distance", type=float, default=5000, help="bp (default 5000)")
    _add_split(parser)
    parser.add_argument("--config", help=config_help)
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a parameter"
    )
    parser.add_argument("--no-figures", action="store_true", help="skip the report figures")
    parser.add_argument("--out", required=True, help="output folder (new or empty)")
    parser.add_argument(
        "--overwrite", action="store_true", help="replace --out if it holds an earlier run"
    )
    _add_dask(parser)


def _add_dask(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dask-scheduler",
        metavar="ADDRESS",
        help="compute motif energies on this Dask cluster (e.g. tcp://10.0.0.1:8786; "
        "needs iqmodel[dask]); results equal a local run",
    )


@contextmanager
def _on_dask(address: str | None) -> Iterator[None]:
    """Send the energy computations of a command to the Dask scheduler at ``address``."""
    if not address:
        yield
        return
    distributed = import_optional("distributed", "dask", "--dask-scheduler")
    import joblib

    try:
        client = distributed.Client(address, timeout="20s")
    except (OSError, ValueError) as error:
        raise UsageError(
            f"--dask-scheduler {address}: cannot connect ({error}); start a scheduler "
            "(`dask scheduler`) and workers (`dask worker ADDRESS --nthreads N`), and pass "
            "the address the scheduler prints"
        ) from None
    with client, joblib.parallel_config(backend="dask"):
        workers = client.scheduler_info()["workers"]
        threads = sum(w["nthreads"] for w in workers.values())
        log.info(
            "energies on the Dask cluster at %s: %d workers, %d threads",
            address,
            len(workers),
            threads,
        )
        yield


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``iqmodel`` command.

    ``--quiet`` and ``--debug`` go before or after the command; a command's parser leaves them
    unset unless given there (``default=SUPPRESS``), so ``iqmodel --debug fit`` keeps them.
    """

    def flags(default) -> argparse.ArgumentParser:
        flags = argparse.ArgumentParser(add_help=False)
        flags.add_argument(
            "--quiet",
            action="store_true",
            default=default,
            help="no progress or info messages (warnings still show)",
        )
        flags.add_argument(
            "--debug",
            action="store_true",
            default=default,
            help="show tracebacks of errors, and warnings in Python's format",
        )
        return flags

    common = flags(argparse.SUPPRESS)
    parser = argparse.ArgumentParser(
        prog="iqmodel",
        description="Interpretable models of chromatin accessibility from DNA sequence.",
        parents=[flags(False)],
    )
    from iqmodel import __version__

    parser.add_argument("--version", action="version", version=f"iqmodel {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    normalize = commands.add_parser(
        "normalize", parents=[common], help="ATAC signal -> access-probability (AP) table"
    )
    normalize.add_argument(
        "--peaks", help="BED / narrowPeak / TSV peaks (with --h5ad, default: its var)"
    )
    normalize.add_argument("--genome", help="FASTA, to keep resized peaks inside chromosomes")
    normalize.add_argument("--size", type=_size, default=500, help="peak width, bp (default 500)")
    _add_signal(normalize)
    normalize.add_argument("--constitutive", help="file with constitutive peak names, one a line")
    normalize.add_argument("--out", required=True, help="output AP table (TSV)")
    normalize.set_defaults(handler=_normalize)

    fit = commands.add_parser("fit", parents=[common], help="fit one trajectory model")
    _add_fit_data(fit)
    fit.add_argument("--start", required=True, type=_states, help="start state(s), comma list")
    fit.add_argument("--end", required=True, type=_states, help="end state(s), comma list")
    _add_fit_run(
        fit,
        config_help="TOML file of IQModel parameters, or the config.toml of an earlier run "
        "(its [model] parameters and seed)",
    )
    fit.set_defaults(handler=_fit)

    multi = commands.add_parser(
        "fit-multi",
        parents=[common],
        help="fit several trajectories with shared motifs (homogenization)",
    )
    _add_fit_data(multi)
    multi.add_argument(
        "--trajectories",
        required=True,
        help="comma-separated start:end state pairs, optionally named (meso=c1:c3); average "
        "states with + (c1+c2:c5)",
    )
    multi.add_argument(
        "--method",
        choices=["from-models", "fit"],
        default="from-models",
        help="from-models (default): one model per trajectory, then homogenized, with "
        "before/after statistics; fit: shared selection, faster, no 'before' models",
    )
    multi.add_argument(
        "--max-motifs", type=int, help="clusters of the first cut (default: see MultiIQModel)"
    )
    multi.add_argument(
        "--min-diff", type=float, default=0.1, help="distil on peaks with |dAP| > this (0.1)"
    )
    multi.add_argument(
        "--intra-cor-threshold",
        type=float,
        default=0.8,
        help="least mean pairwise r within a cluster (default 0.8)",
    )
    _add_fit_run(multi, config_help="TOML file of IQModel parameters for every trajectory")
    multi.set_defaults(handler=_fit_multi)

    predict = commands.add_parser("predict", parents=[common], help="predict dAP of peaks")
    predict.add_argument("--model", required=True, help="model.json of a fit")
    _add_dask(predict)
    _add_sequences(predict, table_help="TSV with a sequence column, or a bundled example")
    predict.add_argument("--out", required=True, help="output TSV (name, predicted)")
    predict.set_defaults(handler=_predict)

    report = commands.add_parser("report", parents=[common], help="model report of a fit run")
    report.add_argument("run", help="output directory of `iqmodel fit`")
    report.add_argument("--out", help="PDF or PNG (default RUN/report.pdf)")
    report.add_argument("--max-motifs", type=int, help="show at most this many motifs")
    report.set_defaults(handler=_report)

    iq = commands.add_parser("iq-plot", parents=[common], help="IQ-plot of one element")
    iq.add_argument("--model", required=True, help="model.json of a fit")
    iq.add_argument("--genome", help="genome FASTA (with --region)")
    iq.add_argument("--region", help="chr:start-end")
    iq.add_argument("--sequence", help="the sequence itself instead of --genome")
    iq.add_argument("--bigwig", action="append", metavar="STATE=PATH", help="ATAC track")
    iq.add_argument("--tss", help="TSS BED or GTF for the extended panel")
    iq.add_argument("--conservation", help="conservation bigWig")
    iq.add_argument("--motifs", type=_chroms, help="comma-separated motifs to show")
    iq.add_argument("--width", type=int, default=500, help="bp (default 500)")
    iq.add_argument("--out", required=True, help="PNG, PDF or SVG")
    iq.set_defaults(handler=_iq_plot)

    variants = commands.add_parser(
        "variants", parents=[common], help="score variants (VCF/BCF or TSV) with a model"
    )
    variants.add_argument("--model", required=True, help="model.json of a fit")
    variants.add_argument(
        "--vcf",
        required=True,
        help="VCF/BCF (plain or bgzip), or a TSV with columns chrom, pos (1-based), ref, alt[, id]",
    )
    variants.add_argument("--genome", required=True, help="genome FASTA (uncompressed or bgzip)")
    variants.add_argument(
        "--peaks", help="peaks (BED/narrowPeak/TSV): a variant in a peak is scored in its window"
    )
    variants.add_argument(
        "--n-null",
        type=int,
        default=100,
        help="shuffled-flank null variants per variant for the p-value (default 100; 0: none)",
    )
    variants.add_argument(
        "--seed", type=_seed, help="seed of the null shuffles (default: drawn, and logged)"
    )
    variants.add_argument(
        "--no-check-ref", action="store_true", help="do not compare REF with the genome"
    )
    variants.add_argument(
        "--skip-invalid",
        action="store_true",
        help="skip variants that cannot be scored instead of failing (see OUT.skipped.tsv)",
    )
    variants.add_argument(
        "--out", required=True, help="output TSV: a row per variant and trajectory"
    )
    variants.set_defaults(handler=_variants)

    ism = commands.add_parser(
        "ism", parents=[common], help="in-silico saturation mutagenesis of a region"
    )
    ism.add_argument("--model", required=True, help="model.json of a fit")
    ism.add_argument("--genome", required=True, help="genome FASTA (uncompressed or bgzip)")
    ism.add_argument(
        "--region",
        required=True,
        help="chr:start-end (0-based, half-open) to mutate; scored in the model-length window "
        "centred on it",
    )
    ism.add_argument("--decompose", action="store_true", help="add a column per model term")
    ism.add_argument("--figure", help="mutagenesis map (PNG, PDF or SVG)")
    ism.add_argument("--out", required=True, help="output TSV: a row per substitution")
    ism.set_defaults(handler=_ism)

    motifs = commands.add_parser("motifs", parents=[common], help="list or convert motif files")
    motif_commands = motifs.add_subparsers(dest="motif_command", required=True, metavar="ACTION")
    listing = motif_commands.add_parser(
        "list", parents=[common], help="list a database or motif file"
    )
    listing.add_argument(
        "source",
        nargs="?",
        default="jaspar2024",
        help="name or path (default jaspar2024); JASPAR releases: JASPAR2026, "
        "JASPAR2024:CORE:plants... (pyjaspar)",
    )
    listing.add_argument(
        "--available",
        action="store_true",
        help="list the databases instead: bundled, and JASPAR releases when pyjaspar is installed",
    )
    listing.set_defaults(handler=_motifs_list)
    convert = motif_commands.add_parser(
        "convert", parents=[common], help="convert between motif formats"
    )
    convert.add_argument("source", help="database name or motif file")
    convert.add_argument("out", help="output file; format from the extension")
    convert.set_defaults(handler=_motifs_convert)
    match = motif_commands.add_parser(
        "match", parents=[common], help="name a model's motifs by database match"
    )
    match.add_argument("model", help="model.json")
    match.add_argument("--db", default="jaspar2024", help="database name or file")
    match.set_defaults(handler=_motifs_match)
    return parser


# ---------------------------------------------------------------------------- commands


def _signal_args(args) -> dict:
    return {
        "counts": args.counts,
        "bigwigs": args.bigwig,
        "fragments": args.fragments,
        "barcodes": args.barcodes,
        "h5ad": args.h5ad,
        "groupby": args.groupby,
        "h5ad_layer": args.h5ad_layer,
        "min_cells": args.min_cells,
        "window": args.window,
    }


def _read_names(path) -> list[str]:
    return [line.strip() for line in Path(path).read_text().splitlines() if line.strip()]


def _normalize(args) -> None:
    from iqmodel.io._atomic import atomic_write_text, write_table
    from iqmodel.io.genome import Genome
    from iqmodel.io.intervals import read_peaks, resize_intervals
    from iqmodel.trajectory import normalize_signal, read_signal

    _check_signal(args)
    if not (args.peaks or args.h5ad):
        raise UsageError("give --peaks (or --h5ad, whose var holds the peaks)")
    if not (args.counts or args.bigwig or args.fragments or args.h5ad):
        raise UsageError("give the ATAC signal: --counts, --bigwig, --fragments or --h5ad")
    sizes = Genome(args.genome).chrom_sizes if args.genome else None
    if args.peaks:
        raw_peaks = read_peaks(args.peaks)
    else:
        from iqmodel.io.h5ad import h5ad_peaks

        raw_peaks = h5ad_peaks(args.h5ad)
    peaks = resize_intervals(raw_peaks, args.size, sizes).set_index("name", drop=False)
    signal = read_signal(peaks, progress=not args.quiet, **_signal_args(args))
    params = {"constitutive": _read_names(args.constitutive)} if args.constitutive else {}
    ap, normalizer = normalize_signal(signal, **params)
    table = peaks[["chrom", "start", "end"]].join(ap)
    table.index.name = "name"
    write_table(table, args.out, index=True)
    import json

    sidecar = Path(args.out).with_suffix(".normalizer.json")
    atomic_write_text(sidecar, json.dumps(normalizer.to_dict(), indent=1) + "\n")
    log.info("wrote %s and %s", args.out, sidecar)


def _resolved_params(args, seed: int, *, run_record: bool = False) -> dict:
    """IQModel parameters of a fit: defaults < --config < --set, then seed and verbosity.

    ``random_state`` is the seed unless set in the config or by ``--set``; for a run's own
    ``config.toml`` (``run_record``) an explicit ``--seed`` replaces the recorded one too.
    ``--quiet`` wins over a configured ``verbose``.
    """
    from iqmodel.config import model_params

    try:
        params = model_params(args.config, args.set)
    except (ValueError, FileNotFoundError) as error:
        raise UsageError(str(error)) from None
    explicit = set(args.set_keys)
    reseeded = run_record and args.seed is not None and "random_state" not in explicit
    if params.get("random_state") is None or reseeded:
        params["random_state"] = seed
    if "verbose" not in explicit:
        if args.quiet:
            params["verbose"] = 0
        elif not _config_has(args.config, "verbose"):
            params["verbose"] = 1
    return params


def _config_has(config, key: str) -> bool:
    if config is None:
        return False
    from iqmodel.config import read_config

    return key in read_config(config)


def _run_seed(args) -> tuple[int, bool]:
    """The seed of a fit (--seed, else a run record's seed, else drawn) and whether
    ``--config`` is a run record (a ``config.toml`` with a ``[run]`` table)."""
    from iqmodel.config import read_run_settings

    run = {}
    if args.config is not None:
        try:
            run = read_run_settings(args.config)
        except (ValueError, FileNotFoundError) as error:
            raise UsageError(str(error)) from None
    if run:
        log.info(
            "%s is the record of an earlier run: using its [model] parameters%s; its other "
            "[run] settings (inputs, states, split, size) are not applied",
            args.config,
            "" if args.seed is not None or "seed" not in run else f" and seed {run.get('seed')}",
        )
    if args.seed is not None:
        return args.seed, bool(run)
    if "seed" in run:
        seed = run["seed"]
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= _SEED_MAX:
            raise UsageError(
                f"config file {str(args.config)!r}: [run] seed must be a whole number from 0 "
                f"to {_SEED_MAX}, got {seed!r}; fix it or pass --seed"
            )
        return seed, True
    return int(np.random.SeedSequence().entropy % 2**31), bool(run)


def _check_out_folder(args) -> None:
    """Refuse an --out that is a file, or a non-empty folder without --overwrite."""
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(
            f"--out {out} is an existing file, not a folder; a run is written into a folder: "
            "give a new folder name"
        )
    here = Path.cwd().resolve()
    if out.is_dir() and (here == out.resolve() or out.resolve() in here.parents):
        raise UsageError(
            f"--out {out} is the current folder or holds it; a run folder is replaced as a "
            "whole: give a new folder name, e.g. --out run1"
        )
    if out.is_dir() and not args.overwrite and any(out.iterdir()):
        raise UsageError(
            f"--out {out} is a folder that is not empty (an earlier run?); give a new folder, "
            "or pass --overwrite to replace it"
        )


_SIGNAL_FLAGS = {
    "--counts": "counts",
    "--bigwig": "bigwig",
    "--fragments": "fragments",
    "--barcodes": "barcodes",
    "--h5ad": "h5ad",
    "--groupby": "groupby",
    "--h5ad-layer": "h5ad_layer",
    "--min-cells": "min_cells",
}
_SIGNAL_SOURCES = ("--counts", "--bigwig", "--fragments", "--h5ad")
_H5AD_OPTIONS = ("--groupby", "--h5ad-layer", "--min-cells")


def _check_signal(args) -> None:
    """At most one signal source; the AnnData options only with --h5ad, --groupby with it."""
    given = [flag for flag in _SIGNAL_SOURCES if getattr(args, _SIGNAL_FLAGS[flag])]
    if len(given) > 1:
        raise UsageError(f"give one ATAC signal, not {' and '.join(given)}")
    options = [flag for flag in _H5AD_OPTIONS if getattr(args, _SIGNAL_FLAGS[flag]) is not None]
    if options and not args.h5ad:
        raise UsageError(f"{', '.join(options)} go with --h5ad; drop them or add --h5ad FILE")
    if args.h5ad and not args.groupby:
        raise UsageError(
            "--h5ad needs --groupby COLUMN, the obs column whose groups are the states "
            "(e.g. the cluster or cell-type column)"
        )
    if args.min_cells is not None and args.min_cells < 1:
        raise UsageError(f"--min-cells must be at least 1, got {args.min_cells}")


def _check_fit_inputs(args) -> None:
    if args.table and (args.peaks or args.genome):
        raise UsageError("give either --table or --peaks with --genome, not both")
    if not args.table and not (args.genome and (args.peaks or (args.h5ad and not args.ap))):
        raise UsageError(
            "give --table (or a bundled example), or --peaks and --genome (or --h5ad and "
            "--genome: the peaks are then the AnnData's var)"
        )
    signal = [flag for flag, value in _SIGNAL_FLAGS.items() if getattr(args, value) is not None]
    if (args.table or args.ap) and signal:
        source = "--table" if args.table else "--ap"
        raise UsageError(f"{source} already holds the accessibility; drop {', '.join(signal)}")
    if not (args.table or args.ap or signal):
        raise UsageError("give the ATAC signal: --counts, --bigwig, --fragments, --h5ad or --ap")
    _check_signal(args)
    if args.test_chroms and args.test_fraction != 0.2:
        raise UsageError("give either --test-chroms or --test-fraction, not both")
    if args.table and args.size is not None:
        raise UsageError(_SIZE_WITH_TABLE)


def _load_data(args, start, end, seed: int):
    """The peaks, sequences, dAP and split of a fit (``--table`` or files); and the split
    settings."""
    from iqmodel.trajectory import load_table_trajectory, load_trajectory, read_ap_table

    split = {
        "test_chroms": args.test_chroms,
        "test_fraction": 0.0 if args.test_chroms else args.test_fraction,
        "random_state": seed,
    }
    if args.table:
        return load_table_trajectory(args.table, start, end, **split), split
    data = load_trajectory(
        args.peaks,
        args.genome,
        start,
        end,
        ap=read_ap_table(args.ap) if args.ap else None,
        size=_fit_size(args),
        tss=args.tss,
        min_tss_distance=args.min_tss_distance,
        progress=not args.quiet,
        **split,
        **({} if args.ap else _signal_args(args)),
    )
    return data, split


def _fit_size(args) -> int:
    return args.size if args.size is not None else 500


def _run_inputs(args, split: dict) -> dict:
    """The inputs and split of a fit, for the ``[run]`` table of its config.toml."""
    return {
        "table": args.table,
        "peaks": args.peaks,
        "genome": args.genome,
        "size": None if args.table else _fit_size(args),
        "tss": args.tss,
        "min_tss_distance": args.min_tss_distance if args.tss else None,
        "test_chroms": args.test_chroms,
        "test_fraction": split["test_fraction"],
        **{k: v for k, v in _signal_args(args).items() if k != "window"},
        "window": args.window if (args.bigwig or args.fragments) else None,
        "min_cells": args.min_cells if args.h5ad else None,
        "ap": args.ap,
    }


def _fit(args) -> None:
    from iqmodel import __version__
    from iqmodel.trajectory import fit_trajectory, write_run

    _check_fit_inputs(args)
    _check_out_folder(args)
    args.set_keys = [text.partition("=")[0].strip() for text in args.set]
    seed, run_record = _run_seed(args)
    params = _resolved_params(args, seed, run_record=run_record)
    data, split = _load_data(args, args.start, args.end, seed)
    n_test = int((data.split == "test").sum())
    log.info("fitting on %d peaks (%d held out)", len(data.split) - n_test, n_test)
    model, predictions, metrics = fit_trajectory(data, params)
    metrics = {"iqmodel_version": __version__, "seed": seed, **metrics}
    config = {
        "run": {
            "iqmodel_version": __version__,
            "seed": seed,
            "start": args.start,
            "end": args.end,
            **_run_inputs(args, split),
        },
        "model": {k: v for k, v in params.items() if isinstance(v, (str, int, float, bool))},
    }
    write_run(
        args.out,
        model,
        data,
        predictions,
        metrics,
        config,
        figures=not args.no_figures,
        overwrite=args.overwrite,
    )
    shown = metrics.get("test", metrics["train"])
    label = "held-out" if "test" in metrics else "training"
    n_motifs = len(model.motifs_)
    print(
        f"{n_motifs} motif{'s' if n_motifs != 1 else ''}; {label} R^2 = {shown['r2']:.3f} "
        f"(Pearson r^2 = {shown['pearson_r2']:.3f}, n = {shown['n']}); wrote {args.out}"
    )


def _fit_multi(args) -> None:
    from iqmodel import __version__
    from iqmodel.multi_run import (
        fit_multi_trajectory,
        multi_trajectory,
        parse_trajectory_pairs,
        write_multi_run,
    )

    try:
        pairs = parse_trajectory_pairs(args.trajectories)
    except ValueError as error:
        raise UsageError(f"--trajectories: {error}") from None
    _check_fit_inputs(args)
    _check_out_folder(args)
    args.set_keys = [text.partition("=")[0].strip() for text in args.set]
    seed, run_record = _run_seed(args)
    params = _resolved_params(args, seed, run_record=run_record)
    multi_params = {
        "max_motifs": args.max_motifs,
        "min_diff": args.min_diff,
        "intra_cor_threshold": args.intra_cor_threshold,
    }
    data, split = _load_data(args, pairs[0].start, pairs[0].end, seed)
    run = multi_trajectory(data, pairs)
    n_test = int((data.split == "test").sum())
    log.info(
        "fitting %d trajectories on %d peaks (%d held out)",
        len(pairs),
        len(data.split) - n_test,
        n_test,
    )
    model, predictions, metrics = fit_multi_trajectory(
        run, params, multi_params, method=args.method
    )
    metrics = {"iqmodel_version": __version__, "seed": seed, **metrics}
    config = {
        "run": {
            "iqmodel_version": __version__,
            "seed": seed,
            "trajectories": args.trajectories,
            "method": args.method,
            **{k: v for k, v in multi_params.items() if v is not None},
            **_run_inputs(args, split),
        },
        "model": {k: v for k, v in params.items() if isinstance(v, (str, int, float, bool))},
    }
    write_multi_run(
        args.out,
        model,
        run,
        predictions,
        metrics,
        config,
        figures=not args.no_figures,
        overwrite=args.overwrite,
    )
    stats = model.stats_
    part = "test" if n_test else "train"
    means = stats.groupby("type")[f"r2_{part}"].mean()
    shown = ", ".join(
        f"{kind} {means[kind]:.3f}" for kind in ("before", "after", "full") if kind in means
    )
    print(
        f"{len(model.motifs_)} shared motifs for {len(pairs)} trajectories; mean "
        f"{'held-out' if n_test else 'training'} R^2: {shown}; wrote {args.out}"
    )


def _sequences_for_prediction(args, model) -> tuple[list, list[str]]:
    """Names and sequences to predict, checked against the model's training length."""
    trained = getattr(model, "seq_length_", None) or None  # absent in early model files
    if bool(args.table) == bool(args.peaks or args.genome):
        raise UsageError("give either --table, or --peaks with --genome")
    if args.table:
        if args.size is not None:
            raise UsageError(_SIZE_WITH_TABLE)
        from iqmodel.trajectory import read_sequence_table

        frame = read_sequence_table(args.table)
        sequences = [s.upper() for s in frame["sequence"]]
        _check_table_lengths(args.table, list(frame.index), sequences, trained)
        return list(frame.index), sequences
    if not (args.peaks and args.genome):
        raise UsageError("--peaks needs --genome")
    if args.size is not None and trained is not None and args.size != trained:
        raise UsageError(
            f"--size {args.size} differs from the {trained} bp the model {args.model} was "
            f"trained on, and its predictions hold only for {trained}-bp sequences; omit --size "
            f"(peaks are then resized to {trained} bp)"
        )
    from iqmodel.io.genome import Genome, extract_sequences
    from iqmodel.io.intervals import read_peaks, resize_intervals

    size = args.size or trained or 500
    genome = Genome(args.genome)
    peaks = resize_intervals(read_peaks(args.peaks), size, genome.chrom_sizes)
    return list(peaks["name"]), extract_sequences(genome, peaks)


def _check_table_lengths(table, names: list, sequences: list[str], trained: int | None) -> None:
    if trained is None:
        return
    wrong = [(name, len(seq)) for name, seq in zip(names, sequences, strict=True)]
    wrong = [(name, length) for name, length in wrong if length != trained]
    if wrong:
        lengths = sorted({length for _, length in wrong})
        shown = ", ".join(f"{length} bp" for length in lengths[:5])
        name, length = wrong[0]
        raise ValueError(
            f"{table}: {len(wrong)} of {len(sequences)} sequences are not {trained} bp, the "
            f"length the model was trained on (found {shown}; e.g. {name!r} is {length} bp); "
            f"resize the sequences to {trained} bp, e.g. predict from --peaks with --genome"
        )


def _predict(args) -> None:
    import pandas as pd

    from iqmodel import load_model
    from iqmodel.io._atomic import write_table

    model = load_model(args.model)
    names, sequences = _sequences_for_prediction(args, model)
    table = pd.DataFrame({"name": names, "predicted": model.predict(sequences)})
    write_table(table, args.out)
    log.info("wrote %d predictions to %s", len(table), args.out)


def _report(args) -> None:
    import pandas as pd

    from iqmodel import load_model
    from iqmodel.plot import report

    run = Path(args.run)
    for needed in ("model.json", "data.tsv.gz"):
        if not (run / needed).is_file():
            raise FileNotFoundError(f"{run / needed} is missing; is {run} an `iqmodel fit` run?")
    model = load_model(run / "model.json")
    data = pd.read_csv(run / "data.tsv.gz", sep="\t")
    train = data[data["split"] == "train"]
    test = data[data["split"] == "test"]
    out = Path(args.out) if args.out else run / "report.pdf"
    report(
        model,
        train["sequence"].tolist(),
        train["dap"].to_numpy(),
        test_seqs=test["sequence"].tolist() if len(test) else None,
        test_dap=test["dap"].to_numpy() if len(test) else None,
        path=out,
        max_motifs=args.max_motifs,
    )
    log.info("wrote %s", out)


def _iq_plot(args) -> None:
    from iqmodel import load_model
    from iqmodel.io._atomic import atomic_write
    from iqmodel.plot import iq_plot
    from iqmodel.trajectory import parse_tracks

    if not args.sequence and not (args.genome and args.region):
        raise UsageError("give --genome with --region, or --sequence")
    model = load_model(args.model)
    figure = iq_plot(
        model,
        args.sequence,
        genome=args.genome,
        region=args.region,
        tracks=parse_tracks(args.bigwig) if args.bigwig else None,
        tss=args.tss,
        conservation=args.conservation,
        width=args.width,
        motifs=args.motifs,
    )
    out = Path(args.out)
    suffix = out.suffix.lstrip(".").lower() or "png"
    atomic_write(out, lambda tmp: figure.savefig(tmp, format=suffix, dpi=150, bbox_inches="tight"))
    log.info("wrote %s", out)


def _variant_input(path: str):
    """A TSV variant table as a DataFrame; anything else is passed on as a VCF/BCF path."""
    if path.lower().removesuffix(".gz").endswith((".tsv", ".txt")):
        import pandas as pd

        from iqmodel.io._atomic import open_text

        with open_text(path, argument="--vcf", what="variant table") as handle:
            return pd.read_csv(handle, sep="\t", dtype={"chrom": str})
    return path


def _variants(args) -> None:
    from iqmodel import load_model
    from iqmodel.io._atomic import write_table
    from iqmodel.variants import score_variants

    if args.n_null < 0:
        raise UsageError(f"--n-null must be 0 or more, got {args.n_null}")
    seed = args.seed if args.seed is not None else int(np.random.SeedSequence().entropy % 2**31)
    model = load_model(args.model)
    scores = score_variants(
        model,
        _variant_input(args.vcf),
        args.genome,
        peaks=args.peaks,
        check_ref=not args.no_check_ref,
        on_invalid="skip" if args.skip_invalid else "raise",
        n_null=args.n_null,
        random_state=seed,
        progress=not args.quiet,
    )
    skipped_path = f"{args.out.removesuffix('.gz').removesuffix('.tsv')}.skipped.tsv"
    write_table(scores.effects, args.out)
    write_table(scores.skipped, skipped_path)
    log.info(
        "scored %d variants (null seed %d), skipped %d; wrote %s and %s",
        scores.effects[["chrom", "pos", "ref", "alt"]].drop_duplicates().shape[0],
        seed,
        len(scores.skipped),
        args.out,
        skipped_path,
    )


def _ism(args) -> None:
    from iqmodel import load_model
    from iqmodel.io._atomic import atomic_write, write_table
    from iqmodel.io.genome import Genome
    from iqmodel.plot.iq_plot import parse_region
    from iqmodel.variants import saturation_mutagenesis

    chrom, start, end = parse_region(args.region)
    model = load_model(args.model)
    width = model.seq_length_
    begin = (start + end) // 2 - width // 2
    with Genome(args.genome) as genome:
        seq = genome.fetch(chrom, begin, begin + width)
    first, last = max(start - begin, 0), min(end - begin, width)
    ism = saturation_mutagenesis(model, seq, start=first, end=last, decompose=args.decompose)
    table = ism.table
    table.insert(0, "pos", begin + table["position"] + 1)
    table.insert(0, "chrom", chrom)
    write_table(table, args.out)
    log.info("wrote %d substitutions of %s:%d-%d to %s", len(table), chrom, start, end, args.out)
    if args.figure:
        from iqmodel.plot.variants import mutagenesis_map

        trajectory = table["trajectory"].iloc[0] if "trajectory" in table.columns else None
        ax = mutagenesis_map(ism, trajectory=trajectory)
        ax.set_title(f"{chrom}:{begin + first}-{begin + last}: effect of each substitution")
        figure = ax.figure
        out = Path(args.figure)
        suffix = out.suffix.lstrip(".").lower() or "png"
        atomic_write(
            out, lambda tmp: figure.savefig(tmp, format=suffix, dpi=150, bbox_inches="tight")
        )
        log.info("wrote %s", out)


def _motifs_list(args) -> None:
    from iqmodel.io import load_motif_db

    if args.available:
        _list_databases()
        return
    for motif in load_motif_db(args.source):
        print(f"{motif.name}\t{motif.alt_name or ''}\t{motif.length}\t{motif.consensus()}")


def _list_databases() -> None:
    """Print the motif databases by name: ``NAME<TAB>PROVIDER<TAB>CONTENT`` lines."""
    from iqmodel.io import bundled_motif_dbs
    from iqmodel.io.jaspar_releases import jaspar_collections, jaspar_releases

    bundled = bundled_motif_dbs()
    for name, file_name in bundled.items():
        print(f"{name}\tbundled\t{file_name}")
    releases = jaspar_releases()
    if not releases:
        print("JASPAR<YEAR>\tpyjaspar\tnot installed: pip install 'iqmodel[jaspar]'")
    for release in releases:
        if release.lower() not in bundled:  # a bundled name reads the bundled file
            print(f"{release}\tpyjaspar\tCORE vertebrates, as {release}:CORE:vertebrates")
        for collection, taxa in jaspar_collections(release).items():
            print(f"{release}:{collection}\tpyjaspar\tadd :TAX_GROUP, one of {', '.join(taxa)}")


def _motifs_convert(args) -> None:
    from iqmodel.io import load_motif_db, write_motifs

    motifs = load_motif_db(args.source)
    write_motifs(motifs, args.out)
    log.info("wrote %d motifs to %s", len(motifs), args.out)


def _motifs_match(args) -> None:
    from iqmodel import load_model
    from iqmodel.interpret import name_motifs

    table = name_motifs(load_model(args.model), args.db)
    print(table.to_csv(sep="\t", index=False, float_format="%.3f"), end="")


# ---------------------------------------------------------------------------- entry point


def _configure_logging(quiet: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("iqmodel: %(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(logging.WARNING if quiet else logging.INFO)
    log.propagate = False


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """``warnings.showwarning`` of a command: one line, ``iqmodel: warning: <message>``.

    Warnings from other packages (numpy, glum...) name their class at the end.
    """
    text = " ".join(part.strip() for part in str(message).splitlines() if part.strip())
    if not issubclass(category, IQModelWarning):
        text += f" ({category.__name__})"
    stream = sys.stderr if file is None else file
    if stream is None:  # pythonw: no console
        return
    try:
        stream.write(f"iqmodel: warning: {text}\n")
    except OSError:  # stderr closed or gone: the warning is lost, the command goes on
        pass


def main(argv=None) -> int:
    """Run the ``iqmodel`` command; returns the exit code (0 ok, 1 data error, 2 usage).

    Warnings raised by the command go to stderr as ``iqmodel: warning: <message>`` lines, with
    ``--quiet`` too (they are not progress); ``--debug`` keeps Python's format (file and
    line). The warning filters (``-W``, ``PYTHONWARNINGS``) apply as usual; both are restored
    when the command ends.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after ``iqmodel`` (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code: 0 success, 1 data error, 2 usage error, 130 interrupted.

    Examples
    --------
    >>> import contextlib
    >>> import io
    >>> listing = io.StringIO()
    >>> with contextlib.redirect_stdout(listing):
    ...     code = main(["motifs", "list", "jaspar2024"])
    >>> lines = listing.getvalue().splitlines()
    >>> code, len(lines), lines[0].split("\\t")
    (0, 879, ['MA0004.1', 'Arnt', '6', 'CACGTG'])

    A missing required option is a usage error (the message goes to stderr):

    >>> with contextlib.redirect_stderr(io.StringIO()):
    ...     main(["fit"])
    2
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    _configure_logging(args.quiet)
    with warnings.catch_warnings():
        if not args.debug:
            warnings.showwarning = _show_warning
        return _run(parser, args)


def _run(parser: argparse.ArgumentParser, args) -> int:
    """The command of ``args``, its errors turned into messages and exit codes."""
    try:
        with _on_dask(getattr(args, "dask_scheduler", None)):
            args.handler(args)
    except UsageError as error:
        if args.debug:
            raise
        parser.print_usage(sys.stderr)
        print(f"iqmodel: error: {error}", file=sys.stderr)
        return 2
    except (ValueError, TypeError, KeyError, OSError, RuntimeError, Warning) as error:
        # a Warning here was made an error by a filter (python -W error, PYTHONWARNINGS)
        if args.debug:
            raise
        message = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        print(f"iqmodel: error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        if args.debug:
            raise
        print("iqmodel: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
