#!/usr/bin/env bash
# Data-parallel runs of examples/mnist under mpirun, end to end: a rank killed mid-run ends the
# whole job promptly with a message naming it, and a run resumes across a change in the number
# of processes (one → two and two → one) to the same final test loss as a run left alone.
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
# lenet5 has no BatchNorm and no dropout: one and two processes train the same model.
common=(--data-dir "$data" --model lenet5 --batch-size 64 --eval-every 0 --log-every 10)

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
"${two[@]}" "$mnist" "${common[@]}" --budget-steps 100000 >"$work/death.log" 2>&1 &
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
        grep -q "rank 1" "$work/death.log" || fail "rank death: no message names rank 1"
    fi
else
    fail "rank death: training under mpirun did not reach step 20"
    kill -9 "$launcher" 2>/dev/null
fi

# 2. Resume across a change in the number of processes. The whole run, in one process:
"$mnist" "${common[@]}" --budget-steps 400 --save "$work/whole.ckpt" >"$work/whole.log" 2>&1 || fail "the whole run"
whole_loss="$(test_loss "$work/whole.log")"

# cut_and_resume NAME KILL_TARGET FIRST... -- SECOND...: runs FIRST with periodic checkpoints,
# kills it once the first checkpoint exists, resumes it with SECOND and compares test losses.
cut_and_resume() {
    local name="$1"
    shift
    local first=() second=()
    while [[ "$1" != "--" ]]; do first+=("$1"); shift; done
    shift
    second=("$@")
    local ckpt="$work/$name.ckpt"
    "${first[@]}" "$mnist" "${common[@]}" --budget-steps 400 --save "$ckpt" --checkpoint-every 100 \
        >"$work/$name-first.log" 2>&1 &
    local pid=$!
    wait_for 120 test -f "$ckpt" || fail "$name: no checkpoint written"
    # SIGKILL to every process of the run: the launcher's children, then the launcher.
    pkill -9 -P "$pid" 2>/dev/null
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    "${second[@]}" "$mnist" "${common[@]}" --budget-steps 400 --resume "$ckpt" --save "$ckpt" \
        >"$work/$name-second.log" 2>&1 || fail "$name: the resumed run failed"
    grep -q "^resuming from .* at step [1-3]00/400" "$work/$name-second.log" ||
        fail "$name: did not resume from a periodic checkpoint: $(grep resuming "$work/$name-second.log")"
    local loss
    loss="$(test_loss "$work/$name-second.log")"
    echo "$name: test loss $loss after resuming, $whole_loss left alone"
    # Float rounding differs between one and two processes; a resume at the wrong step, with
    # the wrong data or without the momentum buffers is further off than this.
    awk -v a="$loss" -v b="$whole_loss" 'BEGIN { d = a - b; exit !(a != "" && d * d <= 0.002 * 0.002) }' ||
        fail "$name: test loss $loss after resuming, expected $whole_loss within 0.002"
}
cut_and_resume "one-to-two" -- "${two[@]}"
cut_and_resume "two-to-one" "${two[@]}" --

finish "mpirun"
