#include "kernels/pixel_bytes.hpp"
#include "kernels/gather.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace digitnet {

namespace {

// b / 255.0f for every byte b: the pixel values the loaders produce.
std::array<float, 256> byte_values() {
    std::array<float, 256> table{};
    for (int b = 0; b < 256; ++b) table[b] = static_cast<float>(b) / 255.0f;
    return table;
}

}  // namespace

void bytes_to_pixels(const std::uint8_t* bytes, std::size_t n, float* out) {
    std::size_t i = 0;
#if defined(__AVX512F__)
    // b / 255 as q = b · (1/255), then one Newton step q + (b - 255 q) · (1/255): correctly
    // rounded for all 256 bytes (a test compares every one with b / 255.0f), at the cost of
    // three multiply-adds where a division would take several times longer.
    const __m512 inverse = _mm512_set1_ps(1.0f / 255.0f), c255 = _mm512_set1_ps(255.0f);
    for (; i + 16 <= n; i += 16) {
        const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes + i));
        const __m512 v = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(b));
        const __m512 q = _mm512_mul_ps(v, inverse);
        const __m512 residual = _mm512_fnmadd_ps(q, c255, v);
        _mm512_storeu_ps(out + i, _mm512_fmadd_ps(residual, inverse, q));
    }
#endif
    static const std::array<float, 256> table = byte_values();
    for (; i < n; ++i) out[i] = table[bytes[i]];
}

void PixelBytes::Free::operator()(std::uint8_t* p) const { std::free(p); }

// Memory for the bytes in 2 MiB pages where the system has them: a mini-batch reads rows from
// all over the set, and with 4 KiB pages nearly every row costs a page-table walk.
static std::uint8_t* allocate_bytes(std::size_t n) {
    constexpr std::size_t kHugePage = std::size_t{2} << 20;
    const std::size_t size = std::max<std::size_t>(1, (n + kHugePage - 1) / kHugePage * kHugePage);
    void* p = std::aligned_alloc(kHugePage, size);
    if (!p) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    madvise(p, size, MADV_HUGEPAGE);  // a hint: without huge pages everything still works
#endif
    return static_cast<std::uint8_t*>(p);
}

// bytes[i] = the byte nearest to 255 · pixels[i]; false when a pixel is outside [0, 1] or NaN.
static bool nearest_bytes(const float* pixels, std::size_t n, std::uint8_t* bytes) {
    std::size_t i = 0;
    bool in_range = true;
#if defined(__AVX512F__)
    const __m512 zero = _mm512_setzero_ps(), one = _mm512_set1_ps(1.0f);
    const __m512 c255 = _mm512_set1_ps(255.0f), half = _mm512_set1_ps(0.5f);
    __mmask16 all_in = 0xffff;
    for (; i + 16 <= n; i += 16) {
        const __m512 v = _mm512_loadu_ps(pixels + i);
        all_in &= _mm512_cmp_ps_mask(v, zero, _CMP_GE_OQ) & _mm512_cmp_ps_mask(v, one, _CMP_LE_OQ);
        const __m512i b = _mm512_cvttps_epi32(_mm512_fmadd_ps(v, c255, half));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(bytes + i), _mm512_cvtepi32_epi8(b));
    }
    in_range = all_in == 0xffff;
#endif
    for (; i < n; ++i) {
        const float v = pixels[i];
        in_range &= v >= 0.0f && v <= 1.0f;
        bytes[i] = static_cast<std::uint8_t>(static_cast<int>(v * 255.0f + 0.5f) & 0xff);
    }
    return in_range;
}

std::optional<PixelBytes> PixelBytes::from_pixels(ConstMatrixView images) {
    PixelBytes p;
    p.rows_ = images.rows;
    p.cols_ = images.cols;
    p.bytes_.reset(allocate_bytes(images.size()));
    std::vector<float> back(images.cols);
    for (std::size_t r = 0; r < images.rows; ++r) {
        const float* pixels = images.row(r);
        std::uint8_t* bytes = p.bytes_.get() + r * images.cols;
        // The nearest byte of each pixel (NaN and values outside [0, 1] are refused), then
        // whether the bytes give back exactly these pixels.
        if (!nearest_bytes(pixels, images.cols, bytes)) return std::nullopt;
        bytes_to_pixels(bytes, images.cols, back.data());
        if (std::memcmp(back.data(), pixels, images.cols * sizeof(float)) != 0) return std::nullopt;  // bit for bit
    }
    return p;
}

void PixelBytes::gather(std::span<const std::uint32_t> indices, Matrix& x) const {
    x.resize(indices.size(), cols_);
    gather_prefetched(
        indices, 8, cols_, [&](std::uint32_t i) { return row(i); },
        [&](std::size_t r) { bytes_to_pixels(row(indices[r]), cols_, x.row(r)); });
}


void encode_batch(const Network& network, const PixelBytes& pixels, std::span<const std::uint8_t> labels,
                  std::span<const std::uint32_t> indices, Matrix& x, Matrix& y) {
    pixels.gather(indices, x);  // the pixels, exactly as floats
    network.encode_inputs(x, x);
    network.encode_targets(labels, indices, y);
}

}  // namespace digitnet
