# Sourced by the end-to-end test scripts: a work folder ($work) removed at exit, fail MESSAGE to
# count a failed check, and finish WHAT to report and exit with the right status.
work="$(mktemp -d "${TMPDIR:-/tmp}/budgetgrad_test.XXXXXX")"
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
    echo "FAILED: $*" >&2
    failures=$((failures + 1))
}
finish() {
    if [[ $failures -gt 0 ]]; then
        echo "$failures $1 checks failed" >&2
        exit 1
    fi
    echo "all $1 checks passed"
}
