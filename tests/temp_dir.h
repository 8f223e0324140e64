// TempDir: a fresh folder under the system's temporary directory for a test's files, removed
// with everything in it when the test ends.
#pragma once

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <system_error>
#include <vector>

namespace budgetgrad::testing {

class TempDir {
public:
    TempDir() {
        std::random_device entropy;
        path_ = std::filesystem::temp_directory_path() /
                ("budgetgrad_test_" + std::to_string(entropy()) + std::to_string(entropy()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    // The path of `name` inside the folder; nothing is created.
    std::string file(const std::string& name) const { return (path_ / name).string(); }
    // Likewise for a nested name such as "cats/a.png", creating its parent folders.
    std::string nested_file(const std::string& name) const {
        const std::filesystem::path path = path_ / name;
        std::filesystem::create_directories(path.parent_path());
        return path.string();
    }
    std::string str() const { return path_.string(); }
    const std::filesystem::path& path() const { return path_; }

    // Names of everything in the folder, sorted.
    std::vector<std::string> listing() const {
        std::vector<std::string> names;
        for (const auto& entry : std::filesystem::directory_iterator(path_)) {
            names.push_back(entry.path().filename().string());
        }
        std::sort(names.begin(), names.end());
        return names;
    }

private:
    std::filesystem::path path_;
};

}  // namespace budgetgrad::testing
