#include "train/mpi_group.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "engine/check.h"
#include "engine/parallel.h"

#ifdef BUDGETGRAD_WITH_MPI
#include <mpi.h>
#endif

namespace budgetgrad {

namespace {

// What the launcher tells each process (Open MPI, then MPICH and other PMI launchers).
int launcher_value(const char* open_mpi, const char* pmi, int fallback) {
    for (const char* name : {open_mpi, pmi}) {
        if (const char* value = std::getenv(name)) return std::atoi(value);
    }
    return fallback;
}

#ifdef BUDGETGRAD_WITH_MPI

void check_mpi(int code, const char* what) {
    if (code == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(code, text, &length);
    throw Error(fmt::format("MPI: {} failed: {}", what, std::string(text, length)));
}

template <typename T>
MPI_Datatype mpi_type();
template <>
MPI_Datatype mpi_type<float>() {
    return MPI_FLOAT;
}
template <>
MPI_Datatype mpi_type<double>() {
    return MPI_DOUBLE;
}

class MpiGroup final : public ProcessGroup {
public:
    MpiGroup() {
        MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
        MPI_Comm_size(MPI_COMM_WORLD, &size_);
    }
    int rank() const override { return rank_; }
    int size() const override { return size_; }
    void all_reduce_sum(std::span<float> values) override { reduce(values); }
    void all_reduce_sum(std::span<double> values) override { reduce(values); }
    void broadcast(std::span<float> values) override { cast(values); }
    void broadcast(std::span<double> values) override { cast(values); }

private:
    // MPI counts elements with an int: larger spans go in pieces.
    static constexpr std::size_t kPiece = std::size_t{1} << 30;

    template <typename T>
    void reduce(std::span<T> values) {
        for (std::size_t at = 0; at < values.size(); at += kPiece) {
            const auto n = static_cast<int>(std::min(kPiece, values.size() - at));
            check_mpi(MPI_Allreduce(MPI_IN_PLACE, values.data() + at, n, mpi_type<T>(), MPI_SUM,
                                    MPI_COMM_WORLD),
                      "MPI_Allreduce");
        }
    }
    template <typename T>
    void cast(std::span<T> values) {
        for (std::size_t at = 0; at < values.size(); at += kPiece) {
            const auto n = static_cast<int>(std::min(kPiece, values.size() - at));
            check_mpi(MPI_Bcast(values.data() + at, n, mpi_type<T>(), 0, MPI_COMM_WORLD),
                      "MPI_Bcast");
        }
    }

    int rank_ = 0, size_ = 1;
};

void finalize() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Finalize();
}

#endif

std::unique_ptr<ProcessGroup>& group_slot() {
    static std::unique_ptr<ProcessGroup> group;
    return group;
}

}  // namespace

int world_rank() {
    return launcher_value("OMPI_COMM_WORLD_RANK", "PMI_RANK", 0);
}
int world_size() {
    return launcher_value("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", 1);
}

int default_threads() {
    const int local = launcher_value("OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", 1);
    // OpenMP counts the CPUs this process may run on (or OMP_NUM_THREADS).
    const int usable = max_threads();
    if (local <= 1) return usable;
    // mpirun bound the process to some of the machine's CPUs: they are its own.
    if (usable < static_cast<int>(std::thread::hardware_concurrency())) return usable;
    // Unbound: the processes on this machine share its CPUs.
    return std::max(1, usable / local);
}

ProcessGroup* world() {
    static bool started = false;
    if (started) return group_slot().get();
    started = true;
    if (world_size() <= 1) return nullptr;
#ifdef BUDGETGRAD_WITH_MPI
    int provided = 0;
    // Only the thread that runs the training loop calls MPI.
    check_mpi(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    std::atexit(finalize);
    group_slot() = std::make_unique<MpiGroup>();
    if (group_slot()->rank() != 0 && std::freopen("/dev/null", "w", stdout) == nullptr) {
        throw Error("could not send the standard output of a rank other than 0 to /dev/null");
    }
    return group_slot().get();
#else
    throw Error(
        fmt::format("started by mpirun as one of {} processes, but this build has no MPI support; "
                    "configure with -DBUDGETGRAD_MPI=ON (needs Debian's libopenmpi-dev)",
                    world_size()));
#endif
}

void abort_group(int status) {
#ifdef BUDGETGRAD_WITH_MPI
    if (group_slot() != nullptr) {
        std::fflush(stdout);
        std::fflush(stderr);
        MPI_Abort(MPI_COMM_WORLD, status);
    }
#else
    (void)status;
#endif
}

std::string rank_label() {
    if (world_size() <= 1) return "";
    return fmt::format(" (rank {} of {})", world_rank(), world_size());
}

}  // namespace budgetgrad
