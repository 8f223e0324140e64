#!/usr/bin/env bash
# examples/budget_sweep end to end on a tiny budget: every combination runs once and lands in
# the results file, a restart skips what is done and refuses other settings, several models
# are ranked with Kendall's tau, and scripts/plot_sweep.sh draws both plots.
#   usage: tests/scripts/test_budget_sweep.sh SWEEP_PROGRAM MNIST_DIR
set -uo pipefail
sweep="$(realpath "$1")"
data="$2"
root="$(cd "$(dirname "$0")/../.." && pwd)"
if [[ ! -d "$data" ]]; then
    echo "data folder $data is missing: run scripts/get_data.sh mnist" >&2
    exit 1
fi
source "$(dirname "$0")/lib.sh"
# 0.02 epochs of MNIST at batch 64: 19 steps, and 9 at half the budget.
args=(--dataset mnist --data-dir "$data" --full-epochs 0.02 --fractions 0.5,1
    --schedules const,linear --threads 1 --log-every 2 --out "$work/sweep")

"$sweep" "${args[@]}" --model lenet5 >"$work/first.log" 2>&1 || fail "the sweep: $(tail -n 3 "$work/first.log")"
rows=$(($(wc -l <"$work/sweep/results.csv") - 1))
[[ $rows -eq 4 ]] || fail "expected 4 runs in results.csv, got $rows"
grep -q "^lenet5,linear,0.5,0,0.01,9," "$work/sweep/results.csv" ||
    fail "no 9-step linear run at fraction 0.5 in results.csv"
grep -q "^schedule  0.5 (0.01 epochs)" "$work/first.log" || fail "no table header in the output"
marks=$(grep -E '^(const|linear) ' "$work/first.log" | grep -o ' \*' | wc -l)
[[ $marks -eq 2 ]] || fail "expected one best mark per column, got $marks marks"
# The linear schedule's learning rate falls to near zero at the last step: 0.05 / 19.
last_lr=$(tail -n 1 "$work/sweep/curves/lenet5-linear-1-seed0.csv" | cut -d, -f4)
awk -v lr="$last_lr" 'BEGIN {exit !(lr > 0 && lr < 0.003)}' ||
    fail "linear's last logged lr is $last_lr, expected 0.05 / 19"

"$sweep" "${args[@]}" --model lenet5 >"$work/again.log" 2>&1 || fail "the restarted sweep"
grep -q "4 runs, 4 done already" "$work/again.log" || fail "the restart did not skip the done runs"
grep -q "=== run" "$work/again.log" && fail "the restart trained again"

out=$("$sweep" "${args[@]}" --model lenet5 --lr 0.1 2>&1 >/dev/null)
status=$?
[[ $status -eq 2 && "$out" == *"--lr: the sweep in this folder"* ]] ||
    fail "another --lr in the same folder: status $status, message: $out"

"$sweep" "${args[@]}" --models lenet5,mnist_cnn --schedules linear >"$work/rank.log" 2>&1 ||
    fail "the ranking sweep: $(tail -n 3 "$work/rank.log")"
grep -q "^Kendall's tau between the two rankings: " "$work/rank.log" || fail "no Kendall's tau"

bash "$root/scripts/plot_sweep.sh" "$work/sweep" lenet5 >"$work/plot.log" 2>&1 ||
    fail "plot_sweep.sh: $(cat "$work/plot.log")"
for png in accuracy lr; do
    [[ "$(head -c 4 "$work/sweep/$png.png" 2>/dev/null | tail -c 3)" == PNG ]] ||
        fail "$png.png is not a PNG image"
done

finish sweep
