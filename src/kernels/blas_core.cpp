#include <algorithm>
#include <cstdlib>
#include <string>
#include <thread>

#include "kernels/blas_core.hpp"
#include "kernels/parallel.hpp"
#include "digitnet/matrix.hpp"

extern "C" {
// Exported by OpenBLAS builds with DYNAMIC_ARCH (Debian's): weak, so that any other build still links.
char* openblas_get_corename(void) __attribute__((weak));
void gotoblas_dynamic_init(void) __attribute__((weak));
void gotoblas_dynamic_quit(void) __attribute__((weak));
// Part of OpenBLAS's API but not of every cblas.h.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
}

namespace digitnet {

// Choosing OpenBLAS's kernels: its AVX-512 ones wherever the CPU has AVX-512.
//
// A DYNAMIC_ARCH OpenBLAS (Debian's) picks its kernels once, when it is loaded: from
// OPENBLAS_CORETYPE when that is set, else from the CPUs it knows. On a CPU with AVX-512 its
// AVX2 "Haswell" kernels are much slower at sgemm than its AVX-512 "SkylakeX" ones
// (docs/performance.md), and both an environment that pins OPENBLAS_CORETYPE=Haswell and a CPU
// newer than the OpenBLAS leave it on such slower kernels. So, once, before main() (no BLAS call
// and no thread of ours exists yet): when the CPU has the AVX-512 subsets the SkylakeX kernels use
// (F, DQ, BW, VL) and the kernels OpenBLAS chose do not use them, digitnet asks OpenBLAS to choose
// again, with OPENBLAS_CORETYPE=SkylakeX for that moment only. DIGITNET_BLAS_CORE=NAME makes it choose NAME
// instead (any OPENBLAS_CORETYPE name; "Haswell" keeps the AVX2 kernels).

static bool is_avx512_core(const std::string& name) {
    return name == "SkylakeX" || name == "Cooperlake" || name == "SapphireRapids";
}

static bool cpu_has_avx512() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
#else
    return false;
#endif
}

std::string blas_core() {
    return openblas_get_corename ? std::string(openblas_get_corename()) : std::string("unknown");
}

// OpenBLAS's choice made again with OPENBLAS_CORETYPE=core; the variable is then restored.
static void choose_blas_core(const std::string& core) {
    const char* before = std::getenv("OPENBLAS_CORETYPE");
    const std::string saved = before ? before : "";
    setenv("OPENBLAS_CORETYPE", core.c_str(), 1);
    gotoblas_dynamic_quit();  // forgets the choice ...
    gotoblas_dynamic_init();  // ... and makes it again
    if (before) setenv("OPENBLAS_CORETYPE", saved.c_str(), 1); else unsetenv("OPENBLAS_CORETYPE");
}

bool choose_fast_blas_kernels() {
    if (!openblas_get_corename || !gotoblas_dynamic_init || !gotoblas_dynamic_quit) return false;
    if (const char* wanted = std::getenv("DIGITNET_BLAS_CORE"); wanted && *wanted) {
        if (blas_core() != wanted) choose_blas_core(wanted);
        return true;
    }
    if (!cpu_has_avx512() || is_avx512_core(blas_core())) return false;
    choose_blas_core("SkylakeX");
    return true;
}

void set_num_threads(int threads) {
    if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    openblas_set_num_threads(threads);
}

int num_threads() { return openblas_get_num_threads(); }

}  // namespace digitnet

namespace digitnet {

SingleThreadedBlas::SingleThreadedBlas() : threads_before_(openblas_get_num_threads()) {
    if (threads_before_ != 1) openblas_set_num_threads(1);
}

SingleThreadedBlas::~SingleThreadedBlas() {
    if (threads_before_ != 1) openblas_set_num_threads(threads_before_);
}

}  // namespace digitnet
