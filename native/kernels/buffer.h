// Large work buffers: 2 MiB-aligned and advised for transparent huge pages where the OS offers
// them. A fresh M×n buffer otherwise costs a page fault per 4 KiB and a TLB miss per page walked,
// which measured as a third of a Pearson matrix's time. Contents start uninitialised.
#pragma once
#include <sys/mman.h>

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>

namespace ms {

struct FreeBuffer {
  void operator()(void* p) const { std::free(p); }
};
template <class T>
using BigPtr = std::unique_ptr<T[], FreeBuffer>;

template <class T>
BigPtr<T> bigBuffer(size_t count) {
  constexpr size_t kHuge = size_t{2} << 20;
  const size_t bytes = std::max(kHuge, (count * sizeof(T) + kHuge - 1) / kHuge * kHuge);
  void* p = std::aligned_alloc(kHuge, bytes);
  if (!p) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  madvise(p, bytes, MADV_HUGEPAGE);  // advice only: ignored where huge pages are off
#endif
  return BigPtr<T>(static_cast<T*>(p));
}

}  // namespace ms
