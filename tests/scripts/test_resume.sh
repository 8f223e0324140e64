#!/usr/bin/env bash
# Exact resume, end to end: a run killed mid-budget (SIGKILL after a periodic checkpoint, or
# SIGINT, which writes its own) and resumed from its checkpoint must end with a checkpoint
# byte-identical to that of the same run left alone.
#   usage: tests/scripts/test_resume.sh MNIST_PROGRAM CIFAR_PROGRAM DATA_DIR
set -uo pipefail
mnist="$1"
cifar="$2"
data="$3"
for name in mnist cifar10; do
    if [[ ! -d "$data/$name" ]]; then
        echo "$data/$name is missing: run scripts/get_data.sh $name" >&2
        exit 1
    fi
done
work="$(mktemp -d "${TMPDIR:-/tmp}/budgetgrad_test_resume.XXXXXX")"
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
    echo "FAILED: $*" >&2
    failures=$((failures + 1))
}

# check_resume NAME SIGNAL PROGRAM ARGS...: runs PROGRAM ARGS to the end, then again stopped by
# SIGNAL once its first checkpoint exists, resumes it, and compares the final checkpoints.
check_resume() {
    local name="$1" signal="$2" program="$3"
    shift 3
    local whole="$work/$name-whole.ckpt" cut="$work/$name-cut.ckpt"
    "$program" "$@" --save "$whole" >"$work/$name-whole.log" 2>&1 || fail "$name: the whole run"

    "$program" "$@" --save "$cut" --checkpoint-every 5 >"$work/$name-cut.log" 2>&1 &
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

    "$program" "$@" --save "$cut" --resume "$cut" >"$work/$name-resumed.log" 2>&1 ||
        fail "$name: the resumed run ($(tail -1 "$work/$name-resumed.log"))"
    local line
    line=$(grep -m1 "^resuming from" "$work/$name-resumed.log")
    [[ -n "$line" ]] || fail "$name: the resumed run did not say where it resumed"
    if cmp -s "$whole" "$cut"; then
        echo "ok: $name stopped by SIG$signal, $line: final checkpoints are identical"
    else
        fail "$name: stopped by SIG$signal, $line: final checkpoints differ"
    fi
}

check_resume mnist KILL "$mnist" --data-dir "$data/mnist" --model mnist_cnn --budget-steps 60 \
    --log-every 0
check_resume cifar INT "$cifar" --data-dir "$data/cifar10" --model cifar_cnn --batch-size 32 \
    --budget-steps 60 --eval-every 0 --log-every 0

# Contradicting the checkpoint is refused before any training.
out=$("$mnist" --data-dir "$data/mnist" --model mnist_cnn --budget-steps 60 --batch-size 32 \
    --resume "$work/mnist-cut.ckpt" 2>&1 >/dev/null)
status=$?
if [[ $status -ne 2 || "$out" != *"--batch-size: the checkpoint"* ]]; then
    fail "a contradicting --batch-size on resume: status $status, message: $out"
else
    echo "ok: $out"
fi

if [[ $failures -gt 0 ]]; then
    echo "$failures resume checks failed" >&2
    exit 1
fi
echo "all resume checks passed"
