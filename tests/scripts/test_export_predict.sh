#!/usr/bin/env bash
# examples/export_images writes test images as PNG files named after their class, and
# examples/predict classifies them with a checkpoint of a short MNIST run.
#   usage: tests/scripts/test_export_predict.sh EXPORT_PROGRAM MNIST_PROGRAM PREDICT_PROGRAM MNIST_DIR
set -uo pipefail
export_images="$1"
mnist="$2"
predict="$3"
data="$4"
if [[ ! -d "$data" ]]; then
    echo "data folder $data is missing: run scripts/get_data.sh mnist" >&2
    exit 1
fi
source "$(dirname "$0")/lib.sh"

"$export_images" --dataset mnist --data-dir "$data" --count 3 --out "$work/images" >"$work/export.log" 2>&1 ||
    fail "export_images: $(tail -n 2 "$work/export.log")"
# The first three MNIST test digits are 7, 2 and 1.
for name in test-0-7 test-1-2 test-2-1; do
    [[ "$(head -c 4 "$work/images/$name.png" 2>/dev/null | tail -c 3)" == PNG ]] ||
        fail "no PNG image $name.png"
done
out=$("$export_images" --dataset mnist --data-dir "$data" --first 9999 --count 2 --out "$work/images" 2>&1)
status=$?
[[ $status -eq 2 && "$out" == *"--count: expected --first + --count at most 10000"* ]] ||
    fail "an export past the end: status $status, message: $out"

"$mnist" --data-dir "$data" --model lenet5 --budget-steps 200 --threads 1 --log-every 0 \
    --save "$work/lenet5.ckpt" >"$work/train.log" 2>&1 || fail "training: $(tail -n 2 "$work/train.log")"
"$predict" --checkpoint "$work/lenet5.ckpt" "$work"/images/*.png >"$work/predict.log" 2>&1 ||
    fail "predict: $(cat "$work/predict.log")"
# After 200 steps lenet5 gets these three easy digits right.
for digit in 7 2 1; do
    grep -qE "test-[0-9]-$digit.png: +$digit [0-9.]+%" "$work/predict.log" ||
        fail "digit $digit misread: $(cat "$work/predict.log")"
done
# A file that is no image is reported by name; the images after it are still classified.
echo "not an image" >"$work/junk.png"
"$predict" --checkpoint "$work/lenet5.ckpt" "$work/junk.png" "$work/images/test-0-7.png" \
    >"$work/mixed.log" 2>"$work/mixed.err"
status=$?
[[ $status -eq 1 ]] || fail "predict with a bad file exited with $status, expected 1"
grep -q "junk.png: expected a PNG, JPEG or BMP image" "$work/mixed.err" ||
    fail "the bad file was not named: $(cat "$work/mixed.err")"
grep -q "test-0-7.png: " "$work/mixed.log" || fail "the image after the bad file was skipped"
finish export-and-predict
