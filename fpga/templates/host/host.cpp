// Host driver of the generated network (template in bcnn's fpga/templates/).
//
// On an accelerator card or hardware emulation, with XRT (m_axi projects, the Vitis kernel flow):
//   g++ -std=c++17 -O2 -Ifirmware -I$XILINX_XRT/include host/host.cpp -o bcnn_host
//       -L$XILINX_XRT/lib -lxrt_coreutil -pthread      (one command line)
//   ./bcnn_host --xclbin bcnn_top.xclbin [--tb-data tb_data] [--batch 256] [--device 0]
// In software emulation (BCNN_SW_EMU, built by CMakeLists.txt as bcnn_host_sw_emu): the same
// program calls the C simulation of bcnn_top instead of a kernel, so it runs on any machine:
//   build/bcnn_host_sw_emu [--tb-data tb_data] [--batch 256]
//
// It reads the test images of tb_data/ (raw input words; to_input_word() below converts a float
// pixel the way the compiler did), runs them in batches, checks the raw logits against
// tb_data/expected.txt and prints the accuracy and the images per second.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "defines.h"
#ifdef BCNN_ARCHITECTURE_REUSE
#include "weights/params_flat.h"
#endif

#ifdef BCNN_SW_EMU
#include "bcnn_top.h"
#else
#if !BCNN_INTERFACE_M_AXI
#error "This project's kernel has AXI4-Stream ports: the XRT host drives m_axi kernels. Regenerate with bcnn-compile --interface m_axi, or connect the stream ports to a DMA in a Vivado block design."
#endif
#include <xrt/xrt_bo.h>
#include <xrt/xrt_device.h>
#include <xrt/xrt_kernel.h>
#endif

namespace {

// A float input value (pixel / 255 for images) as the raw word the kernel reads: the value
// quantized to input_t (its rounding and saturation), then its two's complement bits.
input_word_t to_input_word(float x) { return static_cast<input_word_t>(bcnn_hls::raw_bits(input_t(x))); }

// A raw output word as the logit it stands for.
double from_result_word(result_word_t w) { return bcnn_hls::from_raw_bits<result_t>(w).to_double(); }

struct Options {
  std::string tb_data = "tb_data";
  std::string xclbin;
  int batch = 256;
  unsigned device = 0;
};

void usage(const char* program) {
  std::fprintf(stderr, "usage: %s [--xclbin FILE] [--tb-data DIR] [--batch N] [--device INDEX]\n", program);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) usage(argv[0]);
    const std::string value = argv[++i];
    if (arg == "--tb-data") o.tb_data = value;
    else if (arg == "--xclbin") o.xclbin = value;
    else if (arg == "--batch") o.batch = std::atoi(value.c_str());
    else if (arg == "--device") o.device = static_cast<unsigned>(std::atoi(value.c_str()));
    else usage(argv[0]);
  }
  if (o.batch < 1) usage(argv[0]);
  return o;
}

std::vector<long long> read_integers(const std::string& path) {
  std::ifstream in(path.c_str());
  if (!in) {
    std::fprintf(stderr, "bcnn_host: cannot open %s\n", path.c_str());
    std::exit(1);
  }
  std::vector<long long> values;
  long long v = 0;
  while (in >> v) values.push_back(v);
  return values;
}

#ifdef BCNN_SW_EMU
// The C simulation of bcnn_top.
class Accelerator {
 public:
  explicit Accelerator(const Options&) {}
  const char* name() const { return "software emulation (C simulation of bcnn_top)"; }
  void run(const input_word_t* in, result_word_t* out, int count) {
#if defined(BCNN_ARCHITECTURE_REUSE)
    bcnn_top(in, out, bcnn_params, count);
#elif BCNN_INTERFACE_M_AXI
    bcnn_top(in, out, count);
#else
    static input_stream_t in_stream;
    static result_stream_t out_stream;
    for (int b = 0; b < count; ++b) {
      for (int i = 0; i < BCNN_N_IN; ++i) in_stream.write(in[static_cast<std::size_t>(b) * BCNN_N_IN + i]);
      bcnn_top(in_stream, out_stream);
      for (int o = 0; o < BCNN_N_OUT; ++o) out[static_cast<std::size_t>(b) * BCNN_N_OUT + o] = out_stream.read();
    }
#endif
  }
};
#else
// The kernel bcnn_top on an XRT device: one input and one output buffer object of `batch` images,
// one kernel run per batch.
class Accelerator {
 public:
  explicit Accelerator(const Options& o)
      : device_(o.device),
        uuid_(device_.load_xclbin(o.xclbin)),
        kernel_(device_, uuid_, "bcnn_top"),
        in_bo_(device_, sizeof(input_word_t) * BCNN_N_IN * o.batch, kernel_.group_id(0)),
        out_bo_(device_, sizeof(result_word_t) * BCNN_N_OUT * o.batch, kernel_.group_id(1)),
        in_map_(in_bo_.map<input_word_t*>()),
        out_map_(out_bo_.map<result_word_t*>()) {
#ifdef BCNN_ARCHITECTURE_REUSE
    // The reuse architecture's parameter table, copied to the device once.
    params_bo_ = xrt::bo(device_, sizeof bcnn_params, kernel_.group_id(2));
    std::memcpy(params_bo_.map<long long*>(), bcnn_params, sizeof bcnn_params);
    params_bo_.sync(XCL_BO_SYNC_BO_TO_DEVICE, sizeof bcnn_params, 0);
#endif
  }
  const char* name() const { return "XRT kernel bcnn_top"; }
  void run(const input_word_t* in, result_word_t* out, int count) {
    const std::size_t in_bytes = sizeof(input_word_t) * BCNN_N_IN * count;
    const std::size_t out_bytes = sizeof(result_word_t) * BCNN_N_OUT * count;
    std::memcpy(in_map_, in, in_bytes);
    in_bo_.sync(XCL_BO_SYNC_BO_TO_DEVICE, in_bytes, 0);
#ifdef BCNN_ARCHITECTURE_REUSE
    xrt::run run = kernel_(in_bo_, out_bo_, params_bo_, count);
#else
    xrt::run run = kernel_(in_bo_, out_bo_, count);
#endif
    run.wait();
    out_bo_.sync(XCL_BO_SYNC_BO_FROM_DEVICE, out_bytes, 0);
    std::memcpy(out, out_map_, out_bytes);
  }

 private:
  xrt::device device_;
  xrt::uuid uuid_;
  xrt::kernel kernel_;
  xrt::bo in_bo_, out_bo_;
#ifdef BCNN_ARCHITECTURE_REUSE
  xrt::bo params_bo_;
#endif
  input_word_t* in_map_;
  result_word_t* out_map_;
};
#endif

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
#ifndef BCNN_SW_EMU
  if (options.xclbin.empty()) {
    std::fprintf(stderr, "bcnn_host: --xclbin FILE is required\n");
    return 2;
  }
#endif
  const std::vector<long long> inputs = read_integers(options.tb_data + "/inputs.txt");
  const std::vector<long long> expected = read_integers(options.tb_data + "/expected.txt");
  const std::vector<long long> labels = read_integers(options.tb_data + "/labels.txt");
  const std::size_t images = labels.size();
  if (images == 0 || inputs.size() != images * BCNN_N_IN || expected.size() != images * BCNN_N_OUT) {
    std::fprintf(stderr, "bcnn_host: %s: expected %d input and %d output words per label, found %zu and %zu for %zu labels\n",
                 options.tb_data.c_str(), BCNN_N_IN, BCNN_N_OUT, inputs.size(), expected.size(), images);
    return 1;
  }
  std::vector<input_word_t> in_words(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) in_words[i] = static_cast<input_word_t>(inputs[i]);
  std::vector<result_word_t> out_words(expected.size());

  Accelerator accelerator(options);
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t first = 0; first < images; first += static_cast<std::size_t>(options.batch)) {
    const int count = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(options.batch), images - first));
    accelerator.run(&in_words[first * BCNN_N_IN], &out_words[first * BCNN_N_OUT], count);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::size_t mismatched = 0, correct = 0;
  for (std::size_t b = 0; b < images; ++b) {
    int best = 0;
    bool same = true;
    for (int o = 0; o < BCNN_N_OUT; ++o) {
      const std::size_t k = b * BCNN_N_OUT + o;
      if (out_words[k] != expected[k]) same = false;
      if (out_words[k] > out_words[b * BCNN_N_OUT + best]) best = o;
    }
    if (!same) ++mismatched;
    if (best == labels[b]) ++correct;
  }
  std::printf("bcnn_host: %s\n", accelerator.name());
  std::printf("bcnn_host: %zu images in batches of %d: %.1f images/s\n", images, options.batch,
              images / (seconds > 0 ? seconds : 1e-12));
  std::printf("bcnn_host: first image's logits:");
  for (int o = 0; o < BCNN_N_OUT; ++o) std::printf(" %.4f", from_result_word(out_words[o]));
  std::printf("\nbcnn_host: accuracy %.2f%%; %zu of %zu images bit-identical to tb_data/expected.txt\n",
              100.0 * correct / images, images - mismatched, images);
  (void)to_input_word;  // the conversion to use for new images
  return mismatched == 0 ? 0 : 1;
}
