// libFuzzer target for the MNIST IDX readers: the input is written to a file, which is read both
// as an images file and as a labels file (raw or gzip; zlib decides). budgetgrad::Error is the
// expected answer to a bad file; a crash, another exception or a sanitizer report is a finding.
#include <cstddef>
#include <cstdint>

#include "datasets/mnist.h"
#include "engine/check.h"
#include "fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    const std::string& path = budgetgrad::fuzz::input_path("idx");
    budgetgrad::fuzz::write_file(path, data, size);
    try {
        const budgetgrad::IdxImages images = budgetgrad::read_idx_images(path);
        // The header's promise must match what was returned.
        if (images.pixels.size() !=
            static_cast<std::size_t>(images.count * images.rows * images.cols))
            __builtin_trap();
    } catch (const budgetgrad::Error&) {
    }
    try {
        (void)budgetgrad::read_idx_labels(path);
    } catch (const budgetgrad::Error&) {
    }
    return 0;
}
