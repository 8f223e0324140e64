#!/usr/bin/env bash
# Draws the plots of a finished examples/budget_sweep run with gnuplot (Debian's gnuplot-nox):
#   OUT/accuracy.png  test accuracy against budget, one line per schedule (mean ± std over seeds)
#   OUT/lr.png        learning rate against step for each schedule at one budget fraction
#   usage: scripts/plot_sweep.sh OUT [MODEL] [FRACTION]
# MODEL defaults to the first model in OUT/summary.csv, FRACTION to the largest (the full
# budget); the learning-rate curves are those of seed 0.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 3 ]]; then
    echo "usage: scripts/plot_sweep.sh OUT [MODEL] [FRACTION]" >&2
    exit 2
fi
out="$1"
summary="$out/summary.csv"
if [[ ! -s "$summary" ]]; then
    echo "plot_sweep: expected $summary, written by examples/budget_sweep --out $out; got none" >&2
    exit 1
fi
if ! command -v gnuplot > /dev/null; then
    echo "plot_sweep: expected gnuplot; run apt-get install gnuplot-nox" >&2
    exit 1
fi
model="${2:-$(awk -F, 'NR == 2 {print $1}' "$summary")}"
fraction="${3:-$(awk -F, -v m="$model" 'NR > 1 && $1 == m {print $3}' "$summary" | sort -g | tail -n 1)}"
schedules=$(awk -F, -v m="$model" 'NR > 1 && $1 == m && !seen[$2]++ {printf "%s ", $2}' "$summary")
if [[ -z "$schedules" ]]; then
    echo "plot_sweep: expected rows of model '$model' in $summary, got none" >&2
    exit 1
fi
budget=$(awk -F, -v m="$model" -v f="$fraction" 'NR > 1 && $1 == m && $3 == f {print $4; exit}' "$summary")
# A tic at each budget of the sweep.
tics=$(awk -F, -v m="$model" 'NR > 1 && $1 == m && !seen[$4]++ {printf "%s\"%s\" %s", (n++ ? ", " : ""), $4, $4}' "$summary")
unit=$(grep -q '^full budget=.* s$' "$out/settings.txt" 2>/dev/null && echo "seconds" || echo "epochs")

lr_plots=()
for schedule in $schedules; do
    curve="$out/curves/$model-$schedule-$fraction-seed0.csv"
    if [[ ! -s "$curve" ]]; then
        echo "plot_sweep: expected the curve $curve (seed 0 at fraction $fraction); got none" >&2
        exit 1
    fi
    lr_plots+=("'$curve' using 1:4 with lines lw 2 title '$schedule'")
done

gnuplot <<GNUPLOT
set datafile separator ','
set terminal pngcairo size 900,600 font ',11'
set key outside right
set grid
set offsets graph 0, 0, 0.05, 0

set output '$out/accuracy.png'
set title "$model: test accuracy after training with each schedule for a fraction of the budget"
set xlabel 'budget ($unit)'
set ylabel 'test accuracy (%)'
set logscale x
set xtics ($tics)
plot for [s in "$schedules"] '$summary' \
    using (\$4):(strcol(1) eq "$model" && strcol(2) eq s ? \$5 : NaN):6 \
    with yerrorlines lw 2 title s

set output '$out/lr.png'
unset logscale x
set xtics autofreq
set title "$model: learning rate per step, budget $budget $unit (fraction $fraction)"
set xlabel 'optimizer step'
set ylabel 'learning rate'
plot $(IFS=,; echo "${lr_plots[*]}")
GNUPLOT
echo "plot_sweep: wrote $out/accuracy.png and $out/lr.png"
