#pragma once
// Whether this process is one of several started by an MPI launcher (mpirun, mpiexec, srun): the
// launcher's environment names more than one process (OMPI_COMM_WORLD_SIZE for Open MPI,
// PMI_SIZE for MPICH and Slurm's PMI). Without one, bcnn-train never touches MPI.
namespace bcnn {

bool launched_by_mpi();

// The processes of this MPI job on this machine (Open MPI's OMPI_COMM_WORLD_LOCAL_SIZE, MPICH's
// MPI_LOCALNRANKS); 1 without a launcher.
int local_ranks();

}  // namespace bcnn
