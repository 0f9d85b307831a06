// SPDX-License-Identifier: Apache-2.0
// The agent replaces the global operator new/delete (a replacement C++ allows; it applies to every
// library the process loads) so that every block of 4 KiB or more starts on a 64-byte boundary.
//
// Why: glibc's malloc hands out large blocks either freshly mapped (16 bytes past a page boundary)
// or from its heap (any 16-byte boundary), depending on what the process allocated and freed
// before. OpenCV 4.6 keeps its convolutions' per-call buffers in std::vector; on this VM's CPU
// (AMD family 26, 512-bit loads) a buffer off a cache-line boundary made ResNet-18 run 1.5x slower
// (46 ms instead of 30), and which placement a layer got depended on the other models loaded in
// the same agent: the same file measured 30 or 46 ms depending on its neighbours in a batch, and
// kernels measured alone did not add up to their network (docs/measurement.md, "Buffer
// placement"). With the blocks aligned, a model measures the same alone and in any batch (within
// 1-4% on 22 torchvision networks) and at the runtime's best speed. XNNPACK aligns its own
// buffers and was not affected.
//
// Only the agent links this file: the GUI and CLI have their own (app/huge_pages_new.cpp). The
// agent's huge pages come from glibc's heap (malloc_huge_pages.h), under these aligned blocks too.
#include <cstdlib>

#include "../replaced_new.h"
#include "aligned_new.h"

void* km::allocateBlock(std::size_t n) noexcept {
    if (n < km::kAlignedFromBytes) return std::malloc(n ? n : 1);
    if (n > ~std::size_t{0} - 63) return nullptr;  // rounding up would wrap around
    // aligned_alloc wants a multiple of the alignment; free() releases either kind of block.
    return std::aligned_alloc(64, (n + 63) & ~std::size_t{63});
}
