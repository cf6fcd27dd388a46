// The one translation unit holding the stb_image and stb_image_write implementations.
// Only the decoders the project reads are compiled in: PNG, JPEG, BMP and PNM (PGM/PPM);
// fewer decoders means less code facing untrusted files.
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wall"
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#endif

// stb_image 2.27 calls memcpy(NULL, p, 0) for a PNG whose first IDAT chunk is empty (a
// legal file); a zero-length copy does nothing, so the sanitizer's null-argument check
// is turned off for this file's functions. Its JPEG bit reader also shifts a 32-bit word by
// 32 on some corrupt files (stbi__grow_buffer_unsafe; the bits are discarded and decoding
// then fails), so the shift check is off here too. Memory errors are still caught: ASan
// stays on for this file.
#if defined(__clang__)
#pragma clang attribute push(__attribute__((no_sanitize("nonnull-attribute", "shift"))), apply_to = function)
#endif

#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_ONLY_PNM
#define STBI_NO_LINEAR
#define STBI_NO_HDR
#define STB_IMAGE_IMPLEMENTATION
#include <stb_image.h>

#define STBI_WRITE_NO_STDIO
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image_write.h>

#if defined(__clang__)
#pragma clang attribute pop
#endif

#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
