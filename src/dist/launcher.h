#pragma once
// Whether this process is one of several started by an MPI launcher: the launcher's environment
// names more than one process (OMPI_COMM_WORLD_SIZE for Open MPI's mpirun, PMI_SIZE for MPICH and
// Slurm's PMI-2, PMIX_RANK with SLURM_STEP_NUM_TASKS for Slurm's `srun --mpi=pmix`). Without one,
// bcnn-train never touches MPI.
#include <string>

namespace bcnn {

bool launched_by_mpi();

// The processes of this MPI job on this machine (Open MPI's OMPI_COMM_WORLD_LOCAL_SIZE, MPICH's
// MPI_LOCALNRANKS, Slurm's SLURM_STEP_TASKS_PER_NODE at SLURM_NODEID); 1 without a launcher.
int local_ranks();

// The tasks of node `node` in Slurm's SLURM_STEP_TASKS_PER_NODE ("2(x3),1": 2 on nodes 0-2, 1 on
// node 3); 0 when the text or the node is not there.
int slurm_tasks_on_node(const std::string& tasks_per_node, int node);

}  // namespace bcnn
