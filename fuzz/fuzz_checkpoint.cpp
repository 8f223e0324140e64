// libFuzzer target for StateDict::load and, when a file loads, read_checkpoint_info on it.
// Every file ends with a CRC-32 of all bytes before it, which random mutations almost never get
// right; so the last 4 bytes of the input are overwritten with the correct CRC (zlib's crc32,
// little-endian, as the format says) and the fuzzer reaches the parser behind the check. The
// CRC comparison itself is then not fuzzed; the unit tests cover it.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/check.h"
#include "engine/state_dict.h"
#include "fuzz/fuzz_file.h"
#include "train/checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    std::vector<uint8_t> bytes(data, data + size);
    if (bytes.size() >= sizeof(uint32_t)) {
        const std::size_t body = bytes.size() - sizeof(uint32_t);
        const auto crc = static_cast<uint32_t>(
            ::crc32(::crc32(0L, Z_NULL, 0), bytes.data(), static_cast<uInt>(body)));
        for (std::size_t i = 0; i < sizeof(uint32_t); ++i)
            bytes[body + i] = static_cast<uint8_t>(crc >> (8 * i));
    }
    const std::string& path = budgetgrad::fuzz::input_path("checkpoint");
    budgetgrad::fuzz::write_file(path, bytes.data(), bytes.size());
    try {
        (void)budgetgrad::StateDict::load(path);
    } catch (const budgetgrad::Error&) {
        return 0;
    }
    try {
        (void)budgetgrad::read_checkpoint_info(path);
    } catch (const budgetgrad::Error&) {
    }
    return 0;
}
