// SPDX-License-Identifier: Apache-2.0
// The agent's operator new (app/agent/aligned_new.cpp): large blocks start on a 64-byte boundary
// whatever was allocated and freed before (the state that made OpenCV's timings depend on a
// model's neighbours), small ones still work, and every block goes back through free().
#include <QtTest>

#include <cstdint>
#include <memory>
#include <new>
#include <random>
#include <vector>

#include "aligned_new.h"

namespace {

bool onCacheLine(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 64 == 0; }

}  // namespace

class TestAgentAllocation : public QObject {
    Q_OBJECT
private slots:
    void largeBlocksAreAlignedWhateverCameBefore() {
        // Mixed sizes, kept and freed in a random order: the heap ends up fragmented and glibc
        // serves some requests from freed chunks and others by mapping fresh pages.
        std::mt19937 rng(7);
        std::uniform_int_distribution<size_t> small(1, km::kAlignedFromBytes - 1), large(km::kAlignedFromBytes, 8u << 20);
        std::vector<std::unique_ptr<char[]>> kept;
        int largeChecked = 0;
        for (int i = 0; i < 2000; ++i) {
            const bool big = i % 3 == 0;
            const size_t n = big ? large(rng) : small(rng);
            auto block = std::make_unique<char[]>(n);
            block[0] = block[n - 1] = 1;  // usable from its first to its last byte
            if (big) {
                QVERIFY2(onCacheLine(block.get()), qPrintable(QString("%1 bytes at %2").arg(n).arg(quintptr(block.get()), 0, 16)));
                ++largeChecked;
            }
            if (rng() % 2) kept.push_back(std::move(block));
            if (kept.size() > 40) kept.erase(kept.begin() + static_cast<long>(rng() % kept.size()));
        }
        QVERIFY(largeChecked > 600);
    }

    void containersAndNothrowNewAreAligned() {
        std::vector<float> buffer(300000);  // what OpenCV's convolutions keep per call
        QVERIFY(onCacheLine(buffer.data()));
        std::unique_ptr<double[]> nothrowBlock(new (std::nothrow) double[100000]);
        QVERIFY(nothrowBlock != nullptr);
        QVERIFY(onCacheLine(nothrowBlock.get()));
        auto tiny = std::make_unique<int>(42);  // below the threshold: the C library's placement
        QCOMPARE(*tiny, 42);
    }

    void impossibleSizeThrows() {
        // Sizes beyond any address space, asked of the replacement directly (a new-expression
        // would refuse them itself): bad_alloc, or null from the nothrow form, never a block.
        for (volatile size_t huge : {~size_t{0}, ~size_t{0} - 8, ~size_t{0} / 2}) {
            bool threw = false;
            try {
                ::operator delete(::operator new(huge));
            } catch (const std::bad_alloc&) {
                threw = true;
            }
            QVERIFY(threw);
            QVERIFY(::operator new(huge, std::nothrow) == nullptr);
        }
    }
};

QTEST_GUILESS_MAIN(TestAgentAllocation)
#include "test_agent_allocation.moc"
