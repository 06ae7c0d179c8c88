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
#include "core/small_cgemm.h"

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

TEST_CASE("blas: the kernels follow OPENBLAS_CORETYPE, without it an AVX-512 CPU runs AVX-512 kernels or is told how") {
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
    // Either OpenBLAS knows the CPU and runs AVX-512 kernels, or the user is told how to get them.
    const bool avx512_kernels = kernels == "SkylakeX" || kernels == "Cooperlake" || kernels == "SapphireRapids";
    const std::string advice = bcnn::blas_kernel_advice();
    INFO("advice: " << advice);
    CHECK(avx512_kernels == advice.empty());
    if (!avx512_kernels) {
      CHECK(advice.find("because it does not know this CPU model") != std::string::npos);
      CHECK(advice.find("OPENBLAS_CORETYPE=SkylakeX") != std::string::npos);
    }
  }
}

TEST_CASE("small_cgemm: every stride, conjugation and edge tile against a double-precision product") {
  struct Case {
    int M, N, K;
    bool trans_a, trans_b, conj_b;
  };
  const Case cases[] = {{1, 1, 1, false, false, false},  {128, 16, 13, false, true, false},
                        {16, 13, 128, true, false, true}, {128, 13, 16, false, false, true},
                        {7, 9, 5, true, true, true},     {5, 24, 3, false, false, false},
                        {9, 17, 33, false, true, true},  {4, 8, 1, true, false, false}};
  for (const Case& t : cases) {
    CAPTURE(t.M);
    CAPTURE(t.N);
    CAPTURE(t.K);
    CAPTURE(t.trans_a);
    CAPTURE(t.trans_b);
    CAPTURE(t.conj_b);
    bcnn::Rng rng(t.M * 131 + t.N * 7 + t.K);
    auto random = [&](std::size_t n) {
      std::vector<std::complex<float>> v(n);
      for (auto& x : v) x = {2.0f * rng.uniform() - 1.0f, 2.0f * rng.uniform() - 1.0f};
      return v;
    };
    const auto a = random(static_cast<std::size_t>(t.M) * t.K), b = random(static_cast<std::size_t>(t.K) * t.N);
    // A stored M x K (row m contiguous) or K x M; B stored K x N or N x K.
    const std::ptrdiff_t a_row = t.trans_a ? 1 : t.K, a_col = t.trans_a ? t.M : 1;
    const std::ptrdiff_t b_row = t.trans_b ? 1 : t.N, b_col = t.trans_b ? t.K : 1;
    const std::ptrdiff_t ldc = t.N + 3;  // padded rows: nothing may be written past column N
    std::vector<std::complex<float>> c(static_cast<std::size_t>(t.M) * ldc, {7.0f, 7.0f});
    bcnn::small_cgemm(t.M, t.N, t.K, a.data(), a_row, a_col, b.data(), b_row, b_col, t.conj_b, c.data(), ldc);
    double worst = 0;
    for (int m = 0; m < t.M; ++m) {
      for (int n = 0; n < t.N; ++n) {
        std::complex<double> s = 0;
        for (int k = 0; k < t.K; ++k) {
          std::complex<double> bv = b[k * b_row + n * b_col];
          if (t.conj_b) bv = std::conj(bv);
          s += std::complex<double>(a[m * a_row + k * a_col]) * bv;
        }
        worst = std::max(worst, std::abs(s - std::complex<double>(c[m * ldc + n])));
      }
      for (int n = t.N; n < ldc; ++n) CHECK(c[m * ldc + n] == std::complex<float>(7.0f, 7.0f));
    }
    CHECK(worst < 1e-5 * (1 + t.K));
  }
}
