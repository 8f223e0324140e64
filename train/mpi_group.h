// The process group of a program started by mpirun: MPI_COMM_WORLD behind the ProcessGroup
// interface, in builds configured with -DBUDGETGRAD_MPI=ON. Started without mpirun, or built
// without MPI, a program is one process and has no group.
#pragma once

#include <string>

#include "train/process_group.h"

namespace budgetgrad {

// The group of this run, or null for a single process. MPI is initialized on the first call
// and finalized at exit; processes other than rank 0 send their standard output to /dev/null
// from then on. Throws budgetgrad::Error when started by mpirun with several processes in a
// build without MPI (each would otherwise train the whole model alone).
ProcessGroup* world();

// Rank and size of the group, without initializing it: 0 and 1 for a single process.
int world_rank();
int world_size();

// The number of threads each process should use by default: the cores divided among the
// processes mpirun started on this machine.
int default_threads();

// After an error on this process: ends every process of the group (MPI_Abort with `status`),
// so that none waits for this one forever. Does nothing for a single process.
void abort_group(int status);

// "" for a single process, " (rank 1 of 2)" in a group: for error messages.
std::string rank_label();

}  // namespace budgetgrad
