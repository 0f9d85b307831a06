// SPDX-License-Identifier: Apache-2.0
// The global operator new/delete of an executable that replaces them (a replacement C++ allows; it
// covers every library the process loads), in terms of `km::allocateBlock(n)`: a block from the C
// library's malloc (so that free() releases it), or nullptr. Include this in exactly one source
// file of the executable, after defining allocateBlock there: app/agent/aligned_new.cpp (the
// agent's 64-byte alignment) and app/huge_pages_new.cpp (the GUI's and CLI's huge pages).
#pragma once

#include <cstdlib>
#include <new>

namespace km {
void* allocateBlock(std::size_t n) noexcept;
}  // namespace km

namespace {
void* allocateOrThrow(std::size_t n) {
    void* p = km::allocateBlock(n);
    if (!p) throw std::bad_alloc();
    return p;
}
}  // namespace

void* operator new(std::size_t n) { return allocateOrThrow(n); }
void* operator new[](std::size_t n) { return allocateOrThrow(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return km::allocateBlock(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return km::allocateBlock(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
