#include "train/progress.h"

#include <cmath>
#include <string>

#include <fmt/format.h>

namespace budgetgrad {

std::string format_duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "?";
    const auto total = static_cast<int64_t>(std::llround(seconds));
    if (total < 60) return fmt::format("{}s", total);
    if (total < 3600) return fmt::format("{}m{:02}s", total / 60, total % 60);
    return fmt::format("{}h{:02}m", total / 3600, total % 3600 / 60);
}

std::string format_step_line(const StepStats& s) {
    const std::string step =
        s.total_steps > 0
            ? fmt::format("{:>{}}/{}", s.step, std::to_string(s.total_steps).size(), s.total_steps)
            : std::to_string(s.step);
    return fmt::format(
        "step {} | epoch {} | loss {:.4f} | acc {:6.2f}% | lr {:.2e} | {:.1f} ms | {:.0f} img/s | "
        "{} {}",
        step, s.epoch, s.loss, 100.0 * s.accuracy, s.lr, s.ms_per_step, s.images_per_second,
        s.total_steps > 0 ? "eta" : "left", format_duration(s.eta_seconds));
}

}  // namespace budgetgrad
