// bcnn_hls::stream<T, DEPTH>: a FIFO between kernels. Under Vitis HLS synthesis it is
// hls::stream<T, DEPTH>; in C simulation and in bcnn it is a ring buffer of DEPTH elements held in
// the object itself, so it never allocates (the vendor's C model grows a std::deque instead).
//
// Shared interface: write(x), read(), read(x), write_nb(x) / read_nb(x) (false when full / empty),
// empty(), full(), size(). The hardware blocks on a full write or an empty read; a C simulation
// that does either has a bug (in hardware it would deadlock or need a deeper FIFO), so this model
// drops the write (or returns T()) and counts it in dropped_writes() / failed_reads() for the test
// to see.
//
// The top function's AXI4-Stream ports carry axis_beat<WORD, LANES> (axi.h) in this stream: the
// beat's `last` flag is TLAST, which the C simulation's test bench checks beat by beat; under
// BCNN_HLS_VENDOR_AXIS those ports are hls::stream of the vendor's ap_axiu instead.
#ifndef BCNN_HLS_STREAM_H
#define BCNN_HLS_STREAM_H

#ifdef __SYNTHESIS__

#include <hls_stream.h>

namespace bcnn_hls {
template <class T, int DEPTH>
using stream = hls::stream<T, DEPTH>;
}  // namespace bcnn_hls

#else

namespace bcnn_hls {

template <class T, int DEPTH>
class stream {
  static_assert(DEPTH >= 1, "bcnn_hls::stream: DEPTH must be at least 1");

 public:
  stream() : head_(0), count_(0), dropped_writes_(0), failed_reads_(0) {}
  stream(const stream&) = delete;
  stream& operator=(const stream&) = delete;

  bool empty() const { return count_ == 0; }
  bool full() const { return count_ == DEPTH; }
  int size() const { return count_; }
  static constexpr int capacity() { return DEPTH; }

  bool write_nb(const T& value) {
    if (full()) return false;
    int tail = head_ + count_;
    if (tail >= DEPTH) tail -= DEPTH;
    data_[tail] = value;
    ++count_;
    return true;
  }

  bool read_nb(T& value) {
    if (empty()) return false;
    value = data_[head_];
    head_ = head_ + 1 == DEPTH ? 0 : head_ + 1;
    --count_;
    return true;
  }

  void write(const T& value) {
    if (!write_nb(value)) ++dropped_writes_;
  }

  T read() {
    T value = T();
    if (!read_nb(value)) ++failed_reads_;
    return value;
  }

  void read(T& value) { value = read(); }

  // Writes to a full stream and reads from an empty one so far (both 0 in a correct design).
  long dropped_writes() const { return dropped_writes_; }
  long failed_reads() const { return failed_reads_; }

 private:
  T data_[DEPTH];
  int head_;
  int count_;
  long dropped_writes_;
  long failed_reads_;
};

}  // namespace bcnn_hls

#endif  // __SYNTHESIS__

#endif  // BCNN_HLS_STREAM_H
