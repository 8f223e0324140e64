#!/usr/bin/env bash
# Tests scripts/get_data.sh offline. MNIST against a local mirror (MIRROR/mnist/<files>): a
# clean fetch, a re-run that skips verified files, repair of a bad local file, a corrupt mirror
# (must fail, name the file, leave nothing behind). CIFAR-10 against a small fake mirror built
# here with its own MD5SUMS: the same cases, a manifest with a missing entry, and a wrong archive
# on the official path (a file:// URL). Then the usage errors (exit 2). Never touches the network
# or the repository's data/.
#   usage: tests/scripts/test_get_data.sh [MIRROR]   (default: $BUDGETGRAD_DATA_MIRROR)
set -uo pipefail

mirror="${1:-${BUDGETGRAD_DATA_MIRROR:-}}"
if [[ $# -gt 1 || ! -d "$mirror/mnist" ]]; then
    echo "usage: $0 [MIRROR]  (a directory holding mnist/*.gz, e.g. ../shared/data;" \
        "default \$BUDGETGRAD_DATA_MIRROR), got '${mirror}';" \
        "run scripts/get_data.sh mnist to fill data/mnist" >&2
    exit 2
fi
mirror="$(cd "$mirror" && pwd)"
script="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/scripts/get_data.sh"
work="$(mktemp -d "${TMPDIR:-/tmp}/budgetgrad_test_get_data.XXXXXX")"
trap 'rm -rf "$work"' EXIT
readonly kFiles=(train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz
                 t10k-labels-idx1-ubyte.gz)
unset BUDGETGRAD_DATA_MIRROR

failures=0
pass() { echo "  ok: $*"; }
fail() {
    echo "  FAILED: $*" >&2
    failures=$((failures + 1))
}
# run NAME ARGS...: runs the script, keeping its exit code in $rc and its output in $out.
run() {
    local name="$1"
    shift
    out="$("$script" "$@" 2>&1)"
    rc=$?
    printf '%s\n' "$out" > "$work/$name.log"
}

echo "check: fetching mnist from the mirror succeeds and copies the files exactly"
run fetch mnist --mirror "$mirror" --data-dir "$work/data"
if [[ $rc -eq 0 ]]; then pass "exit 0"; else fail "exit $rc: $out"; fi
for f in "${kFiles[@]}"; do
    if cmp -s "$mirror/mnist/$f" "$work/data/mnist/$f"; then
        pass "$f identical"
    else
        fail "$f missing or different"
    fi
done

echo "check: a second run skips the verified files"
run again mnist --mirror "$mirror" --data-dir "$work/data"
if [[ $rc -eq 0 && $(grep -c "present, md5 ok" <<< "$out") -eq 4 ]]; then
    pass "4 files skipped"
else
    fail "exit $rc, output: $out"
fi

echo "check: BUDGETGRAD_DATA_MIRROR works like --mirror, and a bad local file is fetched again"
printf 'garbage' > "$work/data/mnist/t10k-labels-idx1-ubyte.gz"
out="$(BUDGETGRAD_DATA_MIRROR="$mirror" "$script" mnist --data-dir "$work/data" 2>&1)"
rc=$?
if [[ $rc -eq 0 ]] && cmp -s "$mirror/mnist/t10k-labels-idx1-ubyte.gz" \
    "$work/data/mnist/t10k-labels-idx1-ubyte.gz"; then
    pass "bad local file replaced"
else
    fail "exit $rc, output: $out"
fi

echo "check: a corrupt mirror fails, names the file, and leaves no file behind"
mkdir -p "$work/bad"
cp -r "$mirror/mnist" "$work/bad/mnist"
chmod -R u+w "$work/bad"
bad_file="train-labels-idx1-ubyte.gz"
# Flip the byte at offset 1000: read it, xor 0xff, write it back in place.
byte="$(od -An -tu1 -j1000 -N1 "$work/bad/mnist/$bad_file" | tr -d ' ')"
printf '%b' "\\$(printf '%03o' $((byte ^ 255)))" |
    dd of="$work/bad/mnist/$bad_file" bs=1 seek=1000 conv=notrunc status=none
if cmp -s "$mirror/mnist/$bad_file" "$work/bad/mnist/$bad_file"; then
    fail "could not corrupt the test copy"
fi
run corrupt mnist --mirror "$work/bad" --data-dir "$work/out"
if [[ $rc -ne 0 ]]; then pass "exit $rc"; else fail "exit 0 on a corrupt mirror"; fi
if grep -q "md5 mismatch for $bad_file" <<< "$out"; then
    pass "message names $bad_file: $(grep "md5 mismatch" <<< "$out")"
else
    fail "message does not name $bad_file: $out"
fi
if [[ ! -e "$work/out/mnist/$bad_file" ]]; then pass "$bad_file not written"; else
    fail "$bad_file was written despite the mismatch"
fi
leftovers="$(find "$work/out" -name '.*' -type f)"
if [[ -z "$leftovers" ]]; then pass "no temporary files left"; else
    fail "temporary files left: $leftovers"
fi

echo "check: a mirror without mnist/ fails"
mkdir -p "$work/empty_mirror"
run no_mirror mnist --mirror "$work/empty_mirror" --data-dir "$work/out2"
if [[ $rc -eq 1 ]]; then pass "exit 1"; else fail "exit $rc: $out"; fi

readonly kCifarFiles=(data_batch_1.bin data_batch_2.bin data_batch_3.bin data_batch_4.bin
                      data_batch_5.bin test_batch.bin batches.meta.txt)
readonly kCifarBin="cifar10/cifar-10-batches-bin"
fake="$work/fake_mirror/$kCifarBin"
mkdir -p "$fake"
for f in "${kCifarFiles[@]}"; do
    # Two 3073-byte records' worth of bytes, different in every file: the script only copies and
    # checks them, it does not parse them.
    yes "fake $f" | head -c 6146 > "$fake/$f"
done
(cd "$fake" && md5sum "${kCifarFiles[@]}" > MD5SUMS)

echo "check: fetching cifar10 from a mirror checks the mirror's MD5SUMS and says whose they are"
run cifar cifar10 --mirror "$work/fake_mirror" --data-dir "$work/data"
if [[ $rc -eq 0 ]]; then pass "exit 0"; else fail "exit $rc: $out"; fi
for f in "${kCifarFiles[@]}"; do
    if cmp -s "$fake/$f" "$work/data/$kCifarBin/$f"; then pass "$f identical"; else
        fail "$f missing or different"
    fi
done
if grep -q "the mirror's own checksums" <<< "$out" &&
    grep -q "not the official CIFAR-10 bytes" <<< "$out" &&
    [[ $(grep -c "differs from the official md5" <<< "$out") -eq 6 ]] &&
    grep -q "0 of 6 also match the official MD5s" <<< "$out"; then
    pass "output says the checksums are the mirror's and the bytes not official"
else
    fail "output does not say whose checksums these are: $out"
fi

echo "check: a second cifar10 run skips the verified files"
run cifar_again cifar10 --mirror "$work/fake_mirror" --data-dir "$work/data"
if [[ $rc -eq 0 && $(grep -c "present, md5 ok (the mirror's MD5SUMS)" <<< "$out") -eq 7 ]]; then
    pass "7 files skipped"
else
    fail "exit $rc, output: $out"
fi

echo "check: a corrupt cifar10 mirror fails, names the file, and leaves it unwritten"
mkdir -p "$work/bad_cifar"
cp -r "$work/fake_mirror/cifar10" "$work/bad_cifar/cifar10"
printf 'X' | dd of="$work/bad_cifar/$kCifarBin/data_batch_4.bin" bs=1 seek=100 conv=notrunc \
    status=none
run cifar_corrupt cifar10 --mirror "$work/bad_cifar" --data-dir "$work/out_cifar"
if [[ $rc -ne 0 ]]; then pass "exit $rc"; else fail "exit 0 on a corrupt mirror"; fi
if grep -q "md5 mismatch for data_batch_4.bin" <<< "$out"; then
    pass "message names data_batch_4.bin: $(grep "md5 mismatch" <<< "$out")"
else
    fail "message does not name data_batch_4.bin: $out"
fi
if [[ ! -e "$work/out_cifar/$kCifarBin/data_batch_4.bin" ]]; then
    pass "data_batch_4.bin not written"
else
    fail "data_batch_4.bin was written despite the mismatch"
fi
leftovers="$(find "$work/out_cifar" -name '.*' -type f)"
if [[ -z "$leftovers" ]]; then pass "no temporary files left"; else
    fail "temporary files left: $leftovers"
fi

echo "check: a cifar10 mirror without an MD5SUMS entry, or without MD5SUMS, fails"
grep -v test_batch.bin "$fake/MD5SUMS" > "$work/bad_cifar/$kCifarBin/MD5SUMS"
cp "$fake/data_batch_4.bin" "$work/bad_cifar/$kCifarBin/data_batch_4.bin"
run cifar_no_entry cifar10 --mirror "$work/bad_cifar" --data-dir "$work/out_cifar"
if [[ $rc -eq 1 ]] && grep -q "expected an MD5 for test_batch.bin in" <<< "$out"; then
    pass "missing entry -> exit 1, $(tail -n 1 <<< "$out")"
else
    fail "missing entry -> exit $rc: $out"
fi
rm "$work/bad_cifar/$kCifarBin/MD5SUMS"
run cifar_no_manifest cifar10 --mirror "$work/bad_cifar" --data-dir "$work/out_cifar"
if [[ $rc -eq 1 ]] && grep -q "expected the mirror's checksum list" <<< "$out"; then
    pass "no MD5SUMS -> exit 1"
else
    fail "no MD5SUMS -> exit $rc: $out"
fi

echo "check: without a mirror, a wrong cifar10 archive fails on the official md5"
if command -v curl > /dev/null; then
    mkdir -p "$work/archive/cifar-10-batches-bin"
    cp "$fake"/*.bin "$work/archive/cifar-10-batches-bin/"
    tar -czf "$work/fake.tar.gz" -C "$work/archive" cifar-10-batches-bin
    out="$(BUDGETGRAD_CIFAR10_URL="file://$work/fake.tar.gz" "$script" cifar10 \
        --data-dir "$work/out_official" 2>&1)"
    rc=$?
    if [[ $rc -eq 1 ]] && grep -q "md5 mismatch for cifar-10-binary.tar.gz" <<< "$out" &&
        grep -q "expected c32a1d4ab5d03f1284b67883e8d87530 (official)" <<< "$out"; then
        pass "exit 1, $(tail -n 1 <<< "$out")"
    else
        fail "exit $rc: $out"
    fi
    leftovers="$(find "$work/out_official" -type f)"
    if [[ -z "$leftovers" ]]; then pass "no file left"; else fail "files left: $leftovers"; fi
else
    echo "  skipped: needs curl for a file:// URL"
fi

echo "check: usage errors exit 2"
for args in "cifar100" "" "mnist --bogus" "mnist --mirror" "mnist mnist"; do
    # shellcheck disable=SC2086  # the arguments are meant to split
    run usage $args --data-dir "$work/out3"
    if [[ $rc -eq 2 ]] && grep -q "usage:" <<< "$out"; then
        pass "'$args' -> exit 2 with usage"
    else
        fail "'$args' -> exit $rc: $out"
    fi
done
if [[ ! -e "$work/out3" ]]; then pass "nothing written on usage errors"; else
    fail "usage errors created $work/out3"
fi

if [[ $failures -ne 0 ]]; then
    echo "test_get_data.sh: $failures check(s) FAILED" >&2
    exit 1
fi
echo "test_get_data.sh: all checks passed"
