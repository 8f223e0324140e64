#!/usr/bin/env bash
# Fetches a data set into data/<name>/ and verifies it against the official MD5 checksums, which
# are written below (never taken from the source being checked). Source: a local mirror laid out
# as DIR/<name>/<files> (--mirror DIR or $BUDGETGRAD_DATA_MIRROR), else the official download
# sites. Files are fetched to a temporary name in the target directory, verified, then renamed,
# so a failed run leaves no partial file. Only MNIST for now; the files stay gzipped.
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

usage() {
    cat >&2 <<USAGE
usage: scripts/get_data.sh mnist [--mirror DIR] [--data-dir DIR]

  mnist           the four MNIST .gz files, into DATA_DIR/mnist/
  --mirror DIR    copy from DIR/mnist/ instead of downloading (default: \$BUDGETGRAD_DATA_MIRROR)
  --data-dir DIR  where data sets go (default: the repository's data/)
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
cleanup() {
    if [[ -n "$tmp_file" ]]; then rm -f "$tmp_file"; fi
}
trap cleanup EXIT

# fetch_verified NAME MD5 TARGET_DIR SOURCE_DIR_OR_EMPTY URL...
fetch_verified() {
    local name="$1" expected="$2" target_dir="$3" mirror_dir="$4"
    shift 4
    local target="$target_dir/$name"
    if [[ -f "$target" ]]; then
        local present
        present="$(md5_of "$target")"
        if [[ "$present" == "$expected" ]]; then
            echo "$name: present, md5 ok"
            return 0
        fi
        echo "$name: present but md5 is $present, expected $expected; fetching it again" >&2
    fi

    tmp_file="$(mktemp "$target_dir/.$name.XXXXXX")"
    local source=""
    if [[ -n "$mirror_dir" ]]; then
        source="$mirror_dir/$name"
        [[ -f "$source" ]] || die "expected $name in the mirror $mirror_dir, got no such file"
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
        [[ -n "$source" ]] || die "expected to download $name from one of: $*, got failures only"
    fi

    local actual
    actual="$(md5_of "$tmp_file")"
    if [[ "$actual" != "$expected" ]]; then
        die "md5 mismatch for $name from $source: expected $expected, got $actual"
    fi
    chmod 644 "$tmp_file"
    mv -f "$tmp_file" "$target"
    tmp_file=""
    echo "$name: fetched from $source, md5 ok"
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
        "")
            echo "get_data.sh: expected a data set name, got none" >&2
            usage
            exit 2
            ;;
        *)
            echo "get_data.sh: expected a data set name (mnist), got unknown $dataset" >&2
            usage
            exit 2
            ;;
    esac
}

main "$@"
