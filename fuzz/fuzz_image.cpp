// libFuzzer target for read_image (stb_image decoding, channel conversion, resize). The first
// input byte picks the channels (even: 1, odd: 3), the second the side (8 + byte % 57, so
// 8..64); the rest is written to a file and decoded. budgetgrad::Error is the expected answer
// to a bad file; a crash, another exception or a sanitizer report is a finding.
#include <cstddef>
#include <cstdint>

#include "datasets/image_folder.h"
#include "engine/check.h"
#include "fuzz/fuzz_file.h"

namespace {
constexpr int64_t kMinSide = 8;
constexpr int64_t kMaxSide = 64;
constexpr std::size_t kParamBytes = 2;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    if (size < kParamBytes) return 0;
    const int64_t channels = (data[0] & 1) ? 3 : 1;
    const int64_t side = kMinSide + data[1] % (kMaxSide - kMinSide + 1);
    const std::string& path = budgetgrad::fuzz::input_path("image");
    budgetgrad::fuzz::write_file(path, data + kParamBytes, size - kParamBytes);
    try {
        const std::vector<uint8_t> pixels = budgetgrad::read_image(path, channels, side);
        if (pixels.size() != static_cast<std::size_t>(channels * side * side)) __builtin_trap();
    } catch (const budgetgrad::Error&) {
    }
    return 0;
}
