// The training log's line formats, shared by every example: fixed fields and widths so that
// logs line up and can be read by scripts.
//   step  120/2000 | epoch 1 | loss 0.4312 | acc 87.50% | lr 4.70e-02 | 35.2 ms | 1817 img/s |
//   eta 1m10s
// and under a time budget, where the number of steps is not known in advance,
//   step 120 | epoch 1 | ... | 1817 img/s | left 4m10s
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace budgetgrad {

struct StepStats {
    int64_t step;         // optimizer steps done, 1-based for display
    int64_t total_steps;  // T; 0 for a time budget, whose eta is the training time left
    int64_t epoch;        // 1-based
    double loss;          // mean over the logging interval
    double accuracy;      // training accuracy over the interval, in [0, 1]
    double lr;            // lr used by the last step
    double ms_per_step;   // mean over the interval
    double images_per_second;
    double eta_seconds;
    double elapsed_seconds;  // training time so far
};

std::string format_step_line(const StepStats& stats);
// "45s", "3m07s", "1h02m"
std::string format_duration(double seconds);

// Seconds since construction or the last reset(), from a monotonic clock.
class Stopwatch {
public:
    Stopwatch() { reset(); }
    void reset() { start_ = std::chrono::steady_clock::now(); }
    double seconds() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    }

private:
    std::chrono::steady_clock::time_point start_;
};

}  // namespace budgetgrad
