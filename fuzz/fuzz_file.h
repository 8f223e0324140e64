// The file every fuzz target hands to a reader: the readers take a path, not bytes, so each
// process writes its input to one temporary file of its own (named after the target and the
// process id, reused across iterations, removed at exit). Not thread-safe: libFuzzer runs one
// input at a time per process.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace budgetgrad::fuzz {

// The per-process path for target `name`, created on first use under $TMPDIR (or /tmp).
inline const std::string& input_path(const char* name) {
    static const std::string path = [name] {
        std::error_code ec;
        std::filesystem::path dir = std::filesystem::temp_directory_path(ec);
        if (ec) dir = "/tmp";
        return (dir / (std::string("budgetgrad_fuzz_") + name + "_" + std::to_string(::getpid())))
            .string();
    }();
    static const bool registered = [] {
        std::atexit([] { std::remove(path.c_str()); });
        return true;
    }();
    (void)registered;
    return path;
}

// Replaces the contents of the file at `path` with `data`. A failed write aborts: it is a
// problem of the machine, not a finding, and must not pass silently as one.
inline void write_file(const std::string& path, const uint8_t* data, std::size_t size) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr || (size > 0 && std::fwrite(data, 1, size, f) != size) ||
        std::fclose(f) != 0) {
        std::perror(path.c_str());
        std::abort();
    }
}

}  // namespace budgetgrad::fuzz
