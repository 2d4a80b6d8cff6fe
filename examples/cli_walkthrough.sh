#!/usr/bin/env bash
# The iqmodel command line on bundled real data: 1,000 mouse ATAC peaks with accessibility in
# five cell states (values already normalised, so `fit --table` skips the AP step).
# Run from the repository root after `pip install -e .`:  bash examples/cli_walkthrough.sh
set -euo pipefail
out=runs/mouse_c1_c3

# fit the c1 -> c3 trajectory: model.json, metrics.json, predictions.tsv, config.toml,
# report.pdf and prediction_scatter.png in $out (20 % of the peaks held out)
iqmodel fit --table mouse-atac --start c1 --end c3 --seed 1 --out "$out" --overwrite

# parameters can come from a TOML file and --set overrides (unknown keys are errors)
printf 'n_motifs = 10\nglm_lambda = "cv"\n' > "$out.toml"
iqmodel fit --table mouse-atac --start c1 --end c3 --seed 1 --config "$out.toml" \
    --set interactions=true --no-figures --out "${out}_small" --overwrite --quiet

# predictions of the saved model for any table of sequences (or --peaks with --genome)
iqmodel predict --model "$out/model.json" --table mouse-atac --out "$out/all_predictions.tsv"

# the report again (e.g. as PNG pages), the database names of the learned motifs,
# and an IQ-plot of the first peak
iqmodel report "$out" --out "$out/report.png"
iqmodel motifs match "$out/model.json"
seq=$(zcat iqmodel/data/mouse_atac_example.tsv.gz | awk -F'\t' 'NR == 2 {print $2}')
iqmodel iq-plot --model "$out/model.json" --sequence "$seq" --out "$out/iq_plot_peak1.png"
