#!/usr/bin/env bash
# Side-by-side CPU benchmark, budgetgrad (bench/bench.cpp) against PyTorch (bench/bench_torch.py),
# on the same models, synthetic data, optimizer and timing protocol. For every configuration the
# two run alternately, one process per run, R rounds (A B A B ...), and the table shows the
# median of the rounds. PyTorch gets the OpenMP build of OpenBLAS for its BLAS calls (its
# convolutions go through oneDNN). Raw output lines are kept in a results file.
#
#   bench/run.sh [--rounds R] [--models a,b] [--quick] [--build-dir DIR] [--out FILE]
#
# Needs bench_train built (cmake --build build --target bench_train), /usr/bin/python3 with
# python3-torch, and libopenblas0-openmp; the last two are installed with apt-get if missing.
set -euo pipefail

usage() {
    cat <<EOF
usage: $0 [options]
  --rounds R       runs of each engine per configuration, alternating (default 3)
  --models a,b     models to run (default mnist_cnn,lenet5,resnet20,cifar_cnn)
  --quick          a smoke test: 2 warm-up steps, 3 windows of 3 steps
  --build-dir DIR  folder holding bench_train (default build/bench)
  --out FILE       raw results (default DIR/results-<date>-<time>.txt)
EOF
}

rounds=3
models=mnist_cnn,lenet5,resnet20,cifar_cnn
quick=0
build_dir=build/bench
out=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        --models) models="$2"; shift 2 ;;
        --quick) quick=1; shift ;;
        --build-dir) build_dir="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "run.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
done
if ! [[ "$rounds" =~ ^[1-9][0-9]*$ ]]; then
    echo "run.sh: --rounds: expected a positive whole number, got '$rounds'" >&2
    exit 2
fi

bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python=/usr/bin/python3
bench_train="$build_dir/bench_train"
if [[ ! -x "$bench_train" ]]; then
    echo "run.sh: expected the budgetgrad benchmark at $bench_train, not found;" \
         "build it with 'cmake --build build --target bench_train' or pass --build-dir" >&2
    exit 1
fi

# ---- dependencies ----
missing=()
"$python" -c "import torch" 2>/dev/null || missing+=(python3-torch)
dpkg -s libopenblas0-openmp >/dev/null 2>&1 || missing+=(libopenblas0-openmp)
if [[ ${#missing[@]} -gt 0 ]]; then
    sudo=""
    [[ "$(id -u)" -ne 0 ]] && sudo=sudo
    echo "run.sh: installing ${missing[*]}" >&2
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >&2
fi
openblas_lib="$(dpkg -L libopenblas0-openmp | grep -m1 '/libopenblas[^/]*\.so' || true)"
if [[ -z "$openblas_lib" ]]; then
    echo "run.sh: expected libopenblas0-openmp to hold a libopenblas*.so, found none" >&2
    exit 1
fi
openblas_dir="$(dirname "$openblas_lib")"

# ---- protocol ----
protocol=()  # empty: the programs' defaults, 5 warm-up steps and 5 windows of 10 steps
[[ $quick -eq 1 ]] && protocol=(--warmup 2 --windows 3 --steps 3)
configs=("train 64 1" "train 128 2" "infer 256 1" "infer 256 2")  # mode, batch, threads
[[ -n "$out" ]] || out="$build_dir/results-$(date +%Y%m%d-%H%M%S).txt"
log="${out%.txt}.log"  # the programs' stderr
: > "$log"
{
    echo "# $(date -Is) $(hostname) | $(lscpu | sed -n 's/^Model name: *//p') |" \
         "$(nproc) cpus | load $(cut -d' ' -f1-3 /proc/loadavg) | rounds $rounds |" \
         "protocol ${protocol[*]:-default}"
    echo "# budgetgrad $(git -C "$bench_dir" rev-parse --short HEAD 2>/dev/null || echo '?')" \
         "| torch OpenBLAS from $openblas_dir"
} > "$out"
cat "$out"

# Runs one benchmark; its stdout lines go to the results file and to the terminal.
run_one() {
    local engine=$1 model=$2 mode=$3 batch=$4 threads=$5 lines
    local args=(--model "$model" --mode "$mode" --batch-size "$batch" --threads "$threads"
                "${protocol[@]}")
    if [[ $engine == budgetgrad ]]; then
        lines="$(OMP_NUM_THREADS=$threads "$bench_train" "${args[@]}" 2>>"$log")" || true
    else
        lines="$(OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads \
                 MKL_NUM_THREADS=$threads \
                 LD_LIBRARY_PATH="$openblas_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
                 "$python" "$bench_dir/bench_torch.py" "${args[@]}" 2>>"$log")" || true
    fi
    if [[ -z "$lines" ]]; then
        echo "# failed: $engine ${args[*]} (see $log)" | tee -a "$out" >&2
        return
    fi
    echo "$lines" >> "$out"
    grep -v '^#' <<< "$lines" || true  # the '# blas:' line is shown once, under the table
}

IFS=, read -ra model_list <<< "$models"
for model in "${model_list[@]}"; do
    for config in "${configs[@]}"; do
        read -r mode batch threads <<< "$config"
        for ((r = 1; r <= rounds; ++r)); do
            run_one budgetgrad "$model" "$mode" "$batch" "$threads"
            run_one pytorch "$model" "$mode" "$batch" "$threads"
        done
    done
done

# ---- table: medians over the rounds ----
echo
"$python" - "$out" <<'EOF'
import collections, statistics, sys

runs = collections.defaultdict(list)  # (engine, model, mode, batch, threads) -> [fields]
order, blas = [], None
for line in open(sys.argv[1]):
    if line.startswith("# blas:"):
        blas = blas or line.strip()
    if line.startswith("#") or not line.strip():
        continue
    engine, *pairs = line.split()
    fields = dict(pair.split("=", 1) for pair in pairs)
    config = (fields["model"], fields["mode"], fields["batch"], fields["threads"])
    runs[(engine,) + config].append(fields)
    if config not in order:
        order.append(config)

def median(engine, config, key):
    values = [float(f[key]) for f in runs.get((engine,) + config, [])]
    return statistics.median(values) if values else float("nan")

print("| model | mode | batch | threads | budgetgrad img/s | PyTorch img/s | ratio |"
      " budgetgrad GFLOP/s | budgetgrad RSS MB | PyTorch RSS MB |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
mismatches = []
for config in order:
    ours, theirs = median("budgetgrad", config, "img_per_s"), median("pytorch", config, "img_per_s")
    print(f"| {' | '.join(config)} | {ours:.1f} | {theirs:.1f} | {ours / theirs:.2f} |"
          f" {median('budgetgrad', config, 'gflops'):.1f} |"
          f" {median('budgetgrad', config, 'peak_rss_mb'):.0f} |"
          f" {median('pytorch', config, 'peak_rss_mb'):.0f} |")
    for key in ("params", "macs"):
        seen = {f[key] for e in ("budgetgrad", "pytorch") for f in runs.get((e,) + config, [])}
        if len(seen) > 1:
            mismatches.append(f"{config[0]}: {key} differ between the engines: {sorted(seen)}")
print()
print(blas or "# blas: (no PyTorch run succeeded)")
for message in dict.fromkeys(mismatches):
    print("WARNING:", message)
EOF
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cpus)"
echo "raw results: $out (stderr: $log)"
