#include "dist/launcher.h"

#include <cstdlib>
#include <initializer_list>
#include <sstream>

namespace bcnn {
namespace {

int env_int(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::atoi(value) : 0;
}

}  // namespace

bool launched_by_mpi() {
  if (env_int("OMPI_COMM_WORLD_SIZE") > 1 || env_int("PMI_SIZE") > 1) return true;
  return std::getenv("PMIX_RANK") != nullptr && env_int("SLURM_STEP_NUM_TASKS") > 1;
}

int local_ranks() {
  if (!launched_by_mpi()) return 1;
  for (const char* name : {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS"})
    if (env_int(name) > 0) return env_int(name);
  if (const char* per_node = std::getenv("SLURM_STEP_TASKS_PER_NODE")) {
    const int tasks = slurm_tasks_on_node(per_node, env_int("SLURM_NODEID"));
    if (tasks > 0) return tasks;
  }
  return 1;
}

int slurm_tasks_on_node(const std::string& tasks_per_node, int node) {
  std::istringstream groups(tasks_per_node);
  std::string group;
  int first = 0;  // the first node of this group
  while (std::getline(groups, group, ',')) {
    // "T" or "T(xR)": T tasks on each of R nodes.
    const std::size_t open = group.find("(x");
    const int tasks = std::atoi(group.c_str());
    const int repeat = open == std::string::npos ? 1 : std::atoi(group.c_str() + open + 2);
    if (tasks <= 0 || repeat <= 0) return 0;
    if (node < first + repeat) return node >= first ? tasks : 0;
    first += repeat;
  }
  return 0;
}

}  // namespace bcnn
