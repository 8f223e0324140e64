#!/usr/bin/env bash
# Installs what budgetgrad needs to build and test on Debian 12 (bookworm) or later, from
# Debian's own packages (with --fuzz, also what the fuzzers need). Uses sudo when not run as
# root.
set -euo pipefail

packages=(
  build-essential cmake pkg-config   # compiler and build
  libeigen3-dev                      # matrices and GEMM
  zlib1g-dev                         # .gz datasets
  libfmt-dev                         # formatting
  libcli11-dev                       # command-line flags of the examples
  libstb-dev                         # image decoding (PNG, JPEG, BMP)
  doctest-dev                        # tests
  libopenmpi-dev openmpi-bin         # -DBUDGETGRAD_MPI=ON: data-parallel training under mpirun
  gnuplot-nox                        # scripts/plot_sweep.sh
  ca-certificates curl               # scripts/get_data.sh downloads
)

# --fuzz adds clang and its sanitizer runtimes, for fuzz/run.sh.
if [ "${1:-}" = "--fuzz" ]; then
  packages+=(clang-14 libclang-rt-14-dev)
fi

run() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all ${#packages[@]} packages already installed"
  exit 0
fi
echo "install_deps: installing ${missing[*]}"
run apt-get update -qq
run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
