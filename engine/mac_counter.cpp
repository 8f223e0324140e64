#include "engine/mac_counter.h"

namespace budgetgrad {

namespace {
thread_local MacCounter* g_innermost = nullptr;
}  // namespace

MacCounter::MacCounter() : outer_(g_innermost) {
    g_innermost = this;
}

MacCounter::~MacCounter() {
    g_innermost = outer_;
}

void count_macs(int64_t macs) {
    for (MacCounter* c = g_innermost; c != nullptr; c = c->outer_)
        c->macs_ += macs;
}

}  // namespace budgetgrad
