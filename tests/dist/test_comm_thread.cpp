#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "dist/comm_thread.h"

TEST_CASE("CommThread: jobs run in the order posted, wait() waits for all of them") {
  bcnn::CommThread thread;
  std::vector<int> order;
  for (int i = 0; i < 50; ++i)
    thread.post([&order, i] {
      if (i % 10 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      order.push_back(i);
    });
  thread.wait();
  REQUIRE(order.size() == 50);
  for (int i = 0; i < 50; ++i) CHECK(order[i] == i);
  int value = 0;
  thread.run([&] { value = 7; });  // run() returns after its job
  CHECK(value == 7);
}

TEST_CASE("CommThread: a job's error comes back from wait(), later jobs are skipped, then it runs again") {
  bcnn::CommThread thread;
  std::atomic<int> after{0};
  thread.post([] { throw std::runtime_error("bucket 3 failed"); });
  thread.post([&] { ++after; });
  CHECK_THROWS_WITH(thread.wait(), "bucket 3 failed");
  CHECK(after == 0);
  thread.run([&] { ++after; });
  CHECK(after == 1);
}
