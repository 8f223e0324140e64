#!/usr/bin/env bash
# Exact resume, end to end: a run killed mid-budget (SIGKILL after a periodic checkpoint, or
# SIGINT, which writes its own) and resumed from its checkpoint must end with a checkpoint
# byte-identical to that of the same run left alone.
#   usage: tests/scripts/test_resume.sh MNIST_PROGRAM CIFAR_PROGRAM DATA_DIR
set -uo pipefail
mnist="$(realpath "$1")"
cifar="$(realpath "$2")"
data="$(realpath "$3")"
for name in mnist cifar10; do
    if [[ ! -d "$data/$name" ]]; then
        echo "$data/$name is missing: run scripts/get_data.sh $name" >&2
        exit 1
    fi
done
source "$(dirname "$0")/lib.sh"

# check_resume NAME SIGNAL PROGRAM ARGS...: runs PROGRAM ARGS to the end, then again stopped by
# SIGNAL once its first checkpoint exists, resumes it, and compares the final checkpoints.
check_resume() {
    local name="$1" signal="$2" program="$3"
    shift 3
    local whole="$work/$name-whole.ckpt" cut="$work/$name-cut.ckpt" csv="$work/$name-cut.csv"
    "$program" "$@" --save "$whole" >"$work/$name-whole.log" 2>&1 || fail "$name: the whole run"

    "$program" "$@" --save "$cut" --checkpoint-every 5 --log-csv "$csv" >"$work/$name-cut.log" 2>&1 &
    local pid=$!
    for _ in $(seq 600); do
        [[ -f "$cut" ]] && break
        sleep 0.1
    done
    # A random moment after the first checkpoint: 0 to 1.5 s.
    sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
    sleep "$((RANDOM % 2))"
    kill "-$signal" "$pid" 2>/dev/null
    wait "$pid"
    local status=$?
    local expected=$((128 + $(kill -l "$signal")))
    [[ $status -eq $expected ]] || fail "$name: stopped with status $status, expected $expected"
    if [[ "$signal" == INT ]] && ! grep -q -- "--resume $cut" "$work/$name-cut.log"; then
        fail "$name: no resume command printed after SIGINT"
    fi

    "$program" "$@" --save "$cut" --resume "$cut" --log-csv "$csv" >"$work/$name-resumed.log" 2>&1 ||
        fail "$name: the resumed run ($(tail -1 "$work/$name-resumed.log"))"
    local line
    line=$(grep -m1 "^resuming from" "$work/$name-resumed.log")
    [[ -n "$line" ]] || fail "$name: the resumed run did not say where it resumed"
    if cmp -s "$whole" "$cut"; then
        echo "ok: $name stopped by SIG$signal, $line: final checkpoints are identical"
    else
        fail "$name: stopped by SIG$signal, $line: final checkpoints differ"
    fi
    # The resumed run appends to the CSV log of the first part: one header, rows from step 5
    # (the first progress line) to the budget's end.
    local headers first last
    headers=$(grep -c '^step,' "$csv")
    first=$(sed -n 2p "$csv" | cut -d, -f1)
    last=$(tail -n 1 "$csv" | cut -d, -f1)
    if [[ $headers -ne 1 || $first -ne 5 || $last -ne 60 ]]; then
        fail "$name: CSV log with $headers headers, rows from step $first to $last"
    fi
}

check_resume mnist KILL "$mnist" --data-dir "$data/mnist" --model mnist_cnn --budget-steps 60 \
    --log-every 5
check_resume cifar INT "$cifar" --data-dir "$data/cifar10" --model cifar_cnn --batch-size 32 \
    --budget-steps 60 --eval-every 0 --log-every 5

# Contradicting the checkpoint is refused before any training.
out=$("$mnist" --data-dir "$data/mnist" --model mnist_cnn --budget-steps 60 --batch-size 32 \
    --resume "$work/mnist-cut.ckpt" 2>&1 >/dev/null)
status=$?
if [[ $status -ne 2 || "$out" != *"--batch-size: the checkpoint"* ]]; then
    fail "a contradicting --batch-size on resume: status $status, message: $out"
else
    echo "ok: $out"
fi

# Without --save, an interruption writes PROGRAM-interrupted.ckpt in the current folder, or a
# new name when that exists: another run's checkpoint is never overwritten.
(
    cd "$work" || exit 1
    echo "another run's checkpoint" >mnist-interrupted.ckpt
    "$mnist" --data-dir "$data/mnist" --model lenet5 --budget-steps 100000 --log-every 1 \
        >interrupted.log 2>&1 &
    pid=$!
    for _ in $(seq 600); do
        grep -q "^step" interrupted.log && break
        sleep 0.1
    done
    kill -INT "$pid"
    wait "$pid"
)
if [[ "$(cat "$work/mnist-interrupted.ckpt")" != "another run's checkpoint" ||
    ! -s "$work/mnist-interrupted-2.ckpt" ]] ||
    ! grep -q "checkpoint written to mnist-interrupted-2.ckpt" "$work/interrupted.log"; then
    fail "an interruption without --save: $(tail -n 2 "$work/interrupted.log")"
else
    echo "ok: an interruption without --save kept the existing mnist-interrupted.ckpt"
fi

finish resume
