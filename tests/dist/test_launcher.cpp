// dist/launcher.h: an MPI launch is recognized from the launcher's environment (mpirun, MPICH,
// Slurm's srun), and so is the number of ranks on this machine.
#include <doctest/doctest.h>

#include <cstdlib>
#include <map>
#include <optional>
#include <string>

#include "dist/launcher.h"

namespace {

// Sets the launcher variables of one case and restores the process's own on destruction.
class LauncherEnvironment {
 public:
  explicit LauncherEnvironment(const std::map<std::string, std::string>& values) {
    for (const char* name : {"OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_SIZE", "PMI_SIZE", "MPI_LOCALNRANKS",
                             "PMIX_RANK", "SLURM_STEP_NUM_TASKS", "SLURM_STEP_TASKS_PER_NODE", "SLURM_NODEID"}) {
      const char* old = std::getenv(name);
      saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
      ::unsetenv(name);
    }
    for (const auto& [name, value] : values) ::setenv(name.c_str(), value.c_str(), 1);
  }
  ~LauncherEnvironment() {
    for (const auto& [name, value] : saved_) {
      if (value)
        ::setenv(name.c_str(), value->c_str(), 1);
      else
        ::unsetenv(name.c_str());
    }
  }
  LauncherEnvironment(const LauncherEnvironment&) = delete;
  LauncherEnvironment& operator=(const LauncherEnvironment&) = delete;

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

}  // namespace

TEST_CASE("launcher: Slurm's tasks per node, by node") {
  CHECK(bcnn::slurm_tasks_on_node("4", 0) == 4);
  CHECK(bcnn::slurm_tasks_on_node("4", 1) == 0);
  CHECK(bcnn::slurm_tasks_on_node("2(x3),1", 0) == 2);
  CHECK(bcnn::slurm_tasks_on_node("2(x3),1", 2) == 2);
  CHECK(bcnn::slurm_tasks_on_node("2(x3),1", 3) == 1);
  CHECK(bcnn::slurm_tasks_on_node("2(x3),1", 4) == 0);
  CHECK(bcnn::slurm_tasks_on_node("1,3(x2)", 2) == 3);
  CHECK(bcnn::slurm_tasks_on_node("", 0) == 0);
  CHECK(bcnn::slurm_tasks_on_node("x", 0) == 0);
}

TEST_CASE("launcher: mpirun, MPICH and srun --mpi=pmix are MPI launches, one process or plain Slurm is not") {
  {
    LauncherEnvironment none({});
    CHECK_FALSE(bcnn::launched_by_mpi());
    CHECK(bcnn::local_ranks() == 1);
  }
  {
    LauncherEnvironment mpirun({{"OMPI_COMM_WORLD_SIZE", "4"}, {"OMPI_COMM_WORLD_LOCAL_SIZE", "2"}});
    CHECK(bcnn::launched_by_mpi());
    CHECK(bcnn::local_ranks() == 2);
  }
  {
    LauncherEnvironment single({{"OMPI_COMM_WORLD_SIZE", "1"}, {"OMPI_COMM_WORLD_LOCAL_SIZE", "1"}});
    CHECK_FALSE(bcnn::launched_by_mpi());
  }
  {
    LauncherEnvironment mpich({{"PMI_SIZE", "2"}, {"MPI_LOCALNRANKS", "2"}});
    CHECK(bcnn::launched_by_mpi());
    CHECK(bcnn::local_ranks() == 2);
  }
  {
    LauncherEnvironment srun({{"PMIX_RANK", "5"},
                              {"SLURM_STEP_NUM_TASKS", "7"},
                              {"SLURM_STEP_TASKS_PER_NODE", "2(x3),1"},
                              {"SLURM_NODEID", "2"}});
    CHECK(bcnn::launched_by_mpi());
    CHECK(bcnn::local_ranks() == 2);
  }
  {
    // A batch script's own shell (no srun step of several tasks) trains as one process.
    LauncherEnvironment batch_shell({{"SLURM_STEP_NUM_TASKS", "1"}, {"PMIX_RANK", "0"}});
    CHECK_FALSE(bcnn::launched_by_mpi());
  }
  {
    // srun without PMIx starts independent processes, not ranks of one job.
    LauncherEnvironment no_pmix(std::map<std::string, std::string>{{"SLURM_STEP_NUM_TASKS", "8"}});
    CHECK_FALSE(bcnn::launched_by_mpi());
  }
}
