#!/usr/bin/env bash
# Fetches data sets into data/<name>/ and verifies every file. Checksums written below are the
# official ones and are never taken from the source being checked, with one stated exception: a
# CIFAR-10 mirror is verified against the mirror's own MD5SUMS (a copy, possibly not the official
# bytes; the script says so and compares with the official MD5s). Sources: a local mirror laid
# out as DIR/<name>/... (--mirror DIR or $BUDGETGRAD_DATA_MIRROR), else the official sites;
# Fashion-MNIST comes from the Debian package. Files are fetched to a temporary name in the
# target folder, verified, then renamed, so a failed run leaves no partial file behind.
set -euo pipefail

kRepoDir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly kRepoDir
readonly kMnistUrls=(
    "https://ossci-datasets.s3.amazonaws.com/mnist"
    "http://yann.lecun.com/exdb/mnist"
)
# The published MD5s of the four MNIST files (as torchvision checks them).
readonly kMnistFiles=(
    "train-images-idx3-ubyte.gz f68b3c2dcbeaaa9fbdd348bbdeb94873"
    "train-labels-idx1-ubyte.gz d53e105ee54ea40749a09fcbcd1e9432"
    "t10k-images-idx3-ubyte.gz 9fb629c4189551a2d022fa330f9573f3"
    "t10k-labels-idx1-ubyte.gz ec29112dd5afa0611ce80d1b7f02629c"
)

# CIFAR-10, binary version: the archive and its MD5 as published on the dataset page
# (https://www.cs.toronto.edu/~kriz/cifar.html). $BUDGETGRAD_CIFAR10_URL may point elsewhere
# (a proxy, a file:// copy); the official MD5 is required all the same.
readonly kCifarArchive="cifar-10-binary.tar.gz"
readonly kCifarUrl="${BUDGETGRAD_CIFAR10_URL:-https://www.cs.toronto.edu/~kriz/$kCifarArchive}"
readonly kCifarArchiveMd5="c32a1d4ab5d03f1284b67883e8d87530"
readonly kCifarFolder="cifar-10-batches-bin"
# MD5s of the official files inside the archive (as pytorch-cpp's cmake/fetch_cifar10.cmake
# lists them).
readonly kCifarFiles=(
    "data_batch_1.bin 5dd7e06a14cb22eb9f671a540d1b7c25"
    "data_batch_2.bin 5ea93a67294ea407fff1d09f752e9692"
    "data_batch_3.bin 942cd6a4bcdd0dd3c604fbe906cb4421"
    "data_batch_4.bin ae636b3ba5c66a11e91e8cb52e771fcb"
    "data_batch_5.bin 53f37980c15c3d472c316c40844f3f0d"
    "test_batch.bin 803d5f7f4d78ea53de84dbe85f74fb6d"
)
readonly kCifarExtras=(batches.meta.txt readme.html)  # in the archive, not checksummed

# Fashion-MNIST from Debian's dataset-fashion-mnist. Debian recompressed the .gz files, so they
# are checked by the MD5 of their uncompressed IDX content, the values upstream publishes.
readonly kFashionPackage="dataset-fashion-mnist"
readonly kFashionDir="/usr/share/datasets/fashion-mnist"
readonly kFashionFiles=(
    "train-images-idx3-ubyte.gz f4a8712d7a061bf5bd6d2ca38dc4d50a"
    "train-labels-idx1-ubyte.gz 9018921c3c673c538a1fc5bad174d6f9"
    "t10k-images-idx3-ubyte.gz 8181f5470baa50b63fa0f6fddb340f0a"
    "t10k-labels-idx1-ubyte.gz 15d484375f8d13e6eb1aabb0c3f46965"
)

usage() {
    cat >&2 <<USAGE
usage: scripts/get_data.sh NAME [--mirror DIR] [--data-dir DIR]

  mnist           the four MNIST .gz files, into DATA_DIR/mnist/
  cifar10         the six CIFAR-10 .bin files, into DATA_DIR/cifar10/$kCifarFolder/
                  (from DIR/cifar10/$kCifarFolder/ with a mirror, checked against that
                  folder's MD5SUMS; else the official archive, checked against its official MD5)
  fashion-mnist   the four Fashion-MNIST .gz files, into DATA_DIR/fashion-mnist/, from
                  $kFashionDir (installs $kFashionPackage when missing)
  all             all of the above
  --mirror DIR    copy from DIR/<name>/ instead of downloading (default: \$BUDGETGRAD_DATA_MIRROR)
  --data-dir DIR  where data sets go (default: the repository's data/)

  \$BUDGETGRAD_CIFAR10_URL replaces the official archive's URL; its official MD5 still applies.
USAGE
}

die() {
    echo "get_data.sh: $*" >&2
    exit 1
}

md5_of() {
    if command -v md5sum > /dev/null; then
        md5sum "$1" | cut -d ' ' -f 1
    else
        md5 -q "$1"  # macOS
    fi
}

# The MD5 of a gzip file's uncompressed content; "" when it does not decompress.
gunzip_md5_of() {
    local sum
    if command -v md5sum > /dev/null; then
        sum="$(gzip -dc "$1" 2> /dev/null | md5sum)" || return 0
    else
        sum="$(gzip -dc "$1" 2> /dev/null | md5 -q)" || return 0
    fi
    echo "${sum%% *}"
}

# What fetch_verified measures and how its messages name the expected checksums. Data sets
# override these with `local` (bash scoping reaches the functions they call).
md5_fn=md5_of
md5_origin="official"

download() {  # download URL OUTPUT: 0 on success
    if command -v curl > /dev/null; then
        curl --fail --silent --show-error --location --retry 2 --output "$2" "$1"
    elif command -v wget > /dev/null; then
        wget --quiet --tries=3 --output-document="$2" "$1"
    else
        die "expected curl or wget to download $1, got neither (or use --mirror DIR)"
    fi
}

tmp_file=""
tmp_dir=""
cleanup() {
    if [[ -n "$tmp_file" ]]; then rm -f "$tmp_file"; fi
    if [[ -n "$tmp_dir" ]]; then rm -rf "$tmp_dir"; fi
}
trap cleanup EXIT

# fetch_verified NAME MD5 TARGET_DIR SOURCE_DIR_OR_EMPTY URL...
fetch_verified() {
    local name="$1" expected="$2" target_dir="$3" mirror_dir="$4"
    shift 4
    local target="$target_dir/$name"
    if [[ -f "$target" ]]; then
        local present
        present="$("$md5_fn" "$target")"
        if [[ "$present" == "$expected" ]]; then
            echo "$name: present, md5 ok ($md5_origin)"
            return 0
        fi
        echo "$name: present but md5 is ${present:-unreadable}, expected $expected" \
            "($md5_origin); fetching it again" >&2
    fi

    tmp_file="$(mktemp "$target_dir/.$name.XXXXXX")"
    local source=""
    if [[ -n "$mirror_dir" ]]; then
        source="$mirror_dir/$name"
        [[ -f "$source" ]] || die "expected $name in $mirror_dir, got no such file"
        cp "$source" "$tmp_file"
    else
        local url
        for url in "$@"; do
            echo "$name: downloading $url/$name"
            if download "$url/$name" "$tmp_file"; then
                source="$url/$name"
                break
            fi
            echo "$name: download from $url failed" >&2
        done
        [[ -n "$source" ]] || die "expected to download $name from one of: $*, got failures only;" \
            "without internet, name a folder holding the files with --mirror DIR or" \
            "BUDGETGRAD_DATA_MIRROR=DIR"
    fi

    local actual
    actual="$("$md5_fn" "$tmp_file")"
    if [[ "$actual" != "$expected" ]]; then
        die "md5 mismatch for $name from $source: expected $expected ($md5_origin)," \
            "got ${actual:-an undecodable file}"
    fi
    chmod 644 "$tmp_file"
    mv -f "$tmp_file" "$target"
    tmp_file=""
    echo "$name: fetched from $source, md5 ok ($md5_origin)"
}

get_mnist() {
    local target_dir="$1" mirror="$2"
    local mirror_dir=""
    if [[ -n "$mirror" ]]; then
        mirror_dir="$mirror/mnist"
        [[ -d "$mirror_dir" ]] || die "expected a directory $mirror_dir in the mirror, got none"
    fi
    mkdir -p "$target_dir"
    local entry name md5
    for entry in "${kMnistFiles[@]}"; do
        read -r name md5 <<< "$entry"
        fetch_verified "$name" "$md5" "$target_dir" "$mirror_dir" "${kMnistUrls[@]}"
    done
    echo "mnist: 4 files verified in $target_dir"
}

# manifest_md5 MANIFEST NAME: the MD5 an md5sum-format manifest lists for NAME, or "".
manifest_md5() {
    awk -v name="$2" '($2 == name || $2 == "*" name) && length($1) == 32 && $1 ~ /^[0-9a-f]+$/ {
        print $1
        exit
    }' "$1"
}

# CIFAR-10 from a mirror: each file is checked against the MD5 the mirror's own MD5SUMS gives,
# which proves a faithful copy of the mirror, not that the mirror holds the official bytes. So
# each file is also compared with the official MD5 and the result is reported, not enforced.
get_cifar10_from_mirror() {
    local target_dir="$1" mirror_dir="$2"
    [[ -d "$mirror_dir" ]] || die "expected a directory $mirror_dir in the mirror, got none"
    local manifest="$mirror_dir/MD5SUMS"
    [[ -f "$manifest" ]] ||
        die "expected the mirror's checksum list $manifest (md5sum format), got no such file"
    echo "cifar10: checking against the mirror's own checksums ($manifest): they prove a" \
        "faithful copy of the mirror, not the official CIFAR-10 bytes"
    mkdir -p "$target_dir"
    local md5_origin="the mirror's MD5SUMS"
    local entry name official md5 matches=0
    for entry in "${kCifarFiles[@]}"; do
        read -r name official <<< "$entry"
        md5="$(manifest_md5 "$manifest" "$name")"
        [[ -n "$md5" ]] || die "expected an MD5 for $name in $manifest, got no such entry"
        fetch_verified "$name" "$md5" "$target_dir" "$mirror_dir"
        if [[ "$md5" == "$official" ]]; then
            matches=$((matches + 1))
        else
            echo "$name: differs from the official md5 $official: not the official bytes"
        fi
    done
    # The class names file, when the mirror lists it (there is no official checksum for it).
    md5="$(manifest_md5 "$manifest" batches.meta.txt)"
    if [[ -n "$md5" ]]; then
        fetch_verified batches.meta.txt "$md5" "$target_dir" "$mirror_dir"
    fi
    echo "cifar10: ${#kCifarFiles[@]} files verified against the mirror's MD5SUMS in" \
        "$target_dir; $matches of ${#kCifarFiles[@]} also match the official MD5s"
}

# CIFAR-10 from the official archive: download, check the archive's official MD5, unpack only
# the known members, check each against its official MD5, move them in place.
get_cifar10_official() {
    local root="$1" target_dir="$2"
    mkdir -p "$target_dir"
    local entry name md5 stale=""
    for entry in "${kCifarFiles[@]}"; do
        read -r name md5 <<< "$entry"
        if [[ ! -f "$target_dir/$name" ]]; then
            stale="$name is missing"
            break
        fi
        local present
        present="$(md5_of "$target_dir/$name")"
        if [[ "$present" != "$md5" ]]; then
            stale="$name has md5 $present, not the official $md5"
            break
        fi
    done
    if [[ -z "$stale" ]]; then
        echo "cifar10: ${#kCifarFiles[@]} files present in $target_dir, official md5s ok"
        return 0
    fi
    echo "cifar10: $stale; downloading $kCifarUrl"

    tmp_file="$(mktemp "$root/.$kCifarArchive.XXXXXX")"
    download "$kCifarUrl" "$tmp_file" || die "expected to download $kCifarUrl, got a failure"
    local actual
    actual="$(md5_of "$tmp_file")"
    [[ "$actual" == "$kCifarArchiveMd5" ]] || die "md5 mismatch for $kCifarArchive from" \
        "$kCifarUrl: expected $kCifarArchiveMd5 (official), got $actual"
    echo "$kCifarArchive: md5 ok (official)"

    tmp_dir="$(mktemp -d "$root/.cifar10_unpack.XXXXXX")"
    local members=()
    for entry in "${kCifarFiles[@]}"; do
        read -r name md5 <<< "$entry"
        members+=("$kCifarFolder/$name")
    done
    tar -xzf "$tmp_file" -C "$tmp_dir" "${members[@]}" ||
        die "expected $kCifarArchive to hold ${members[*]}, got an unpacking error"
    for name in "${kCifarExtras[@]}"; do
        tar -xzf "$tmp_file" -C "$tmp_dir" "$kCifarFolder/$name" 2> /dev/null || true
    done
    for entry in "${kCifarFiles[@]}"; do
        read -r name md5 <<< "$entry"
        actual="$(md5_of "$tmp_dir/$kCifarFolder/$name")"
        [[ "$actual" == "$md5" ]] ||
            die "md5 mismatch for $name from $kCifarArchive: expected $md5 (official), got $actual"
    done
    for name in "${kCifarFiles[@]%% *}" "${kCifarExtras[@]}"; do
        if [[ -f "$tmp_dir/$kCifarFolder/$name" ]]; then
            chmod 644 "$tmp_dir/$kCifarFolder/$name"
            mv -f "$tmp_dir/$kCifarFolder/$name" "$target_dir/$name"
        fi
    done
    rm -rf "$tmp_dir" "$tmp_file"
    tmp_dir=""
    tmp_file=""
    echo "cifar10: ${#kCifarFiles[@]} files verified against the official MD5s in $target_dir"
}

get_cifar10() {
    local root="$1" mirror="$2"
    mkdir -p "$root"
    if [[ -n "$mirror" ]]; then
        get_cifar10_from_mirror "$root/$kCifarFolder" "$mirror/cifar10/$kCifarFolder"
    else
        get_cifar10_official "$root" "$root/$kCifarFolder"
    fi
}

# Installs Debian's Fashion-MNIST package, through sudo when not root.
install_fashion_package() {
    command -v apt-get > /dev/null || die "expected apt-get to install $kFashionPackage, got" \
        "none (not Debian or Ubuntu?); put the four Fashion-MNIST .gz files in $kFashionDir"
    local sudo=()
    if [[ "$(id -u)" -ne 0 ]]; then
        command -v sudo > /dev/null ||
            die "expected root or sudo to install $kFashionPackage, got neither"
        sudo=(sudo)
    fi
    echo "fashion-mnist: $kFashionDir is missing; running ${sudo[*]} apt-get install -y" \
        "$kFashionPackage"
    "${sudo[@]}" apt-get install -y "$kFashionPackage" >&2 ||
        die "expected apt-get install $kFashionPackage to succeed, got a failure" \
            "(run apt-get update first?)"
    [[ -d "$kFashionDir" ]] ||
        die "expected $kFashionPackage to provide $kFashionDir, got no such directory"
}

get_fashion_mnist() {
    local target_dir="$1" mirror="$2"
    if [[ -n "$mirror" ]]; then
        echo "fashion-mnist: the mirror is not used; copying from the Debian package's files"
    fi
    [[ -d "$kFashionDir" ]] || install_fashion_package
    mkdir -p "$target_dir"
    local md5_fn=gunzip_md5_of
    local md5_origin="official, of the uncompressed content"
    local entry name md5
    for entry in "${kFashionFiles[@]}"; do
        read -r name md5 <<< "$entry"
        fetch_verified "$name" "$md5" "$target_dir" "$kFashionDir"
    done
    echo "fashion-mnist: 4 files verified in $target_dir"
}

main() {
    local dataset="" mirror="${BUDGETGRAD_DATA_MIRROR:-}" data_dir="$kRepoDir/data"
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --mirror | --data-dir)
                if [[ $# -lt 2 || -z "$2" || "$2" == -* ]]; then
                    echo "get_data.sh: expected a directory after $1, got '${2:-}'" >&2
                    usage
                    exit 2
                fi
                if [[ "$1" == "--mirror" ]]; then mirror="$2"; else data_dir="$2"; fi
                shift 2
                ;;
            -h | --help)
                usage
                exit 0
                ;;
            -*)
                echo "get_data.sh: expected --mirror or --data-dir, got unknown flag $1" >&2
                usage
                exit 2
                ;;
            *)
                if [[ -n "$dataset" ]]; then
                    echo "get_data.sh: expected one data set name, got $dataset and $1" >&2
                    usage
                    exit 2
                fi
                dataset="$1"
                shift
                ;;
        esac
    done

    case "$dataset" in
        mnist) get_mnist "$data_dir/mnist" "$mirror" ;;
        cifar10) get_cifar10 "$data_dir/cifar10" "$mirror" ;;
        fashion-mnist) get_fashion_mnist "$data_dir/fashion-mnist" "$mirror" ;;
        all)
            get_mnist "$data_dir/mnist" "$mirror"
            get_cifar10 "$data_dir/cifar10" "$mirror"
            get_fashion_mnist "$data_dir/fashion-mnist" "$mirror"
            ;;
        "")
            echo "get_data.sh: expected a data set name, got none" >&2
            usage
            exit 2
            ;;
        *)
            echo "get_data.sh: expected a data set name (mnist, cifar10, fashion-mnist, all)," \
                "got unknown $dataset" >&2
            usage
            exit 2
            ;;
    esac
}

main "$@"
