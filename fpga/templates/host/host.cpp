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
// pixel the way the compiler did), packs them into the kernel's beats (BCNN_IN_LANES values per
// BCNN_AXI_BITS-bit word, little-endian, each image on whole beats), runs them in batches with two
// sets of buffers (the next batch is transferred while the kernel runs the current one), unpacks
// the raw logits, checks them against tb_data/expected.txt and prints the accuracy and the images
// per second. An XRT error ends it with one message and exit status 1.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "defines.h"
#if defined(BCNN_ARCHITECTURE_REUSE) || defined(BCNN_RUNTIME_PARAMS)
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

// The values of `count` images packed into beats: BCNN_IN_LANES raw values per beat,
// little-endian, each image starting on a new beat, the lanes after its last value 0.
void pack_inputs(const input_word_t* values, int count, input_beat_t* beats) {
  for (int b = 0; b < count; ++b)
    for (int i = 0; i < BCNN_IN_BEATS * BCNN_IN_LANES; ++i) {
      const input_word_t w = i < BCNN_N_IN ? values[static_cast<std::size_t>(b) * BCNN_N_IN + i] : input_word_t(0);
#if BCNN_INTERFACE_M_AXI
      beats[static_cast<std::size_t>(b) * BCNN_IN_BEATS + i / BCNN_IN_LANES].lanes[i % BCNN_IN_LANES] = w;
#else
      bcnn_hls::set_axis_lane(beats[static_cast<std::size_t>(b) * BCNN_IN_BEATS + i / BCNN_IN_LANES],
                              i % BCNN_IN_LANES, w);
      if (i % BCNN_IN_LANES == 0)
        bcnn_hls::set_axis_last(beats[static_cast<std::size_t>(b) * BCNN_IN_BEATS + i / BCNN_IN_LANES],
                                i / BCNN_IN_LANES == BCNN_IN_BEATS - 1, BCNN_IN_LANES, static_cast<int>(sizeof(w)));
#endif
    }
}

// The logits of `count` images from their beats (BCNN_OUT_BEATS per image).
void unpack_results(const result_beat_t* beats, int count, result_word_t* values) {
  for (int b = 0; b < count; ++b)
    for (int o = 0; o < BCNN_N_OUT; ++o) {
      const result_beat_t& beat = beats[static_cast<std::size_t>(b) * BCNN_OUT_BEATS + o / BCNN_OUT_LANES];
#if BCNN_INTERFACE_M_AXI
      values[static_cast<std::size_t>(b) * BCNN_N_OUT + o] = beat.lanes[o % BCNN_OUT_LANES];
#else
      values[static_cast<std::size_t>(b) * BCNN_N_OUT + o] = bcnn_hls::axis_lane<result_word_t>(beat, o % BCNN_OUT_LANES);
#endif
    }
}

#ifdef BCNN_SW_EMU
// The C simulation of bcnn_top, with the XRT driver's two buffer sets: start() runs the batch at
// once into its slot; wait() unpacks it.
class Accelerator {
 public:
  explicit Accelerator(const Options& o) {
    for (Slot& s : slots_) {
      s.in.resize(static_cast<std::size_t>(o.batch) * BCNN_IN_BEATS);
      s.out.resize(static_cast<std::size_t>(o.batch) * BCNN_OUT_BEATS);
    }
#ifdef BCNN_RUNTIME_PARAMS
    // The weights held in UltraRAM, written once (load = 1, no images).
    bcnn_top(slots_[0].in.data(), slots_[0].out.data(), bcnn_params, 1, 0);
#endif
  }
  const char* name() const { return "software emulation (C simulation of bcnn_top)"; }
  void start(int slot, const input_word_t* in, int count) {
    Slot& s = slots_[slot];
    pack_inputs(in, count, s.in.data());
#if defined(BCNN_ARCHITECTURE_REUSE)
    bcnn_top(s.in.data(), s.out.data(), bcnn_params, count);
#elif defined(BCNN_RUNTIME_PARAMS)
    bcnn_top(s.in.data(), s.out.data(), bcnn_params, 0, count);
#elif BCNN_INTERFACE_M_AXI
    bcnn_top(s.in.data(), s.out.data(), count);
#else
    static input_stream_t in_stream;
    static result_stream_t out_stream;
    for (int b = 0; b < count; ++b) {
      for (int k = 0; k < BCNN_IN_BEATS; ++k) in_stream.write(s.in[static_cast<std::size_t>(b) * BCNN_IN_BEATS + k]);
      bcnn_top(in_stream, out_stream);
      for (int k = 0; k < BCNN_OUT_BEATS; ++k) s.out[static_cast<std::size_t>(b) * BCNN_OUT_BEATS + k] = out_stream.read();
    }
#endif
    s.count = count;
  }
  void wait(int slot, result_word_t* out) { unpack_results(slots_[slot].out.data(), slots_[slot].count, out); }

 private:
  struct Slot {
    std::vector<input_beat_t> in;
    std::vector<result_beat_t> out;
    int count = 0;
  };
  Slot slots_[2];
};
#else
// The kernel bcnn_top on an XRT device, double-buffered: two sets of input and output buffer
// objects of `batch` images each, so that the next batch is packed and sent to the device while
// the kernel runs the current one. start(slot, ...) sends a batch and starts its run in that slot;
// wait(slot, ...) waits for the run and reads its results back.
class Accelerator {
 public:
  explicit Accelerator(const Options& o)
      : device_(o.device), uuid_(device_.load_xclbin(o.xclbin)), kernel_(device_, uuid_, "bcnn_top") {
    for (Slot& s : slots_) {
      s.in_bo = xrt::bo(device_, sizeof(input_beat_t) * BCNN_IN_BEATS * o.batch, kernel_.group_id(0));
      s.out_bo = xrt::bo(device_, sizeof(result_beat_t) * BCNN_OUT_BEATS * o.batch, kernel_.group_id(1));
      s.in_map = s.in_bo.map<input_beat_t*>();
      s.out_map = s.out_bo.map<result_beat_t*>();
    }
#if defined(BCNN_ARCHITECTURE_REUSE) || defined(BCNN_RUNTIME_PARAMS)
    // The parameter table, copied to the device once.
    params_bo_ = xrt::bo(device_, sizeof bcnn_params, kernel_.group_id(2));
    std::memcpy(params_bo_.map<long long*>(), bcnn_params, sizeof bcnn_params);
    params_bo_.sync(XCL_BO_SYNC_BO_TO_DEVICE, sizeof bcnn_params, 0);
#endif
#ifdef BCNN_RUNTIME_PARAMS
    // The weights held in UltraRAM, written once (load = 1, no images) before any batch.
    kernel_(slots_[0].in_bo, slots_[0].out_bo, params_bo_, 1, 0).wait();
#endif
  }
  const char* name() const { return "XRT kernel bcnn_top (two buffer sets)"; }
  void start(int slot, const input_word_t* in, int count) {
    Slot& s = slots_[slot];
    pack_inputs(in, count, s.in_map);
    s.in_bo.sync(XCL_BO_SYNC_BO_TO_DEVICE, sizeof(input_beat_t) * BCNN_IN_BEATS * count, 0);
#if defined(BCNN_ARCHITECTURE_REUSE)
    s.run = kernel_(s.in_bo, s.out_bo, params_bo_, count);
#elif defined(BCNN_RUNTIME_PARAMS)
    s.run = kernel_(s.in_bo, s.out_bo, params_bo_, 0, count);
#else
    s.run = kernel_(s.in_bo, s.out_bo, count);
#endif
    s.count = count;
  }
  void wait(int slot, result_word_t* out) {
    Slot& s = slots_[slot];
    s.run.wait();
    s.out_bo.sync(XCL_BO_SYNC_BO_FROM_DEVICE, sizeof(result_beat_t) * BCNN_OUT_BEATS * s.count, 0);
    unpack_results(s.out_map, s.count, out);
  }

 private:
  struct Slot {
    xrt::bo in_bo, out_bo;
    input_beat_t* in_map = nullptr;
    result_beat_t* out_map = nullptr;
    xrt::run run;
    int count = 0;
  };
  xrt::device device_;
  xrt::uuid uuid_;
  xrt::kernel kernel_;
  Slot slots_[2];
#if defined(BCNN_ARCHITECTURE_REUSE) || defined(BCNN_RUNTIME_PARAMS)
  xrt::bo params_bo_;
#endif
};
#endif

// Runs every image through the accelerator in batches of options.batch: batch n + 1 is sent and
// started (in the other buffer set) before batch n's results are read back. Returns the seconds.
double run_batches(const Options& options, const std::vector<input_word_t>& in_words,
                   std::vector<result_word_t>& out_words, const char*& name) {
  Accelerator accelerator(options);
  name = accelerator.name();
  const std::size_t images = in_words.size() / BCNN_N_IN;
  const std::size_t batch = static_cast<std::size_t>(options.batch);
  const std::size_t batches = (images + batch - 1) / batch;
  auto count_of = [&](std::size_t n) { return static_cast<int>(std::min(batch, images - n * batch)); };
  const auto start = std::chrono::steady_clock::now();
  accelerator.start(0, &in_words[0], count_of(0));
  for (std::size_t n = 0; n < batches; ++n) {
    if (n + 1 < batches)
      accelerator.start(static_cast<int>((n + 1) % 2), &in_words[(n + 1) * batch * BCNN_N_IN], count_of(n + 1));
    accelerator.wait(static_cast<int>(n % 2), &out_words[n * batch * BCNN_N_OUT]);
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

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

  double seconds = 0;
  const char* name = "";
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
  try {
    seconds = run_batches(options, in_words, out_words, name);
  } catch (const std::exception& e) {
    // XRT reports a missing device, a bad xclbin, a failed allocation or run by exceptions.
    std::fprintf(stderr, "bcnn_host: error: %s\n", e.what());
    return 1;
  }
#else
  seconds = run_batches(options, in_words, out_words, name);  // built with -fno-exceptions
#endif

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
  std::printf("bcnn_host: %s\n", name);
  std::printf("bcnn_host: %zu images in batches of %d: %.1f images/s\n", images, options.batch,
              images / (seconds > 0 ? seconds : 1e-12));
  std::printf("bcnn_host: first image's logits:");
  for (int o = 0; o < BCNN_N_OUT; ++o) std::printf(" %.4f", from_result_word(out_words[o]));
  std::printf("\nbcnn_host: accuracy %.2f%%; %zu of %zu images bit-identical to tb_data/expected.txt\n",
              100.0 * correct / images, images - mismatched, images);
  (void)to_input_word;  // the conversion to use for new images
  return mismatched == 0 ? 0 : 1;
}
