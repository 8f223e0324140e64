// libFuzzer target for read_cifar_batch: the input is written to a file and read as a CIFAR-10
// .bin batch. budgetgrad::Error is the expected answer to a bad file; a crash, another exception
// or a sanitizer report is a finding, and so is a result that disagrees with itself.
#include <cstddef>
#include <cstdint>

#include "datasets/cifar10.h"
#include "engine/check.h"
#include "fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    const std::string& path = budgetgrad::fuzz::input_path("cifar");
    budgetgrad::fuzz::write_file(path, data, size);
    try {
        const budgetgrad::CifarRecords records = budgetgrad::read_cifar_batch(path);
        const auto count = static_cast<std::size_t>(records.count);
        if (records.labels.size() != count ||
            records.pixels.size() != count * budgetgrad::kCifarImageBytes)
            __builtin_trap();
        for (const uint8_t label : records.labels)
            if (label >= budgetgrad::kCifarClasses) __builtin_trap();
    } catch (const budgetgrad::Error&) {
    }
    return 0;
}
