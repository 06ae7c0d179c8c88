// The matrix products and the choice of OpenBLAS kernels (core/blas.h).
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <complex>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/blas.h"
#include "core/random.h"

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool cpu_has_avx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
}

std::vector<float> uniform(std::size_t n, std::uint64_t seed) {
  std::vector<float> v(n);
  bcnn::Rng rng(seed, bcnn::Stream::augment);
  for (auto& x : v) x = 2.0f * rng.uniform() - 1.0f;
  return v;
}

}  // namespace

TEST_CASE("blas: gemm and cgemm agree with a double-precision product, with whatever kernels are in use") {
  const int M = 37, N = 53, K = 29;
  const auto a = uniform(static_cast<std::size_t>(M) * K * 2, 1), b = uniform(static_cast<std::size_t>(K) * N * 2, 2);
  std::vector<float> c(static_cast<std::size_t>(M) * N, 0.5f);
  bcnn::gemm(false, false, M, N, K, 1.0f, a.data(), K, b.data(), N, 1.0f, c.data(), N);
  std::vector<std::complex<float>> ca(static_cast<std::size_t>(M) * K), cb(static_cast<std::size_t>(K) * N),
      cc(static_cast<std::size_t>(M) * N);
  for (std::size_t i = 0; i < ca.size(); ++i) ca[i] = {a[2 * i], a[2 * i + 1]};
  for (std::size_t i = 0; i < cb.size(); ++i) cb[i] = {b[2 * i], b[2 * i + 1]};
  bcnn::cgemm(bcnn::ComplexOp::none, bcnn::ComplexOp::none, M, N, K, ca.data(), K, cb.data(), N, 0.0f, cc.data(), N);
  double worst = 0.0, worst_complex = 0.0;
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      double real_sum = 0.5;
      std::complex<double> complex_sum = 0.0;
      for (int k = 0; k < K; ++k) {
        real_sum += static_cast<double>(a[i * K + k]) * b[k * N + j];
        complex_sum += std::complex<double>(ca[i * K + k]) * std::complex<double>(cb[k * N + j]);
      }
      worst = std::max(worst, std::abs(real_sum - c[i * N + j]));
      worst_complex = std::max(worst_complex, std::abs(complex_sum - std::complex<double>(cc[i * N + j])));
    }
  CHECK(worst < 1e-5);
  CHECK(worst_complex < 1e-5);
}

TEST_CASE("blas: the kernels follow OPENBLAS_CORETYPE, and without it an AVX-512 CPU runs AVX-512 kernels") {
  const std::string kernels = bcnn::blas_kernels();
  INFO("kernels in use: " << kernels);
  REQUIRE(!kernels.empty());
  const char* forced = std::getenv("OPENBLAS_CORETYPE");
  if (forced != nullptr) {
    // The user's choice stands; the hint names it when it is slower than the CPU allows.
    CHECK(lower(kernels) == lower(forced));
    if ((lower(forced) == "haswell" || lower(forced) == "zen") && cpu_has_avx512()) {
      const std::string advice = bcnn::blas_kernel_advice();
      CHECK(advice.find(std::string("OPENBLAS_CORETYPE=") + forced + " is set") != std::string::npos);
      CHECK(advice.find("OPENBLAS_CORETYPE=SkylakeX") != std::string::npos);
    }
    // OpenBLAS's own choice is checked in a child process without the variable: this test binary,
    // the blas cases only (the gemm check then runs with the kernels OpenBLAS picks).
    const std::string command =
        "env -u OPENBLAS_CORETYPE '" + std::filesystem::read_symlink("/proc/self/exe").string() +
        "' --test-case='blas: *' > /dev/null 2>&1";
    CHECK(std::system(command.c_str()) == 0);
  } else if (cpu_has_avx512() && kernels != "single-architecture build") {
    CHECK((kernels == "SkylakeX" || kernels == "Cooperlake" || kernels == "SapphireRapids"));
    CHECK(bcnn::blas_kernel_advice().empty());
  }
}
