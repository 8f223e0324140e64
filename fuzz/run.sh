#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, in build-fuzz/ unless BUDGETGRAD_FUZZ_BUILD says
# otherwise) and runs each for SECONDS (default 30) on a copy of its seed corpus in fuzz/corpus/,
# so the committed seeds never change. Fails if any target reports a finding (crash, sanitizer
# report, leak, timeout, out of memory) and keeps the reproducers and logs in the work folder it
# names; removes that folder when all targets pass.
#   fuzz/run.sh [SECONDS]            e.g. fuzz/run.sh 30 (what CI runs)
#   FUZZ_TARGETS="idx image" fuzz/run.sh 600
# Replay one reproducer: build-fuzz/fuzz/fuzz_<target> <file>
set -euo pipefail

seconds=${1:-30}
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
    echo "fuzz/run.sh: expected SECONDS as a positive whole number, got '$seconds'" >&2
    exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUDGETGRAD_FUZZ_BUILD:-$root/build-fuzz}
cxx=${BUDGETGRAD_FUZZ_CXX:-clang++-14}
targets=(${FUZZ_TARGETS:-idx cifar checkpoint image})

if [[ ! -f $build/CMakeCache.txt ]]; then
    if ! command -v "$cxx" > /dev/null; then
        echo "fuzz/run.sh: expected $cxx, got none; run apt-get install clang-14" \
            "libclang-rt-14-dev" >&2
        exit 2
    fi
    CXX=$cxx cmake -S "$root" -B "$build" -DBUDGETGRAD_FUZZ=ON -DBUDGETGRAD_OPENMP=OFF \
        -DBUDGETGRAD_BUILD_TESTS=OFF -DBUDGETGRAD_BUILD_EXAMPLES=OFF -DBUDGETGRAD_BUILD_BENCH=OFF
fi
cmake --build "$build" -j "$(nproc)" --target "${targets[@]/#/fuzz_}"

work=$(mktemp -d "${TMPDIR:-/tmp}/budgetgrad-fuzz.XXXXXX")
failed=()
for target in "${targets[@]}"; do
    dir=$work/$target
    mkdir -p "$dir/corpus" "$dir/artifacts"
    cp "$root/fuzz/corpus/$target/"* "$dir/corpus/"
    echo "fuzz_$target: ${seconds} s"
    # TMPDIR: the targets' per-process input files go to the work folder too.
    if TMPDIR=$dir "$build/fuzz/fuzz_$target" -max_total_time="$seconds" -rss_limit_mb=2048 \
        -timeout=25 -print_final_stats=1 -artifact_prefix="$dir/artifacts/" "$dir/corpus" \
        > "$dir/log" 2>&1; then
        grep -E '^stat::number_of_executed_units' "$dir/log" | sed "s/^/  /" || true
    else
        failed+=("$target")
        tail -n 40 "$dir/log" >&2
        echo "fuzz_$target: FOUND something; reproducer(s) in $dir/artifacts/," \
            "full log in $dir/log" >&2
    fi
done

if ((${#failed[@]})); then
    echo "fuzz/run.sh: findings in ${failed[*]}; see $work" >&2
    exit 1
fi
rm -rf "$work"
echo "fuzz/run.sh: no findings in ${targets[*]} (${seconds} s each)"
