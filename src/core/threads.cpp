#include "core/threads.h"

#include <omp.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/blas.h"

namespace bcnn {
namespace {

using Clock = std::chrono::steady_clock;

// Long enough for /proc/stat's 10 ms ticks to give the load within a few percent of a core,
// short enough that a process that starts competing costs at most a fifth of a second of slow steps.
constexpr auto measure_interval = std::chrono::milliseconds(200);

struct LoadSample {
  Clock::time_point wall;
  double own_cpu_seconds = 0.0;
  CpuTimes cpus;
  bool valid = false;
};

struct ThreadState {
  // Before set_threads: OpenMP's own default (OMP_NUM_THREADS, else every core), as before.
  int most = std::max(1, omp_get_max_threads());
  std::atomic<int> active{most};
  bool adaptive = true;
  std::thread::id owner;
  std::vector<int> cpus;  // the CPUs this process may run on
  LoadSample last;
};

ThreadState& state() {
  static ThreadState s;
  return s;
}

// The thread count of a shard's thread (ShardThreadScope); 0 elsewhere.
thread_local int shard_threads = 0;

bool adaptation_enabled() {
  const char* value = std::getenv("BCNN_ADAPTIVE_THREADS");
  return !(value && std::strcmp(value, "0") == 0);
}

std::vector<int> usable_cpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0)
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &set)) cpus.push_back(c);
  return cpus;
}

double own_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

LoadSample take_sample(const std::vector<int>& cpus) {
  LoadSample s;
  std::ifstream in("/proc/stat");
  if (!in) return s;
  std::stringstream text;
  text << in.rdbuf();
  s.wall = Clock::now();
  s.own_cpu_seconds = own_cpu_seconds();
  s.cpus = parse_cpu_times(text.str(), cpus);
  s.valid = s.cpus.total > 0;
  return s;
}

void apply(int n) {
  ThreadState& s = state();
  n = std::clamp(n, 1, s.most);
  s.active.store(n);
  omp_set_num_threads(n);
}

}  // namespace

int default_threads(int usable, int machine, int processes) {
  if (processes > 1 && usable >= machine) usable /= processes;  // unbound ranks share the machine
  return std::max(1, usable);
}

int default_threads(int processes) {
  const int machine = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return default_threads(static_cast<int>(usable_cpus().size()), machine, processes);
}

CpuTimes parse_cpu_times(const std::string& proc_stat, const std::vector<int>& cpus) {
  CpuTimes times;
  std::istringstream lines(proc_stat);
  std::string line;
  while (std::getline(lines, line)) {
    // Per-CPU lines only ("cpu0 ..."); the first line ("cpu ...") sums every CPU of the machine.
    if (line.size() < 4 || line.compare(0, 3, "cpu") != 0 || !std::isdigit(static_cast<unsigned char>(line[3])))
      continue;
    std::istringstream fields(line.substr(3));
    int cpu = -1;
    fields >> cpu;
    if (std::find(cpus.begin(), cpus.end(), cpu) == cpus.end()) continue;
    std::uint64_t value = 0;
    for (int field = 0; field < 8 && fields >> value; ++field) {  // guest time is inside user time already
      times.total += value;
      if (field != 3 && field != 4) times.busy += value;  // 3: idle, 4: iowait
    }
  }
  return times;
}

int threads_for_load(int most, int cores, double others_busy_cores) {
  const double free_cores = static_cast<double>(cores) - std::max(0.0, others_busy_cores);
  const int n = static_cast<int>(std::floor(free_cores + 0.25));
  return std::clamp(n, 1, std::max(1, most));
}

void set_threads(int n) {
  blas_single_threaded();
  ThreadState& s = state();
  s.most = std::max(1, n);
  s.adaptive = adaptation_enabled();
  s.owner = std::this_thread::get_id();
  s.cpus = usable_cpus();
  s.last = s.adaptive ? take_sample(s.cpus) : LoadSample{};
  apply(s.most);
}

int threads() { return shard_threads > 0 ? shard_threads : state().most; }

int active_threads() { return shard_threads > 0 ? shard_threads : state().active.load(); }

// omp_get_level counts every enclosing parallel region, also one run by a single thread because of
// the load, where omp_in_parallel would be false.
int split_count() { return omp_get_level() > 0 ? 1 : threads(); }

ShardThreadScope::ShardThreadScope(int threads) : previous_(shard_threads) {
  shard_threads = std::max(1, threads);
  omp_set_num_threads(shard_threads);  // this thread's own setting (an OpenMP ICV per thread)
}

ShardThreadScope::~ShardThreadScope() {
  shard_threads = previous_;
  omp_set_num_threads(previous_ > 0 ? previous_ : state().active.load());
}

bool adaptive_threads() { return state().adaptive; }

void set_active_threads(int n) { apply(n); }

void adapt_threads_to_load() {
  ThreadState& s = state();
  if (!s.adaptive || s.most <= 1 || !s.last.valid || omp_in_parallel() || std::this_thread::get_id() != s.owner ||
      shard_threads > 0)
    return;
  const Clock::time_point now = Clock::now();
  if (now - s.last.wall < measure_interval) return;
  const LoadSample sample = take_sample(s.cpus);
  if (!sample.valid) return;
  static const double ticks_per_second = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double wall = std::chrono::duration<double>(sample.wall - s.last.wall).count();
  const double busy_seconds = static_cast<double>(sample.cpus.busy - s.last.cpus.busy) / ticks_per_second;
  const double own_seconds = sample.own_cpu_seconds - s.last.own_cpu_seconds;
  s.last = sample;
  if (wall <= 0.0) return;
  apply(threads_for_load(s.most, static_cast<int>(s.cpus.size()), (busy_seconds - own_seconds) / wall));
}

}  // namespace bcnn
