#!/usr/bin/env bash
# Runs an example program with bad flags and checks that each is refused before any training:
# exit status 2 and a one-line message naming the flag.
#   usage: tests/scripts/test_bad_flags.sh PROGRAM DATA_DIR
set -uo pipefail
program="$1"
data_dir="$2"
if [[ ! -d "$data_dir" ]]; then
    echo "data folder $data_dir is missing: run scripts/get_data.sh mnist" >&2
    exit 1
fi
failures=0
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# expect_usage_error "FLAG NAME IN MESSAGE" ARGS...
expect_usage_error() {
    local flag="$1"
    shift
    local out status data=(--data-dir "$data_dir")
    # A case that names its own data folder gets no other.
    [[ " $* " == *" --data-dir "* ]] && data=()
    out=$(timeout 60 "$program" "${data[@]}" "$@" 2>&1 >/dev/null)
    status=$?
    if [[ $status -ne 2 || "$out" != *"$flag"* || $(printf '%s\n' "$out" | wc -l) -ne 1 ]]; then
        echo "FAILED: $* -> status $status, message: $out" >&2
        failures=$((failures + 1))
    else
        echo "ok: $* -> $out"
    fi
}
expect_usage_error --budget-epochs --budget-epochs 0
expect_usage_error --budget-epochs --budget-epochs -3
expect_usage_error --budget-epochs --budget-epochs abc
expect_usage_error --budget-epochs --budget-epochs nan
expect_usage_error --budget-epochs --budget-epochs 1e18
expect_usage_error --budget-steps --budget-steps 010
expect_usage_error --budget-epochs --budget-epochs 1 --budget-steps 5
expect_usage_error --batch-size --batch-size 0x10
expect_usage_error --batch-size --batch-size 99999999
expect_usage_error --lr --lr 0
expect_usage_error --lr --lr inf
expect_usage_error --momentum --momentum 1.5
expect_usage_error --threads --threads 0
expect_usage_error --seed --seed -1
expect_usage_error --data-dir --data-dir /nonexistent/folder
expect_usage_error --unknown --unknown 3
expect_usage_error --budget-time --budget-time 0s
expect_usage_error --budget-time --budget-time 10
expect_usage_error --budget-time --budget-time 1m30
expect_usage_error --budget-time --budget-time 5m --budget-steps 3
expect_usage_error --warmup-steps --budget-time 1m --warmup-steps 5
# Reals are plain decimals: no leading zeros, hex, spaces or fractions of whole epochs.
expect_usage_error --budget-epochs --budget-epochs 010
expect_usage_error --lr --lr 0x1p-4
expect_usage_error --lr --lr " 0.1"
expect_usage_error --eval-every --eval-every 0.5
# Paths: a folder is no file, a file is no folder, and the log never overwrites a checkpoint.
expect_usage_error --save --save "$scratch"
expect_usage_error --data-dir --data-dir "$0"
expect_usage_error --log-csv --save "$scratch/run.ckpt" --log-csv "$scratch/run.ckpt"
expect_usage_error --log-csv --save "$scratch/run.ckpt" --log-csv "$scratch/../$(basename "$scratch")/run.ckpt"
if [[ $failures -gt 0 ]]; then
    echo "$failures bad-flag checks failed" >&2
    exit 1
fi
echo "all bad-flag checks passed"
