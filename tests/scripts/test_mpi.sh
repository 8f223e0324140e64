#!/usr/bin/env bash
# Data-parallel runs of examples/mnist under mpirun, end to end: a rank killed mid-run ends the
# whole job promptly with a message naming it; a run resumes across a change in the number of
# processes (one → two and two → one) to the same final test loss as a run left alone, and with
# the same number to the same final checkpoint, byte for byte.
#   usage: tests/scripts/test_mpi.sh MPIEXEC MNIST_PROGRAM MNIST_DATA_DIR
set -uo pipefail
mpiexec="$1"
mnist="$(realpath "$2")"
data="$(realpath "$3")"
if [[ ! -d "$data" ]]; then
    echo "$data is missing: run scripts/get_data.sh mnist" >&2
    exit 1
fi
source "$(dirname "$0")/lib.sh"

# Open MPI refuses to run as root unless told it may (CI machines run as root).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
two=("$mpiexec" -np 2 --oversubscribe)
common=(--data-dir "$data" --batch-size 64 --eval-every 0 --log-every 10)

# rank_pid LAUNCHER_PID RANK: the process of that rank among the launcher's children.
rank_pid() {
    local child
    for child in $(pgrep -P "$1"); do
        if tr '\0' '\n' <"/proc/$child/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$2"; then
            echo "$child"
            return
        fi
    done
}

# wait_for SECONDS COMMAND...: polls COMMAND every 0.1 s; fails after SECONDS.
wait_for() {
    local tenths=$(($1 * 10))
    shift
    for _ in $(seq "$tenths"); do
        "$@" && return 0
        sleep 0.1
    done
    return 1
}

# test_loss LOG: the final test loss a run printed.
test_loss() { sed -n 's/^test loss: //p' "$1"; }

# 1. A rank that dies: the job must end within a minute, not hang in an all-reduce.
"${two[@]}" "$mnist" "${common[@]}" --model lenet5 --budget-steps 100000 >"$work/death.log" 2>&1 &
launcher=$!
if wait_for 120 grep -q "^step *20/" "$work/death.log"; then
    victim="$(rank_pid "$launcher" 1)"
    if [[ -z "$victim" ]]; then
        fail "rank death: no process of rank 1 among the children of mpirun"
        kill -9 "$launcher"
    else
        kill -9 "$victim"
        start=$SECONDS
        if ! wait_for 60 bash -c "! kill -0 $launcher 2>/dev/null"; then
            fail "rank death: the job still runs 60 s after rank 1 was killed"
            pkill -9 -P "$launcher"
            kill -9 "$launcher"
        fi
        wait "$launcher"
        status=$?
        echo "rank death: mpirun ended $((SECONDS - start)) s after rank 1 was killed, status $status"
        [[ $status -ne 0 ]] || fail "rank death: mpirun exited with status 0"
        # The message is mpirun's: "mpirun noticed that process rank 1 ... exited on signal 9".
        grep -q "rank 1" "$work/death.log" || fail "rank death: no message names rank 1"
    fi
else
    fail "rank death: training under mpirun did not reach step 20"
    kill -9 "$launcher" 2>/dev/null
fi

# 2. Resume. whole_run NAME MODEL LAUNCHER...: the run left alone.
whole_run() {
    local name="$1" model="$2"
    shift 2
    "$@" "$mnist" "${common[@]}" --model "$model" --budget-steps 400 --save "$work/$name.ckpt" \
        >"$work/$name.log" 2>&1 || fail "$name: the run left alone failed"
}

# cut_and_resume NAME MODEL FIRST... -- SECOND...: runs MODEL under the launcher FIRST with
# periodic checkpoints, kills every process of it with SIGKILL once the first checkpoint
# exists, and resumes it under SECOND to the end. Leaves the logs and final checkpoint in
# $work/NAME-*.
cut_and_resume() {
    local name="$1" model="$2"
    shift 2
    local first=() second=()
    while [[ "$1" != "--" ]]; do first+=("$1"); shift; done
    shift
    second=("$@")
    local ckpt="$work/$name.ckpt"
    "${first[@]}" "$mnist" "${common[@]}" --model "$model" --budget-steps 400 --save "$ckpt" \
        --checkpoint-every 100 >"$work/$name-first.log" 2>&1 &
    local pid=$!
    wait_for 120 test -f "$ckpt" || fail "$name: no checkpoint written"
    pkill -9 -P "$pid" 2>/dev/null
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    "${second[@]}" "$mnist" "${common[@]}" --model "$model" --budget-steps 400 --resume "$ckpt" \
        --save "$ckpt" >"$work/$name-second.log" 2>&1 || fail "$name: the resumed run failed"
    grep -q "^resuming from .* at step [1-3]00/400" "$work/$name-second.log" ||
        fail "$name: did not resume from a periodic checkpoint: $(grep resuming "$work/$name-second.log")"
}

# Across a change in the number of processes, on lenet5 (the same steps up to float rounding):
# the final test loss matches the one-process run's. A resume at the wrong step, with the wrong
# data or without the momentum buffers is further off than float rounding.
whole_run one lenet5
whole_loss="$(test_loss "$work/one.log")"
for change in one-to-two two-to-one; do
    if [[ $change == one-to-two ]]; then
        cut_and_resume "$change" lenet5 -- "${two[@]}"
    else
        cut_and_resume "$change" lenet5 "${two[@]}" --
    fi
    loss="$(test_loss "$work/$change-second.log")"
    echo "$change: test loss $loss after resuming, $whole_loss left alone"
    awk -v a="$loss" -v b="$whole_loss" 'BEGIN { d = a - b; exit !(a != "" && d * d <= 0.0005 * 0.0005) }' ||
        fail "$change: test loss $loss after resuming, expected $whole_loss within 0.0005"
done

# With the same number of processes, exactly: mnist_cnn, whose dropout masks differ between
# the processes, ends with the checkpoint of the two-process run left alone, byte for byte.
whole_run two-whole mnist_cnn "${two[@]}"
cut_and_resume two-cut mnist_cnn "${two[@]}" -- "${two[@]}"
cmp -s "$work/two-whole.ckpt" "$work/two-cut.ckpt" ||
    fail "two processes resumed: the final checkpoint differs from the run left alone"

finish "mpirun"
