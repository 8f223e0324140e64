// Counts the multiply-accumulates of linear and conv2d calls made on this thread while a
// MacCounter is alive, for model summaries and benchmark GFLOP/s figures.
#pragma once

#include <cstdint>

namespace budgetgrad {

class MacCounter {
public:
    MacCounter();
    ~MacCounter();
    MacCounter(const MacCounter&) = delete;
    MacCounter& operator=(const MacCounter&) = delete;
    int64_t macs() const { return macs_; }

private:
    friend void count_macs(int64_t macs);
    int64_t macs_ = 0;
    MacCounter* outer_;
};

// Adds to every live counter on this thread; called by the ops.
void count_macs(int64_t macs);

}  // namespace budgetgrad
