#pragma once
// Dense float tensors (NCHW for images; batch first everywhere) on 64-byte aligned storage,
// which is what FFTW's SIMD paths and OpenBLAS like best.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <span>
#include <string>
#include <vector>

namespace bcnn {

template <class T, std::size_t Alignment = 64>
struct AlignedAllocator {
  using value_type = T;
  template <class U>
  struct rebind {
    using other = AlignedAllocator<U, Alignment>;
  };
  AlignedAllocator() noexcept = default;
  template <class U>
  AlignedAllocator(const AlignedAllocator<U, Alignment>&) noexcept {}
  T* allocate(std::size_t n) {
    std::size_t bytes = (n * sizeof(T) + Alignment - 1) / Alignment * Alignment;
    void* p = std::aligned_alloc(Alignment, bytes == 0 ? Alignment : bytes);
    if (!p) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t) noexcept { std::free(p); }
  template <class U>
  bool operator==(const AlignedAllocator<U, Alignment>&) const noexcept { return true; }
};

template <class T>
using AlignedVector = std::vector<T, AlignedAllocator<T>>;

// Shape of one sample (no batch dimension), e.g. {1, 28, 28} or {1024}.
using Shape = std::vector<int>;

inline std::int64_t shape_size(const Shape& s) {
  std::int64_t n = 1;
  for (int d : s) n *= d;
  return n;
}
std::string shape_string(const Shape& s);

// A batch of samples: batch() x sample_shape, row-major.
class Tensor {
 public:
  Tensor() = default;
  Tensor(int batch, Shape sample_shape) { resize(batch, std::move(sample_shape)); }

  // Reuses the allocation when it is large enough; contents are unspecified afterwards.
  void resize(int batch, Shape sample_shape) {
    batch_ = batch;
    sample_shape_ = std::move(sample_shape);
    sample_size_ = shape_size(sample_shape_);
    std::size_t n = static_cast<std::size_t>(batch_) * static_cast<std::size_t>(sample_size_);
    if (data_.size() < n) data_.resize(n);
    size_ = n;
  }
  void fill(float v) {
    for (std::size_t i = 0; i < size_; ++i) data_[i] = v;
  }

  int batch() const { return batch_; }
  const Shape& sample_shape() const { return sample_shape_; }
  std::int64_t sample_size() const { return sample_size_; }
  std::size_t size() const { return size_; }
  float* data() { return data_.data(); }
  const float* data() const { return data_.data(); }
  float* sample(int b) { return data_.data() + static_cast<std::size_t>(b) * sample_size_; }
  const float* sample(int b) const { return data_.data() + static_cast<std::size_t>(b) * sample_size_; }
  std::span<float> span() { return {data_.data(), size_}; }
  std::span<const float> span() const { return {data_.data(), size_}; }
  float& operator[](std::size_t i) { return data_[i]; }
  float operator[](std::size_t i) const { return data_[i]; }

 private:
  int batch_ = 0;
  Shape sample_shape_;
  std::int64_t sample_size_ = 0;
  std::size_t size_ = 0;
  AlignedVector<float> data_;
};

}  // namespace bcnn
