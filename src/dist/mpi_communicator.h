#pragma once
// MPI (Open MPI from Debian) as the Communicator of bcnn-train under mpirun; built when
// libopenmpi-dev is present (BCNN_WITH_MPI). Outside mpirun nothing of MPI is touched.
#include <memory>

#include "dist/communicator.h"

namespace bcnn {

// Initializes MPI (once) and returns the communicator of every process of the job; MPI is
// finalized when it is destroyed.
std::unique_ptr<Communicator> mpi_communicator(int& argc, char**& argv);

}  // namespace bcnn
