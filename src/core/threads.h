#pragma once
// How many OpenMP threads bcnn computes with, and how that follows the load of the machine.
//
// --threads N (0: default_threads()) sets the most threads bcnn uses. While other processes keep cores
// busy, bcnn uses fewer: the threads of a parallel region wait for each other at its end, and a
// thread that shares its core with another process is descheduled for whole time slices while
// the others spin at the barrier (libgomp spins 300,000 iterations before sleeping). With one of
// two cores busy, two threads ran a training step 18x slower than one thread. The load never
// changes a result: every kernel splits its work by the configured count (split_count), never by
// the count in use, so the same seed and --threads give the same bits
// (tests/core/test_threads.cpp switches the count at every step).
//
// BCNN_ADAPTIVE_THREADS=0 in the environment turns the adaptation off (always the configured
// count, the behaviour before adaptation; the benchmarks use it as their baseline).
#include <omp.h>

#include <cstdint>
#include <string>
#include <vector>

namespace bcnn {

// Sets the most threads bcnn uses (values below 1 mean 1) and starts measuring the load.
// OpenBLAS is kept single-threaded: bcnn splits the work over its own threads (core/blas.h).
void set_threads(int threads);
// The configured (most) thread count.
int threads();
// The thread count in use now (at most threads()).
int active_threads();
// How many parts to split a piece of work into: threads(), or 1 inside a parallel region. Kernels
// whose results depend on the split (a matrix product of some rows rounds differently from the
// whole) split by this and run the parts on min(parts, active_threads()) threads, so the same
// --threads gives the same bits however the load changes the count in use.
int split_count();

// Runs body(task, thread) for every task in [0, tasks), thread in [0, parts) naming the caller's
// per-thread scratch: as a parallel loop (dynamic schedule) on min(parts, active_threads())
// threads when parts > 1 and tasks > 1, else as a plain loop on thread 0. The calls inside then
// split their own work (split_count) exactly when the loop is plain, whatever the load; parts is
// the caller's split_count(), or 1 for small work.
template <class Body>
void for_each_task(int parts, int tasks, Body&& body) {
  if (parts <= 1 || tasks <= 1) {
    for (int task = 0; task < tasks; ++task) body(task, 0);
    return;
  }
  const int nt = parts < active_threads() ? parts : active_threads();
#pragma omp parallel for schedule(dynamic) num_threads(nt)
  for (int task = 0; task < tasks; ++task) body(task, omp_get_thread_num());
}
// Whether the thread count follows the load (BCNN_ADAPTIVE_THREADS is not "0").
bool adaptive_threads();

// Re-measures the load at most every 200 ms and sets the thread count for what follows. Cheap
// (one clock read) between measurements; called once per batch by Network::forward. Only the
// thread that called set_threads adapts, and never inside a parallel region.
void adapt_threads_to_load();

// Sets the thread count in use directly (1 .. threads()): for tests that switch mid-run.
void set_active_threads(int threads);

// On the thread of one shard of a global batch (train.shards): the thread count this thread
// computes with, in place of the process's. threads(), active_threads() and split_count() answer
// it here, the OpenMP regions this thread starts use it, and the load does not change it, so a
// shard computes the bits of one MPI rank with --threads `threads`. Ends with the scope.
class ShardThreadScope {
 public:
  explicit ShardThreadScope(int threads);
  ~ShardThreadScope();
  ShardThreadScope(const ShardThreadScope&) = delete;
  ShardThreadScope& operator=(const ShardThreadScope&) = delete;

 private:
  int previous_;
};

// What --threads 0 means: the cores this process may use (its CPU affinity), shared among the
// `processes` processes of one job on this machine (an MPI job's ranks) when they are not bound to
// cores of their own (each one's affinity is every core). At least 1.
int default_threads(int processes = 1);
// The same from the numbers: `usable` cores in the affinity mask out of `machine` cores.
int default_threads(int usable, int machine, int processes);

// Busy and total jiffies of the CPUs listed, from the text of /proc/stat ("cpuN user nice system
// idle iowait irq softirq steal ..."): busy is everything but idle and iowait.
struct CpuTimes {
  std::uint64_t busy = 0, total = 0;
};
CpuTimes parse_cpu_times(const std::string& proc_stat, const std::vector<int>& cpus);

// The thread count for `cores` usable cores of which other processes kept `others_busy_cores`
// busy on average: the cores left, rounded down unless within a quarter of a core of the next
// whole one, between 1 and `most`. With 2 cores: 2 threads while others use less than 0.25 of a
// core, else 1.
int threads_for_load(int most, int cores, double others_busy_cores);

}  // namespace bcnn
