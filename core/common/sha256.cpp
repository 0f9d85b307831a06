// SPDX-License-Identifier: Apache-2.0
// FIPS 180-4 SHA-256, written from the specification. On x86-64 CPUs with the SHA extensions
// (most since 2017-2019) the compression runs on them: about seven times the portable speed,
// which matters because every model, generated network and kernel file is hashed (adapt hashes
// a few GB of weights; a large model opened in the GUI hundreds of MB).
#include "common/sha256.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <fstream>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#define KM_SHA256_X86 1
#endif

namespace km {
namespace {

alignas(16) constexpr std::array<uint32_t, 64> kRound = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
    0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
    0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
    0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
    0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
    0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

// The specification's compression of `blocks` consecutive 64-byte blocks into `h`.
void compressPortable(uint32_t h[8], const uint8_t* data, size_t blocks) {
    for (; blocks > 0; --blocks, data += 64) {
        uint32_t w[64];
        for (int i = 0; i < 16; ++i)
            w[i] = uint32_t(data[4 * i]) << 24 | uint32_t(data[4 * i + 1]) << 16 | uint32_t(data[4 * i + 2]) << 8 | data[4 * i + 3];
        for (int i = 16; i < 64; ++i) {
            const uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
            const uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
        for (int i = 0; i < 64; ++i) {
            const uint32_t t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + kRound[i] + w[i];
            const uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            hh = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
        h[5] += f;
        h[6] += g;
        h[7] += hh;
    }
}

#ifdef KM_SHA256_X86
bool cpuHasShaExtensions() {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return false;
    const bool ssse3 = ecx & (1u << 9), sse41 = ecx & (1u << 19);
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
    return ssse3 && sse41 && (ebx & (1u << 29));  // leaf 7 EBX bit 29: SHA
}

// The same on the SHA extensions. They keep the working variables in two registers, (A, B, E, F)
// and (C, D, G, H), highest lane first; SHA256RNDS2 runs two rounds from the low two lanes of a
// message-plus-constant register, and SHA256MSG1/MSG2 extend the message schedule four words at
// a time.
__attribute__((target("sha,sse4.1,ssse3"))) void compressShaExtensions(uint32_t h[8], const uint8_t* data, size_t blocks) {
    const __m128i byteSwap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);  // big-endian words
    const __m128i dcba = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h));            // lanes a b c d (lowest first)
    const __m128i hgfe = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h + 4));        // lanes e f g h
    const __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);                                   // b a d c
    const __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);                                   // h g f e
    __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);                                        // f e b a
    __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);                                     // h g d c
    for (; blocks > 0; --blocks, data += 64) {
        const __m128i abefStart = abef, cdghStart = cdgh;
        __m128i w[4];  // the last four groups of four message words, group g in w[g % 4]
#pragma GCC unroll 16
        for (int g = 0; g < 16; ++g) {
            __m128i& m = w[g % 4];
            if (g < 4) {
                m = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(data + 16 * g)), byteSwap);
            } else {  // words 4g..4g+3 from groups g-4 (in m), g-3, g-2 and g-1
                const __m128i& prev1 = w[(g + 3) % 4];
                const __m128i& prev2 = w[(g + 2) % 4];
                const __m128i& prev3 = w[(g + 1) % 4];
                m = _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32(m, prev3), _mm_alignr_epi8(prev1, prev2, 4)), prev1);
            }
            __m128i k = _mm_add_epi32(m, _mm_load_si128(reinterpret_cast<const __m128i*>(kRound.data() + 4 * g)));
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, k);  // two rounds: the result is the new (A, B, E, F)
            k = _mm_shuffle_epi32(k, 0x0E);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, k);
        }
        abef = _mm_add_epi32(abef, abefStart);
        cdgh = _mm_add_epi32(cdgh, cdghStart);
    }
    const __m128i feba = _mm_shuffle_epi32(abef, 0x1B);  // a b e f
    const __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);  // g h c d
    _mm_storeu_si128(reinterpret_cast<__m128i*>(h), _mm_blend_epi16(feba, dchg, 0xF0));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(h + 4), _mm_alignr_epi8(dchg, feba, 8));
}
#endif

using CompressFn = void (*)(uint32_t*, const uint8_t*, size_t);

CompressFn fastestCompress() {
#ifdef KM_SHA256_X86
    static const CompressFn chosen = cpuHasShaExtensions() ? compressShaExtensions : compressPortable;
    return chosen;
#else
    return compressPortable;
#endif
}

class Sha256 {
public:
    explicit Sha256(CompressFn compress) : m_compress(compress) {}
    void update(const uint8_t* data, size_t n) {
        m_bits += uint64_t(n) * 8;
        if (m_used > 0) {  // complete the pending block first
            const size_t take = std::min(n, size_t{64} - m_used);
            std::memcpy(m_block + m_used, data, take);
            m_used += take;
            data += take;
            n -= take;
            if (m_used < 64) return;
            m_compress(m_h, m_block, 1);
            m_used = 0;
        }
        if (n >= 64) {  // whole blocks straight from the input
            m_compress(m_h, data, n / 64);
            data += n / 64 * 64;
            n %= 64;
        }
        std::memcpy(m_block, data, n);
        m_used = n;
    }
    std::string hex() {
        const uint64_t bits = m_bits;
        uint8_t tail[72] = {0x80};  // 0x80, zeros to 56 mod 64, then the length in bits
        const size_t pad = (m_used < 56 ? 56 : 120) - m_used;
        for (int i = 0; i < 8; ++i) tail[pad + i] = uint8_t(bits >> (56 - 8 * i));
        update(tail, pad + 8);
        static const char* digits = "0123456789abcdef";
        std::string out;
        for (uint32_t h : m_h)
            for (int i = 28; i >= 0; i -= 4) out += digits[(h >> i) & 0xf];
        return out;
    }

private:
    CompressFn m_compress;
    uint32_t m_h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    uint8_t m_block[64] = {};
    size_t m_used = 0;
    uint64_t m_bits = 0;
};

std::string hashWith(CompressFn compress, std::string_view bytes) {
    Sha256 s(compress);
    s.update(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    return s.hex();
}

}  // namespace

std::string sha256Hex(std::string_view bytes) { return hashWith(fastestCompress(), bytes); }

std::string sha256HexPortable(std::string_view bytes) { return hashWith(compressPortable, bytes); }

bool sha256UsesCpuExtensions() { return fastestCompress() != compressPortable; }

Result<std::string> sha256OfFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return ioError(path + ": cannot open the file.");
    Sha256 s(fastestCompress());
    char buf[1 << 16];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) s.update(reinterpret_cast<const uint8_t*>(buf), size_t(in.gcount()));
    return s.hex();
}

}  // namespace km
