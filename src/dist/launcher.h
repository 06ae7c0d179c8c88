#pragma once
// Whether this process is one of several started by an MPI launcher (mpirun, mpiexec, srun): the
// launcher's environment names more than one process (OMPI_COMM_WORLD_SIZE for Open MPI,
// PMI_SIZE for MPICH and Slurm's PMI). Without one, bcnn-train never touches MPI.
namespace bcnn {

bool launched_by_mpi();

}  // namespace bcnn
