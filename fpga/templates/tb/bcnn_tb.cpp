// C simulation test bench of the generated network (template in bcnn's fpga/templates/).
//
//   bcnn_tb [TB_DATA_DIR [MAX_IMAGES]]        (default: tb_data, every image)
//
// Reads TB_DATA_DIR/inputs.txt (one image per line: BCNN_N_IN raw input words), expected.txt
// (one line per image: the BCNN_N_OUT raw logits that bcnn's FixedEmulator computed) and
// labels.txt (one class per line); runs every image through bcnn_top; writes the raw outputs to
// TB_DATA_DIR/csim_results.txt; compares them with expected.txt bit for bit; prints the
// mismatches and the accuracy (first maximum of the logits against the label). The values go
// through the ports as the hardware sees them: BCNN_IN_LANES (BCNN_OUT_LANES) raw values per beat,
// little-endian, each image starting on a new beat; the padding lanes of the output must be 0, and
// on AXI4-Stream TLAST must be set on the last beat of every image's output and on no other. It
// also counts heap allocations (operator new) during the calls of bcnn_top, which must be 0; not
// under RTL co-simulation (RTL_SIM defined), where the vendor's wrapper around bcnn_top allocates.
// Exit status: 0 when every output matches, the beats are right and nothing was allocated, 1
// otherwise.
// Runs the same under g++ (CMakeLists.txt), Vitis HLS csim_design and cosim_design. The g++ build
// (BCNN_TB_THREADS defined by CMakeLists.txt) runs the images of a chunk in parallel threads, as
// many as the environment variable BCNN_TB_THREADS says (default: the cores); the vendor flows
// call bcnn_top from one thread, in order.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <new>
#include <sstream>
#include <string>
#include <vector>
#ifdef BCNN_TB_THREADS
#include <pthread.h>

#include <thread>
#endif

#include "bcnn_top.h"
#if defined(BCNN_ARCHITECTURE_REUSE) || defined(BCNN_RUNTIME_PARAMS)
#include "weights/params_flat.h"
#endif

// --- heap allocations during bcnn_top ------------------------------------------------------------
static std::atomic<long> heap_allocations(0);
static thread_local bool counting_allocations = false;

// Not inlined, so that the compiler does not pair operator new with free() (-Wmismatched-new-delete).
__attribute__((noinline)) void* operator new(std::size_t size) {
  if (counting_allocations) ++heap_allocations;
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) {
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
    throw std::bad_alloc();
#else
    std::abort();  // built with -fno-exceptions (the vendor's headers)
#endif
  }
  return p;
}
__attribute__((noinline)) void* operator new[](std::size_t size) { return operator new(size); }
__attribute__((noinline)) void operator delete(void* p) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete[](void* p) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete(void* p, std::size_t) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace {

// Reads one line of exactly `count` integers; false at the end of the file or on a bad line.
bool read_line(std::ifstream& in, long long* values, int count, const std::string& path, long line_number) {
  std::string line;
  if (!std::getline(in, line)) return false;
  std::istringstream fields(line);
  for (int i = 0; i < count; ++i) {
    if (!(fields >> values[i])) {
      std::fprintf(stderr, "bcnn_tb: %s line %ld: expected %d integers, found %d\n", path.c_str(), line_number,
                   count, i);
      std::exit(1);
    }
  }
  return true;
}

int first_max(const long long* values, int count) {
  int best = 0;
  for (int i = 1; i < count; ++i)
    if (values[i] > values[best]) best = i;
  return best;
}

std::ifstream open_or_exit(const std::string& path) {
  std::ifstream in(path.c_str());
  if (!in) {
    std::fprintf(stderr, "bcnn_tb: cannot open %s\n", path.c_str());
    std::exit(1);
  }
  return in;
}

// Runs `count` images (their values in in_words, their logits to out_words) through bcnn_top,
// `batch` per call for the Vitis kernel, one per call for AXI4-Stream, packing the values into
// beats and unpacking the results; counts the images whose beats were wrong (padding lanes not 0,
// a misplaced or missing TLAST, words left behind in a stream).
void run_images(const input_word_t* in_words, result_word_t* out_words, int count, int batch,
                std::atomic<long>& interface_errors) {
#if BCNN_INTERFACE_M_AXI
  std::vector<input_beat_t> in_beats(static_cast<std::size_t>(batch) * BCNN_IN_BEATS);
  std::vector<result_beat_t> out_beats(static_cast<std::size_t>(batch) * BCNN_OUT_BEATS);
  for (int first = 0; first < count; first += batch) {
    const int n = count - first < batch ? count - first : batch;
    for (int b = 0; b < n; ++b)
      for (int i = 0; i < BCNN_IN_BEATS * BCNN_IN_LANES; ++i)
        in_beats[static_cast<std::size_t>(b) * BCNN_IN_BEATS + i / BCNN_IN_LANES].lanes[i % BCNN_IN_LANES] =
            i < BCNN_N_IN ? in_words[static_cast<std::size_t>(first + b) * BCNN_N_IN + i] : input_word_t(0);
    counting_allocations = true;
#if defined(BCNN_ARCHITECTURE_REUSE)
    bcnn_top(in_beats.data(), out_beats.data(), bcnn_params, n);
#elif defined(BCNN_RUNTIME_PARAMS)
    bcnn_top(in_beats.data(), out_beats.data(), bcnn_params, 0, n);
#else
    bcnn_top(in_beats.data(), out_beats.data(), n);
#endif
    counting_allocations = false;
    for (int b = 0; b < n; ++b) {
      bool padding_zero = true;
      for (int o = 0; o < BCNN_OUT_BEATS * BCNN_OUT_LANES; ++o) {
        const result_word_t w = out_beats[static_cast<std::size_t>(b) * BCNN_OUT_BEATS + o / BCNN_OUT_LANES].lanes[o % BCNN_OUT_LANES];
        if (o < BCNN_N_OUT)
          out_words[static_cast<std::size_t>(first + b) * BCNN_N_OUT + o] = w;
        else if (w != 0)
          padding_zero = false;
      }
      if (!padding_zero) ++interface_errors;
    }
  }
#else
  (void)batch;
  static thread_local input_stream_t in_stream;
  static thread_local result_stream_t out_stream;
  for (int b = 0; b < count; ++b) {
    for (int k = 0; k < BCNN_IN_BEATS; ++k) {
      input_beat_t beat;
      for (int l = 0; l < BCNN_IN_LANES; ++l) {
        const int i = k * BCNN_IN_LANES + l;
        bcnn_hls::set_axis_lane(beat, l,
                                i < BCNN_N_IN ? in_words[static_cast<std::size_t>(b) * BCNN_N_IN + i] : input_word_t(0));
      }
      bcnn_hls::set_axis_last(beat, k == BCNN_IN_BEATS - 1, BCNN_IN_LANES, static_cast<int>(sizeof(input_word_t)));
      in_stream.write(beat);
    }
    counting_allocations = true;
    bcnn_top(in_stream, out_stream);
    counting_allocations = false;
    bool right = in_stream.empty() && static_cast<int>(out_stream.size()) == BCNN_OUT_BEATS;
    for (int k = 0; k < BCNN_OUT_BEATS && !out_stream.empty(); ++k) {
      const result_beat_t beat = out_stream.read();
      if (bcnn_hls::axis_last(beat) != (k == BCNN_OUT_BEATS - 1)) right = false;
      for (int l = 0; l < BCNN_OUT_LANES; ++l) {
        const int o = k * BCNN_OUT_LANES + l;
        const result_word_t w = bcnn_hls::axis_lane<result_word_t>(beat, l);
        if (o < BCNN_N_OUT)
          out_words[static_cast<std::size_t>(b) * BCNN_N_OUT + o] = w;
        else if (w != 0)
          right = false;
      }
    }
    if (!right) ++interface_errors;
    while (!in_stream.empty()) in_stream.read();
    while (!out_stream.empty()) out_stream.read();
  }
#endif
}

#ifdef BCNN_TB_THREADS
// A worker thread of the test bench: run_images over its share of a chunk.
struct Worker {
  const input_word_t* in_words;
  result_word_t* out_words;
  int count, batch;
  std::atomic<long>* stream_errors;
  pthread_t thread;
};

void* run_worker(void* arg) {
  Worker& w = *static_cast<Worker*>(arg);
  run_images(w.in_words, w.out_words, w.count, w.batch, *w.stream_errors);
  return nullptr;
}

// Starts w's thread with a large stack: glibc keeps a thread's static TLS (the C simulation's
// FIFOs are `static thread_local`, a whole feature map each) at the top of its stack, so the
// default 8 MB would leave a CNN no stack at all. The memory is reserved, not touched.
void start_worker(Worker& w) {
  constexpr std::size_t stack_bytes = std::size_t{1} << 30;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, stack_bytes);
  const int error = pthread_create(&w.thread, &attr, run_worker, &w);
  pthread_attr_destroy(&attr);
  if (error != 0) {
    std::fprintf(stderr, "bcnn_tb: error: cannot start a thread (%d); run with BCNN_TB_THREADS=1\n", error);
    std::exit(1);
  }
}
#endif

int thread_count() {
#ifdef BCNN_TB_THREADS
  const char* env = std::getenv("BCNN_TB_THREADS");
  int n = env != nullptr ? std::atoi(env) : static_cast<int>(std::thread::hardware_concurrency());
  return n >= 1 ? n : 1;
#else
  return 1;
#endif
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "tb_data";
  const long max_images = argc > 2 ? std::atol(argv[2]) : -1;
  const std::string inputs_path = dir + "/inputs.txt";
  const std::string expected_path = dir + "/expected.txt";
  const std::string labels_path = dir + "/labels.txt";
  const std::string results_path = dir + "/csim_results.txt";
  std::ifstream inputs = open_or_exit(inputs_path);
  std::ifstream expected = open_or_exit(expected_path);
  std::ifstream labels = open_or_exit(labels_path);
  std::FILE* results = std::fopen(results_path.c_str(), "w");
  if (results == nullptr) {
    std::fprintf(stderr, "bcnn_tb: cannot write %s\n", results_path.c_str());
    return 1;
  }

#ifdef BCNN_RUNTIME_PARAMS
  // The weights held in UltraRAM: one call with load = 1 and no images, before any thread runs.
  {
    input_beat_t no_input[1] = {};
    result_beat_t no_output[1] = {};
    bcnn_top(no_input, no_output, bcnn_params, 1, 0);
  }
#endif
  // Images are read in chunks of `batch` per thread and run in batches of `batch` (the m_axi kernel
  // takes a batch per call; the AXI4-Stream one an image per call).
  const int threads = thread_count();
  const int batch_per_call = 64;
  const int batch = batch_per_call * threads;
  std::vector<long long> in_values(BCNN_N_IN), want(static_cast<std::size_t>(batch) * BCNN_N_OUT);
  std::vector<input_word_t> in_words(static_cast<std::size_t>(batch) * BCNN_N_IN);
  std::vector<result_word_t> out_words(static_cast<std::size_t>(batch) * BCNN_N_OUT);
  std::vector<int> batch_labels(batch);
  long images = 0, mismatched_images = 0, correct = 0;
  std::atomic<long> stream_errors(0);
  bool done = false;
  while (!done) {
    int count = 0;
    while (count < batch && (max_images < 0 || images + count < max_images)) {
      const long line = images + count + 1;
      if (!read_line(inputs, in_values.data(), BCNN_N_IN, inputs_path, line)) break;
      if (!read_line(expected, &want[static_cast<std::size_t>(count) * BCNN_N_OUT], BCNN_N_OUT, expected_path, line)) {
        std::fprintf(stderr, "bcnn_tb: %s has fewer lines than %s\n", expected_path.c_str(), inputs_path.c_str());
        return 1;
      }
      long long label = 0;
      if (!read_line(labels, &label, 1, labels_path, line)) {
        std::fprintf(stderr, "bcnn_tb: %s has fewer lines than %s\n", labels_path.c_str(), inputs_path.c_str());
        return 1;
      }
      batch_labels[count] = static_cast<int>(label);
      for (int i = 0; i < BCNN_N_IN; ++i)
        in_words[static_cast<std::size_t>(count) * BCNN_N_IN + i] = static_cast<input_word_t>(in_values[i]);
      ++count;
    }
    if (count < batch) done = true;
    if (count == 0) break;

#ifdef BCNN_TB_THREADS
    if (threads > 1) {
      // Each thread takes an equal share of the chunk (a multiple of batch_per_call).
      std::vector<Worker> workers(threads);
      const int share = (count + threads - 1) / threads;
      int started = 0;
      for (int t = 0; t < threads; ++t) {
        const int first = t * share, n = count - first < share ? count - first : share;
        if (n <= 0) break;
        workers[t] = {in_words.data() + static_cast<std::size_t>(first) * BCNN_N_IN,
                      out_words.data() + static_cast<std::size_t>(first) * BCNN_N_OUT, n, batch_per_call,
                      &stream_errors, {}};
        start_worker(workers[t]);
        ++started;
      }
      for (int t = 0; t < started; ++t) pthread_join(workers[t].thread, nullptr);
    } else {
      run_images(in_words.data(), out_words.data(), count, batch_per_call, stream_errors);
    }
#else
    run_images(in_words.data(), out_words.data(), count, batch_per_call, stream_errors);
#endif

    for (int b = 0; b < count; ++b) {
      long long got[BCNN_N_OUT];
      int differing = 0;
      for (int o = 0; o < BCNN_N_OUT; ++o) {
        got[o] = out_words[static_cast<std::size_t>(b) * BCNN_N_OUT + o];
        std::fprintf(results, o == 0 ? "%lld" : " %lld", got[o]);
        if (got[o] != want[static_cast<std::size_t>(b) * BCNN_N_OUT + o]) ++differing;
      }
      std::fprintf(results, "\n");
      if (differing > 0) {
        if (mismatched_images < 10) {
          std::printf("mismatch: image %ld, %d of %d outputs differ:", images + b, differing, BCNN_N_OUT);
          for (int o = 0; o < BCNN_N_OUT; ++o)
            if (got[o] != want[static_cast<std::size_t>(b) * BCNN_N_OUT + o])
              std::printf(" [%d] csim %lld expected %lld", o, got[o], want[static_cast<std::size_t>(b) * BCNN_N_OUT + o]);
          std::printf("\n");
        }
        ++mismatched_images;
      }
      if (first_max(got, BCNN_N_OUT) == batch_labels[b]) ++correct;
    }
    images += count;
  }
  std::fclose(results);

  if (images == 0) {
    std::fprintf(stderr, "bcnn_tb: %s holds no images\n", inputs_path.c_str());
    return 1;
  }
  std::printf("bcnn_tb: %ld images, %ld bit-identical to bcnn's FixedEmulator, %ld mismatched\n", images,
              images - mismatched_images, mismatched_images);
  std::printf("bcnn_tb: accuracy %.2f%% (%ld of %ld)\n", 100.0 * correct / images, correct, images);
#ifdef RTL_SIM
  // The co-simulation wrapper around bcnn_top allocates (its port buffers), so the count would
  // measure the vendor's code, not the firmware's; the C simulation checks the firmware.
  std::printf("bcnn_tb: heap allocations not checked under RTL co-simulation (RTL_SIM): the vendor's wrapper allocates\n");
  heap_allocations = 0;
#else
  std::printf("bcnn_tb: heap allocations during bcnn_top: %ld\n", heap_allocations.load());
#endif
  if (stream_errors > 0)
    std::printf("bcnn_tb: %ld images with wrong beats (nonzero padding lanes, TLAST not on the last output beat, "
                "words left in the streams or too few written)\n",
                stream_errors.load());
  std::printf("bcnn_tb: %d-bit beats, %d input and %d output values per beat\n", BCNN_AXI_BITS, BCNN_IN_LANES,
              BCNN_OUT_LANES);
  std::printf("bcnn_tb: outputs written to %s\n", results_path.c_str());
  const bool pass = mismatched_images == 0 && heap_allocations == 0 && stream_errors == 0;
  std::printf("bcnn_tb: %s\n", pass ? "PASS" : "FAIL");
  return pass ? 0 : 1;
}
