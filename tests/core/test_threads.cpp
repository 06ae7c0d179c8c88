// The thread count and how it follows the load (core/threads.h): the pure decision, the reading of
// /proc/stat, the switch that turns adaptation off, a real competing process, and the property that
// makes adaptation safe: with the same --threads, training gives the same bits whatever number of
// threads its steps ran on.
#include <doctest/doctest.h>
#include <omp.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "core/threads.h"
#include "harness.h"
#include "layers/softmax_cross_entropy.h"
#include "net/network.h"
#include "train/optimizer.h"

namespace {

using nlohmann::json;

// Sets an environment variable for one scope and restores the previous value.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    if (value) setenv(name, value, 1);
    else unsetenv(name);
  }
  ~ScopedEnv() {
    if (had_) setenv(name_, old_.c_str(), 1);
    else unsetenv(name_);
  }

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

// Trains `steps` steps of `description` on fixed random data; before step i the thread count is
// set to threads_of_step(i). Returns the parameters after the last step.
template <class ThreadsOfStep>
std::vector<float> train_params(const json& description, const bcnn::Shape& input, int batch, int classes, int steps,
                                ThreadsOfStep threads_of_step) {
  auto net = bcnn::Network::build(description, "threads-net.json");
  net->init_params(11);
  const bcnn::Tensor x = bcnn::testing::random_tensor(batch, input, 5);
  std::vector<std::int32_t> labels(static_cast<std::size_t>(batch));
  for (int i = 0; i < batch; ++i) labels[i] = (i * 7 + 3) % classes;
  bcnn::OptimizerSpec spec;
  spec.type = "adamw";
  spec.weight_decay = 0.01;
  bcnn::Optimizer optimizer(spec, net->params().size(), net->param_ranges());
  bcnn::Tensor grad_logits;
  for (int step = 0; step < steps; ++step) {
    bcnn::set_active_threads(threads_of_step(step));
    REQUIRE(omp_get_max_threads() == bcnn::active_threads());
    const bcnn::Tensor& logits = net->forward(x, {true, 3, static_cast<std::uint64_t>(step)});
    bcnn::softmax_cross_entropy(logits, labels, &grad_logits);
    net->backward(grad_logits);
    optimizer.step(net->params(), net->grads(), spec.lr);
  }
  auto p = net->params();
  return {p.begin(), p.end()};
}

bool bit_identical(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("threads: the thread count for the load leaves a quarter of a core of slack") {
  CHECK(bcnn::threads_for_load(2, 2, 0.0) == 2);
  CHECK(bcnn::threads_for_load(2, 2, 0.2) == 2);
  CHECK(bcnn::threads_for_load(2, 2, 0.3) == 1);   // a busy process would deschedule the second thread
  CHECK(bcnn::threads_for_load(2, 2, 0.67) == 1);  // one busy process against two spinning threads
  CHECK(bcnn::threads_for_load(2, 2, 1.0) == 1);
  CHECK(bcnn::threads_for_load(2, 2, 7.5) == 1);   // never fewer than one
  CHECK(bcnn::threads_for_load(2, 2, -0.1) == 2);  // tick rounding: our own time above the machine's
  CHECK(bcnn::threads_for_load(4, 8, 1.0) == 4);   // never more than configured
  CHECK(bcnn::threads_for_load(8, 8, 1.0) == 7);
  CHECK(bcnn::threads_for_load(8, 8, 2.9) == 5);
  CHECK(bcnn::threads_for_load(1, 2, 0.0) == 1);
}

TEST_CASE("threads: --threads 0 is the cores the process may use, shared by the unbound ranks of a machine") {
  CHECK(bcnn::default_threads(8, 8, 1) == 8);   // one process, every core
  CHECK(bcnn::default_threads(3, 8, 1) == 3);   // taskset to 3 cores
  CHECK(bcnn::default_threads(8, 8, 4) == 2);   // 4 unbound ranks share 8 cores
  CHECK(bcnn::default_threads(2, 2, 2) == 1);   // mpirun -np 2 --bind-to none on 2 cores
  CHECK(bcnn::default_threads(2, 8, 4) == 2);   // ranks bound to 2 cores each keep their own
  CHECK(bcnn::default_threads(2, 2, 3) == 1);   // more ranks than cores: 1 thread each
  CHECK(bcnn::default_threads(1) >= 1);
}

TEST_CASE("threads: /proc/stat is read per usable CPU, busy time without idle and iowait") {
  const std::string text =
      "cpu  900 900 900 900 900 900 900 900 0 0\n"  // the machine's sum: ignored
      "cpu0 10 1 5 100 7 1 2 3 40 0\n"             // busy 10+1+5+1+2+3 = 22, total 129 (guest 40 not added)
      "cpu1 20 0 0 50 0 0 0 0 0 0\n"
      "cpu12 30 0 10 60 0 0 0 0 0 0\n"
      "intr 12345 1 2 3\n"
      "ctxt 999\n";
  bcnn::CpuTimes both = bcnn::parse_cpu_times(text, {0, 12});
  CHECK(both.busy == 22 + 40);
  CHECK(both.total == 129 + 100);
  bcnn::CpuTimes one = bcnn::parse_cpu_times(text, {1});
  CHECK(one.busy == 20);
  CHECK(one.total == 70);
  CHECK(bcnn::parse_cpu_times(text, {5}).total == 0);
}

TEST_CASE("threads: BCNN_ADAPTIVE_THREADS=0 keeps the configured count, the count in use stays in 1 .. configured") {
  {
    ScopedEnv off("BCNN_ADAPTIVE_THREADS", "0");
    bcnn::set_threads(2);
    CHECK_FALSE(bcnn::adaptive_threads());
    CHECK(bcnn::threads() == 2);
    CHECK(bcnn::active_threads() == 2);
  }
  {
    ScopedEnv unset("BCNN_ADAPTIVE_THREADS", nullptr);
    bcnn::set_threads(3);
    CHECK(bcnn::adaptive_threads());
    CHECK(bcnn::threads() == 3);
    CHECK(bcnn::active_threads() == 3);
    CHECK(omp_get_max_threads() == 3);
    bcnn::set_active_threads(7);
    CHECK(bcnn::active_threads() == 3);
    bcnn::set_active_threads(0);
    CHECK(bcnn::active_threads() == 1);
    CHECK(omp_get_max_threads() == 1);
  }
  bcnn::set_threads(0);
  CHECK(bcnn::threads() == 1);
  bcnn::set_threads(2);
}

TEST_CASE("threads: a process that keeps one of two cores busy brings the thread count to 1") {
  // Two usable CPUs, whatever the machine has, and a child process spinning on them.
  cpu_set_t original, two;
  REQUIRE(sched_getaffinity(0, sizeof(original), &original) == 0);
  if (CPU_COUNT(&original) < 2) {
    MESSAGE("skipped: fewer than 2 usable CPUs");
    return;
  }
  CPU_ZERO(&two);
  for (int c = 0, found = 0; c < CPU_SETSIZE && found < 2; ++c)
    if (CPU_ISSET(c, &original)) CPU_SET(c, &two), ++found;
  REQUIRE(sched_setaffinity(0, sizeof(two), &two) == 0);
  ScopedEnv on("BCNN_ADAPTIVE_THREADS", nullptr);
  bcnn::set_threads(2);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    volatile unsigned long spins = 0;
    for (;;) spins = spins + 1;
  }
  // Adaptation waits 200 ms between measurements; a few of them, with this thread mostly asleep.
  for (int i = 0; i < 12 && bcnn::active_threads() != 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    bcnn::adapt_threads_to_load();
  }
  const int seen = bcnn::active_threads();
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  sched_setaffinity(0, sizeof(original), &original);
  CHECK(seen == 1);
  CHECK(omp_get_max_threads() == 1);
  bcnn::set_threads(2);
}

TEST_CASE("threads: the same --threads gives the same bits with fewer threads in use, and when the count changes") {
  // Sizes above every kernel's threshold for going parallel (batch x units > 2^16, convolution
  // work > 2^20 multiply-adds), so that the threads really split the work.
  const json mlp = {{"format", "bcnn-network"},
                    {"version", 1},
                    {"input", {1, 28, 28}},
                    {"layers",
                     {{{"type", "flatten"}},
                      {{"type", "bc_dense"}, {"units", 1024}, {"block", 64}},
                      {{"type", "relu"}},
                      {{"type", "dropout"}, {"rate", 0.1}},
                      {{"type", "bc_dense"}, {"units", 1000}, {"block", 16}},
                      {{"type", "relu"}},
                      {{"type", "dense"}, {"units", 300}},
                      {{"type", "batchnorm"}},
                      {{"type", "dense"}, {"units", 10}}}}};
  const json cnn = {{"format", "bcnn-network"},
                    {"version", 1},
                    {"input", {3, 16, 16}},
                    {"layers",
                     {{{"type", "conv2d"}, {"filters", 16}, {"kernel", 3}, {"padding", "same"}},
                      {{"type", "batchnorm"}},
                      {{"type", "relu"}},
                      // Its per-sample products (32 x 256 x 144) are large enough to split when the
                      // loop over samples runs plain, and not when it runs in a parallel region.
                      {{"type", "conv2d"}, {"filters", 32}, {"kernel", 3}, {"padding", "same"}},
                      {{"type", "relu"}},
                      {{"type", "bc_conv2d"}, {"filters", 32}, {"kernel", 3}, {"padding", "same"}, {"block", 8}},
                      {{"type", "batchnorm"}},
                      {{"type", "relu"}},
                      {{"type", "maxpool2d"}, {"size", 2}},
                      {{"type", "bc_conv2d"}, {"filters", 32}, {"kernel", 3}, {"stride", 2}, {"block", 16}},
                      {{"type", "global_avgpool"}},
                      {{"type", "dense"}, {"units", 10}}}}};
  ScopedEnv off("BCNN_ADAPTIVE_THREADS", "0");  // only the switches below change the count
  struct Case {
    const char* name;
    const json* description;
    bcnn::Shape input;
    int batch;
  };
  // With 1 and 2 configured threads the dense layers' products are split differently and the bits
  // differ (as they always have); what must not change them is the count in use.
  for (const Case& c : {Case{"mlp", &mlp, {1, 28, 28}, 128}, Case{"cnn", &cnn, {3, 16, 16}, 40}}) {
    for (int configured : {2, 3}) {
      const std::string name = c.name;
      CAPTURE(name);
      CAPTURE(configured);
      bcnn::set_threads(configured);
      const int steps = 4;
      auto train = [&](auto threads_of_step) {
        return train_params(*c.description, c.input, c.batch, 10, steps, threads_of_step);
      };
      const auto all = train([&](int) { return configured; });
      const auto one = train([](int) { return 1; });
      const auto changing = train([&](int s) { return 1 + (s + 1) % configured; });
      CHECK(bit_identical(all, one));
      CHECK(bit_identical(all, changing));
      if (configured == 3) CHECK(bit_identical(all, train([](int) { return 2; })));
      // The comparison can see a difference: one more step gives other parameters.
      CHECK_FALSE(bit_identical(all, train_params(*c.description, c.input, c.batch, 10, steps + 1,
                                                  [](int) { return 1; })));
    }
  }
  bcnn::set_threads(2);
}
