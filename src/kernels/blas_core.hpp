#pragma once
// Inside the library: choosing OpenBLAS's kernels (blas_core.cpp).

namespace digitnet {

// Makes OpenBLAS use its AVX-512 kernels where the CPU has AVX-512 and it chose others, or the
// kernels DIGITNET_BLAS_CORE names; true if it asked OpenBLAS to choose again. Called once, before
// main(), by a static initialiser in products.cpp: every program that multiplies matrices links it.
bool choose_fast_blas_kernels();

}  // namespace digitnet
