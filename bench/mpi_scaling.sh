#!/usr/bin/env bash
# Data-parallel scaling on this machine: examples/mnist trained for the same steps as one
# process with one thread, as two processes of one thread each under mpirun, and as one process
# with two threads, alternating the three R times (so that machine drift hits all), with the
# median training throughput of each and the share of the two-process step spent in the
# gradient all-reduce (waiting for the slower process included).
#
#   bench/mpi_scaling.sh [--build-dir DIR] [--data-dir DIR] [--model M] [--batch-size B]
#                        [--steps N] [--rounds R]
#
# Needs a build configured with -DBUDGETGRAD_MPI=ON and Open MPI's mpirun (openmpi-bin).
set -euo pipefail

build_dir=build
data_dir=data/mnist
model=mnist_cnn
batch=128
steps=150
rounds=3
while [[ $# -gt 0 ]]; do
    case "$1" in
        --build-dir) build_dir="$2"; shift 2 ;;
        --data-dir) data_dir="$2"; shift 2 ;;
        --model) model="$2"; shift 2 ;;
        --batch-size) batch="$2"; shift 2 ;;
        --steps) steps="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "$0: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
mnist="$build_dir/examples/mnist"
[[ -x "$mnist" ]] || { echo "$0: $mnist not found; build it first" >&2; exit 1; }
command -v mpirun >/dev/null || { echo "$0: mpirun not found (apt-get install openmpi-bin)" >&2; exit 1; }
if ! grep -q "MPI_CXX_FOUND:BOOL=TRUE\|BUDGETGRAD_MPI:BOOL=ON" "$build_dir/CMakeCache.txt" 2>/dev/null; then
    echo "$0: $build_dir was not configured with -DBUDGETGRAD_MPI=ON" >&2
    exit 1
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
run=(--data-dir "$data_dir" --model "$model" --batch-size "$batch" --budget-steps "$steps"
     --eval-every 0 --log-every 0)
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

# images/s of the training, as the program prints it.
throughput() { sed -n 's/^trained .* (\([0-9.]*\) img\/s).*/\1/p' "$log"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

one_one=() two_one=() one_two=() shares=() per_step=()
for round in $(seq "$rounds"); do
    "$mnist" "${run[@]}" --threads 1 >"$log" 2>&1
    one_one+=("$(throughput)")
    mpirun -np 2 --oversubscribe "$mnist" "${run[@]}" --threads 1 >"$log" 2>&1
    two_one+=("$(throughput)")
    shares+=("$(sed -n 's/^gradient all-reduce: .* (\([0-9.]*\)%, .*/\1/p' "$log")")
    per_step+=("$(sed -n 's/^gradient all-reduce: .*%, \([0-9.]*\) ms per step.*/\1/p' "$log")")
    "$mnist" "${run[@]}" --threads 2 >"$log" 2>&1
    one_two+=("$(throughput)")
    echo "round $round: 1 process × 1 thread ${one_one[-1]} img/s | 2 processes × 1 thread" \
         "${two_one[-1]} img/s (all-reduce ${shares[-1]}%, ${per_step[-1]} ms per step) |" \
         "1 process × 2 threads ${one_two[-1]} img/s"
done
a="$(printf '%s\n' "${one_one[@]}" | median)"
b="$(printf '%s\n' "${two_one[@]}" | median)"
c="$(printf '%s\n' "${one_two[@]}" | median)"
s="$(printf '%s\n' "${shares[@]}" | median)"
p="$(printf '%s\n' "${per_step[@]}" | median)"
echo "model $model, global batch $batch, $steps steps, medians of $rounds rounds:"
printf '  %-28s %8.1f img/s\n' "1 process × 1 thread" "$a" "2 processes × 1 thread" "$b" \
    "1 process × 2 threads" "$c"
awk -v a="$a" -v b="$b" -v c="$c" -v s="$s" -v p="$p" 'BEGIN {
    printf "  1 -> 2 processes: %.2fx; 2 processes against 2 threads in one: %.2fx\n", b / a, b / c
    printf "  gradient all-reduce: %.1f%% of the two-process step, %.2f ms per step\n", s, p
}'
