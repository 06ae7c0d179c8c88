// One harness over every registered hardware kind (src/hw/registry.cpp): each row builds a small
// layer of its kind with narrow formats (rounding ties, saturation and wrap-around are frequent),
// and the harness checks the kind's emulation against its bcnn_hls kernel compiled into this test
// (C simulation) bit for bit, the sanity of its estimate and parallelism, and what it writes into
// a generated project. A registered kind without a row fails the first test: adding a kind means
// adding its row here.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "bcnn_hls/bcnn_hls.h"
#include "core/random.h"
#include "hls/estimate.h"
#include "hw/bc_dense.h"
#include "hw/dense.h"
#include "hw/fixed_format.h"
#include "hw/registry.h"

namespace {

using bcnn::QuantLayer;
using bcnn_hls::fixed;
using bcnn_hls::format;
using bcnn_hls::format_of;
using bcnn_hls::from_raw_bits;
using bcnn_hls::raw_bits;

// ---- the kernels' configuration structs, as a generated project writes them --------------------

struct BcDenseCfg {
  static const int n_in = 37, n_out = 23, block = 16;
  static const int p = 2, q = 3, block_rows_parallel = 2, bins_parallel = 3;
  typedef fixed<10, 2, AP_RND, AP_SAT> in_t;
  typedef fixed<14, 2, AP_RND_CONV, AP_WRAP> spec_t;
  typedef fixed<12, 3, AP_RND_ZERO, AP_SAT_SYM> weight_t;
  typedef fixed<30, 8, AP_TRN, AP_WRAP> acc_t;
  typedef fixed<14, 3, AP_RND_MIN_INF, AP_SAT_ZERO> ifft_t;
  typedef fixed<10, 2, AP_RND_INF, AP_SAT> bias_t;
  typedef fixed<9, 3, AP_RND, AP_WRAP> out_t;
  typedef fixed<12, 2, AP_RND, AP_SAT> twiddle_t;
  static inline weight_t w_re[p][q][block / 2 + 1];
  static inline weight_t w_im[p][q][block / 2 + 1];
  static inline bias_t bias[n_out];
  static inline twiddle_t tw_re[block / 2];
  static inline twiddle_t tw_im[block / 2];
};

struct DenseCfg {
  static const int n_in = 23, n_out = 10, reuse_factor = 4;
  typedef fixed<8, 3, AP_RND, AP_SAT> in_t;
  typedef fixed<9, 2, AP_RND_CONV, AP_SAT> weight_t;
  typedef fixed<7, 3, AP_RND_ZERO, AP_WRAP> bias_t;
  typedef fixed<14, 5, AP_TRN, AP_WRAP> acc_t;
  typedef fixed<10, 4, AP_RND_INF, AP_SAT_SYM> out_t;
  static inline weight_t weights[n_out][n_in];
  static inline bias_t bias[n_out];
};

struct ReluCfg {
  static const int n = 20;
  typedef fixed<12, 4, AP_RND, AP_SAT> in_t;
  typedef fixed<8, 2, AP_RND_CONV, AP_SAT> out_t;  // narrower: the kernel converts and saturates
};

// ---- building layers ------------------------------------------------------------------------------

std::vector<std::int64_t> random_raw(int n, const format& f, bcnn::Rng& rng) {
  std::vector<std::int64_t> raw(n);
  const double span = static_cast<double>(f.max_raw()) - static_cast<double>(f.min_raw()) + 1;
  for (auto& v : raw)
    v = std::min<std::int64_t>(f.max_raw(), f.min_raw() + static_cast<std::int64_t>(rng.uniform_double() * span));
  return raw;
}

QuantLayer base_layer(const char* type, int n_in, int n_out, const format& in, const format& out) {
  QuantLayer q;
  q.type = type;
  q.name = std::string(type) + "_layer";
  q.n_in = n_in;
  q.n_out = n_out;
  q.in = in;
  q.out = out;
  return q;
}

QuantLayer make_bc_dense(bcnn::Rng& rng) {
  using C = BcDenseCfg;
  QuantLayer q = base_layer("bc_dense", C::n_in, C::n_out, format_of<C::in_t>(), format_of<C::out_t>());
  auto& bc = q.params.emplace<bcnn::hw::BcDenseParams>();
  bc.spec = format_of<C::spec_t>();
  bc.weight = format_of<C::weight_t>();
  bc.acc = format_of<C::acc_t>();
  bc.ifft = format_of<C::ifft_t>();
  bc.bias = format_of<C::bias_t>();
  bc.twiddle = format_of<C::twiddle_t>();
  bc.block = C::block;
  bc.p = C::p;
  bc.q = C::q;
  bc.block_rows_parallel = C::block_rows_parallel;
  bc.bins_parallel = C::bins_parallel;
  const int spectra = C::p * C::q * (C::block / 2 + 1);
  bc.weight_re = random_raw(spectra, bc.weight, rng);
  bc.weight_im = random_raw(spectra, bc.weight, rng);
  bc.bias_raw = random_raw(C::n_out, bc.bias, rng);
  for (int j = 0; j < C::block / 2; ++j) {
    bc.twiddle_re.push_back(bcnn_hls::from_double(std::cos(2 * M_PI * j / C::block), bc.twiddle));
    bc.twiddle_im.push_back(bcnn_hls::from_double(-std::sin(2 * M_PI * j / C::block), bc.twiddle));
  }
  return q;
}

QuantLayer make_dense(bcnn::Rng& rng) {
  using C = DenseCfg;
  QuantLayer q = base_layer("dense", C::n_in, C::n_out, format_of<C::in_t>(), format_of<C::out_t>());
  auto& d = q.params.emplace<bcnn::hw::DenseParams>();
  d.weight = format_of<C::weight_t>();
  d.bias = format_of<C::bias_t>();
  d.acc = format_of<C::acc_t>();
  d.reuse_factor = C::reuse_factor;
  d.weights = random_raw(C::n_in * C::n_out, d.weight, rng);
  d.bias_raw = random_raw(C::n_out, d.bias, rng);
  return q;
}

QuantLayer make_relu(bcnn::Rng&) {
  return base_layer("relu", ReluCfg::n, ReluCfg::n, format_of<ReluCfg::in_t>(), format_of<ReluCfg::out_t>());
}

QuantLayer make_flatten(bcnn::Rng&) {
  const format f = format_of<fixed<11, 3, AP_RND, AP_SAT>>();
  return base_layer("flatten", 18, 18, f, f);
}

QuantLayer make_dropout(bcnn::Rng&) {
  const format f = format_of<fixed<9, 1, AP_TRN, AP_WRAP>>();
  return base_layer("dropout", 12, 12, f, f);
}

// ---- the kernels in C simulation: raw in, raw out ---------------------------------------------

template <class T, int N>
std::vector<std::int64_t> raw_vector(const T (&values)[N]) {
  std::vector<std::int64_t> raw(N);
  for (int i = 0; i < N; ++i) raw[i] = raw_bits(values[i]);
  return raw;
}

template <class T, int N>
void load_raw(T (&values)[N], const std::vector<std::int64_t>& raw) {
  for (int i = 0; i < N; ++i) values[i] = from_raw_bits<T>(raw[i]);
}

std::vector<std::int64_t> run_bc_dense(const QuantLayer& q, const std::vector<std::int64_t>& in) {
  using C = BcDenseCfg;
  const auto& bc = bcnn::hw::params_of<bcnn::hw::BcDenseParams>(q);
  const int bins = C::block / 2 + 1;
  for (int i = 0; i < C::p; ++i)
    for (int j = 0; j < C::q; ++j)
      for (int f = 0; f < bins; ++f) {
        const std::size_t index = (static_cast<std::size_t>(i) * C::q + j) * bins + f;
        C::w_re[i][j][f] = from_raw_bits<C::weight_t>(bc.weight_re[index]);
        C::w_im[i][j][f] = from_raw_bits<C::weight_t>(bc.weight_im[index]);
      }
  load_raw(C::bias, bc.bias_raw);
  load_raw(C::tw_re, bc.twiddle_re);
  load_raw(C::tw_im, bc.twiddle_im);
  C::in_t x[C::n_in];
  C::out_t y[C::n_out];
  load_raw(x, in);
  bcnn_hls::bc_dense<C>(x, y);
  return raw_vector(y);
}

std::vector<std::int64_t> run_dense(const QuantLayer& q, const std::vector<std::int64_t>& in) {
  using C = DenseCfg;
  const auto& d = bcnn::hw::params_of<bcnn::hw::DenseParams>(q);
  for (int o = 0; o < C::n_out; ++o)
    for (int i = 0; i < C::n_in; ++i)
      C::weights[o][i] = from_raw_bits<C::weight_t>(d.weights[static_cast<std::size_t>(o) * C::n_in + i]);
  load_raw(C::bias, d.bias_raw);
  C::in_t x[C::n_in];
  C::out_t y[C::n_out];
  load_raw(x, in);
  bcnn_hls::dense<C>(x, y);
  return raw_vector(y);
}

std::vector<std::int64_t> run_relu(const QuantLayer&, const std::vector<std::int64_t>& in) {
  ReluCfg::in_t x[ReluCfg::n];
  ReluCfg::out_t y[ReluCfg::n];
  load_raw(x, in);
  bcnn_hls::relu<ReluCfg>(x, y);
  return raw_vector(y);
}

// ---- the table --------------------------------------------------------------------------------

struct KindRow {
  const char* type;
  QuantLayer (*make)(bcnn::Rng&);
  // Its bcnn_hls kernel on raw inputs; nullptr for kinds without hardware, whose next layer
  // reads the same array (so their emulation must be the identity).
  std::vector<std::int64_t> (*kernel)(const QuantLayer&, const std::vector<std::int64_t>&);
};

const KindRow rows[] = {
    {"dense", make_dense, run_dense},
    {"bc_dense", make_bc_dense, run_bc_dense},
    {"relu", make_relu, run_relu},
    {"dropout", make_dropout, nullptr},
    {"flatten", make_flatten, nullptr},
};

const KindRow* find_row(std::string_view type) {
  for (const auto& row : rows)
    if (row.type == type) return &row;
  return nullptr;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("hw kinds: every registered kind has a row in this table, and every row a registered kind") {
  for (const bcnn::hw::HwLayer* kind : bcnn::hw::hw_layers()) {
    const std::string type(kind->type());
    CHECK_MESSAGE(find_row(type) != nullptr, "hardware kind " << type << " has no row in tests/hw/test_hw_layers.cpp");
    CHECK(bcnn::hw::find_hw_layer(type) == kind);
  }
  for (const auto& row : rows) CHECK_MESSAGE(bcnn::hw::find_hw_layer(row.type) != nullptr, row.type);
  CHECK(bcnn::hw::find_hw_layer("conv2d") == nullptr);
}

TEST_CASE("hw kinds: emulation equals the bcnn_hls kernel in C simulation bit for bit") {
  for (const auto& row : rows) {
    CAPTURE(row.type);
    const bcnn::hw::HwLayer* kind = bcnn::hw::find_hw_layer(row.type);
    REQUIRE(kind != nullptr);
    bcnn::Rng rng(1234);
    const QuantLayer q = row.make(rng);
    CHECK_NOTHROW(kind->validate(q));
    CHECK(kind->has_hardware(q) == (row.kernel != nullptr));
    long mismatches = 0, at_limits = 0;
    for (int n = 0; n < 300; ++n) {
      const auto in = random_raw(q.n_in, q.in, rng);
      const auto emulated = kind->emulate(q, in);
      REQUIRE(emulated.size() == static_cast<std::size_t>(q.n_out));
      const auto expected = row.kernel ? row.kernel(q, in) : in;
      if (emulated != expected && mismatches++ < 3) CHECK(emulated == expected);
      for (std::int64_t v : emulated) at_limits += v == q.out.max_raw() || v == q.out.min_raw();
    }
    CHECK(mismatches == 0);
    if (row.kernel) CHECK(at_limits > 0);  // the formats are narrow enough to reach their limits
  }
}

TEST_CASE("hw kinds: estimates are sane, and parallelism meets a target or reports it out of reach") {
  const bcnn::FpgaPart part = *bcnn::find_fpga_part("xczu7ev-ffvc1156-2-e");
  for (const auto& row : rows) {
    CAPTURE(row.type);
    const bcnn::hw::HwLayer& kind = *bcnn::hw::find_hw_layer(row.type);
    bcnn::Rng rng(99);
    QuantLayer q = row.make(rng);
    if (!kind.has_hardware(q)) {
      CHECK_FALSE(kind.has_parallelism());
      CHECK(kind.passes_value_through());
      continue;
    }
    const bcnn::StageEstimate s = kind.estimate(q, part);
    CHECK(s.name == q.name);
    CHECK(s.type == row.type);
    CHECK_FALSE(s.parallelism.empty());
    CHECK(s.latency_cycles > q.n_in / 4);
    CHECK(s.ii_cycles > 0);
    CHECK(s.ii_cycles <= s.latency_cycles);
    CHECK(s.resources.lut > 0);
    CHECK(s.resources.ff > 0);
    CHECK(s.resources.dsp >= 0);
    CHECK(s.resources.bram18 >= 0);
    if (!kind.has_parallelism()) continue;
    // An unreachable target: reported with the best II, and the knobs chosen are (about) that fast.
    std::int64_t reported = -1;
    kind.choose_parallelism(q, part, 1, [&](std::int64_t best) { reported = best; });
    CHECK(reported > 1);
    const bcnn::StageEstimate fast = kind.estimate(q, part);
    CHECK(fast.ii_cycles >= reported);
    CHECK(fast.ii_cycles <= reported + reported / 20);
    // A target every choice meets: no report, and the cheapest knobs use no more DSPs.
    reported = -1;
    kind.choose_parallelism(q, part, s.latency_cycles * 100, [&](std::int64_t best) { reported = best; });
    CHECK(reported == -1);
    const bcnn::StageEstimate cheap = kind.estimate(q, part);
    CHECK(cheap.ii_cycles <= s.latency_cycles * 100);
    CHECK(cheap.resources.dsp <= fast.resources.dsp);
  }
}

TEST_CASE("hw kinds: what each kind writes into a generated project") {
  for (const auto& row : rows) {
    CAPTURE(row.type);
    const bcnn::hw::HwLayer& kind = *bcnn::hw::find_hw_layer(row.type);
    bcnn::Rng rng(7);
    const QuantLayer q = row.make(rng);
    const bcnn::hw::ProjectNames names{"layer", "layer_config"};
    const auto fields = kind.format_fields();
    REQUIRE(fields.size() >= 2);
    CHECK(fields[0] == "in");
    CHECK(fields[1] == "out");
    nlohmann::json layer = nlohmann::json::object(), formats = nlohmann::json::object();
    CHECK_NOTHROW(kind.describe(q, layer, formats));
    for (const auto& [field, spelling] : formats.items())
      CHECK_MESSAGE(std::find(fields.begin(), fields.end(), field) != fields.end(), field);

    const std::string config = kind.config_struct(q, names);
    const std::string call = kind.top_call(q, names, "x_previous", "x_layer");
    const std::string tables = kind.parameter_tables(q, names);
    if (!kind.has_hardware(q)) {
      CHECK(config.empty());
      CHECK(tables.empty());
      CHECK(call == "// " + q.name + " (" + row.type + "): no hardware, the same array\n");
      continue;
    }
    CHECK(contains(config, "// " + q.name + ": " + row.type));
    CHECK(contains(config, "struct layer_config {\n"));
    CHECK(contains(config, "  typedef " + bcnn::hw::cpp_type(q.in) + " in_t;\n"));
    CHECK(contains(config, "  typedef " + bcnn::hw::cpp_type(q.out) + " out_t;\n"));
    CHECK(config.substr(config.size() - 3) == "};\n");
    CHECK(config.find("{{") == std::string::npos);
    CHECK(call == "layer_config::out_t x_layer[" + std::to_string(q.n_out) + "];\nbcnn_hls::" + row.type +
                      "<layer_config>(x_previous, x_layer);\n");
    if (!tables.empty()) {
      CHECK(contains(tables, "const layer_config::bias_t layer_config::bias[" + std::to_string(q.n_out) + "] =\n"));
      CHECK(tables.find("{{") == std::string::npos);
    }
  }
}
