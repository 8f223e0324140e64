// Parses the reference format line by line. Numbers go through strtod / strtoll with a check that
// the whole token was consumed, so "1.5x" or a truncated line is an error, not a silent zero.
// '%.17g' output read back by strtod is exact, so the tests see PyTorch's doubles bit for bit.
#include "reference/reference_file.h"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace budgetgrad::testing {

namespace {

constexpr const char* kRegenerateHint = "run /usr/bin/python3 tests/reference/generate.py";

// Reads whitespace-separated tokens of one line, naming the file and line in every error.
class LineReader {
public:
    LineReader(const std::string& path, int line_number, const std::string& line)
        : path_(path), line_number_(line_number), in_(line) {}

    std::string word(const char* what) {
        std::string token;
        BG_CHECK(static_cast<bool>(in_ >> token), where(), "expected ", what,
                 ", got the end of the line");
        return token;
    }

    double number(const char* what) {
        const std::string token = word(what);
        char* end = nullptr;
        errno = 0;
        const double value = std::strtod(token.c_str(), &end);
        BG_CHECK(end == token.c_str() + token.size() && errno != ERANGE, where(), "expected ", what,
                 " as a number, got '", token, "'");
        return value;
    }

    int64_t integer(const char* what) {
        const std::string token = word(what);
        char* end = nullptr;
        errno = 0;
        const long long value = std::strtoll(token.c_str(), &end, 10);
        BG_CHECK(end == token.c_str() + token.size() && errno != ERANGE, where(), "expected ", what,
                 " as an integer, got '", token, "'");
        return value;
    }

    void expect_end() {
        std::string extra;
        BG_CHECK(!(in_ >> extra), where(), "expected the end of the line, got '", extra, "'");
    }

    std::string where() const {
        return detail::concat("reference file ", path_, ", line ", line_number_, ": ");
    }

private:
    const std::string& path_;
    int line_number_;
    std::istringstream in_;
};

}  // namespace

ReferenceFile::ReferenceFile(std::string path) : path_(std::move(path)) {
    std::ifstream in(path_);
    BG_CHECK(in.is_open(), "reference: cannot open ", path_, " (", kRegenerateHint, ")");
    std::string line;
    int line_number = 0;
    while (std::getline(in, line)) {
        ++line_number;
        if (line.empty() || line[0] == '#') continue;
        LineReader header(path_, line_number, line);
        const std::string kind = header.word("a block keyword");
        const std::string name = header.word("a name");
        BG_CHECK(!has(name), header.where(), "expected a new name, got '", name, "' a second time");
        if (kind == "scalar") {
            scalars_[name] = header.number("the scalar's value");
            scalar_order_.push_back(name);
            header.expect_end();
        } else if (kind == "ints") {
            const int64_t count = header.integer("the count");
            BG_CHECK(count >= 0, header.where(), "expected a count >= 0, got ", count);
            std::vector<int64_t> values;
            for (int64_t i = 0; i < count; ++i)
                values.push_back(header.integer("one of the integers"));
            header.expect_end();
            ints_[name] = std::move(values);
        } else if (kind == "tensor") {
            const int64_t ndim = header.integer("the number of dimensions");
            BG_CHECK(ndim >= 0 && ndim <= 8, header.where(), "expected 0 to 8 dimensions, got ",
                     ndim);
            TensorBlock block;
            for (int64_t d = 0; d < ndim; ++d) {
                block.shape.push_back(header.integer("a dimension"));
                BG_CHECK(block.shape.back() >= 0, header.where(), "expected dimensions >= 0, got ",
                         block.shape.back());
            }
            header.expect_end();
            const int64_t numel = shape_numel(block.shape);
            BG_CHECK(std::getline(in, line), "reference file ", path_, ", line ", line_number + 1,
                     ": expected the ", numel, " values of tensor '", name,
                     "', got the end of the file");
            ++line_number;
            LineReader values(path_, line_number, line);
            block.values.reserve(static_cast<std::size_t>(numel));
            for (int64_t i = 0; i < numel; ++i)
                block.values.push_back(values.number("a tensor value"));
            values.expect_end();
            tensors_[name] = std::move(block);
            tensor_order_.push_back(name);
        } else {
            throw Error(header.where() + "expected 'tensor', 'scalar' or 'ints', got '" + kind +
                        "'");
        }
    }
}

Tensor ReferenceFile::tensor(const std::string& name) const {
    const auto found = tensors_.find(name);
    BG_CHECK(found != tensors_.end(), "reference file ", path_, ": expected a tensor named '", name,
             "', found none (", kRegenerateHint, ")");
    return Tensor::from_vector(found->second.shape, std::span<const double>(found->second.values));
}

double ReferenceFile::scalar(const std::string& name) const {
    const auto found = scalars_.find(name);
    BG_CHECK(found != scalars_.end(), "reference file ", path_, ": expected a scalar named '", name,
             "', found none (", kRegenerateHint, ")");
    return found->second;
}

std::vector<int64_t> ReferenceFile::ints(const std::string& name) const {
    const auto found = ints_.find(name);
    BG_CHECK(found != ints_.end(), "reference file ", path_, ": expected ints named '", name,
             "', found none (", kRegenerateHint, ")");
    return found->second;
}

bool ReferenceFile::has(const std::string& name) const {
    return tensors_.contains(name) || scalars_.contains(name) || ints_.contains(name);
}

namespace {

std::vector<std::string> with_prefix(const std::vector<std::string>& names,
                                     const std::string& prefix) {
    std::vector<std::string> out;
    for (const std::string& name : names) {
        if (name.starts_with(prefix)) out.push_back(name.substr(prefix.size()));
    }
    return out;
}

}  // namespace

std::vector<std::string> ReferenceFile::scalar_names(const std::string& prefix) const {
    return with_prefix(scalar_order_, prefix);
}

std::vector<std::string> ReferenceFile::tensor_names(const std::string& prefix) const {
    return with_prefix(tensor_order_, prefix);
}

ReferenceFile load_reference(const std::string& case_name) {
    return ReferenceFile(std::string(BUDGETGRAD_REFERENCE_DIR) + "/" + case_name + ".txt");
}

}  // namespace budgetgrad::testing
