#pragma once
// Inside the library: sharing a mini-batch's images between threads (the convolutional layers).
// The images are cut into a fixed number of chunks, whatever the thread count, so that sums taken
// chunk by chunk and then in chunk order give the same bytes with 1 thread or 8.
#include <algorithm>
#include <cstddef>
#include <vector>

#include "digitnet/matrix.hpp"
#include "kernels/worker_pool.hpp"

namespace digitnet {

// While one of these lives, OpenBLAS multiplies on the calling thread only, so that threads of
// ours can each call it at once (blas_core.cpp).
class SingleThreadedBlas {
public:
    SingleThreadedBlas();
    ~SingleThreadedBlas();
    SingleThreadedBlas(const SingleThreadedBlas&) = delete;
    SingleThreadedBlas& operator=(const SingleThreadedBlas&) = delete;

private:
    int threads_before_;
};

// How many chunks `images` images are cut into: at most 8, and at least 4 images each when there
// are enough (fewer, larger chunks cost less to start).
inline std::size_t image_chunks(std::size_t images) {
    return std::max<std::size_t>(1, std::min<std::size_t>(8, images / 4));
}
// Chunk j of `chunks`: images [first, last).
inline std::size_t chunk_begin(std::size_t images, std::size_t chunks, std::size_t j) { return images * j / chunks; }

// Whether a batch of `images` is worth sharing between threads: below 16 images (Nielsen's batch of
// 10) waking a thread costs more than it saves.
inline bool worth_sharing(std::size_t images) { return images >= 16; }

// work(j) for every chunk j in [0, chunks): when `share` and there is a pool, the chunks are shared
// by the pool's threads, each taking a run of consecutive chunks, with OpenBLAS single-threaded
// meanwhile; without a pool (a layer used on its own, outside a Network) they run one after another
// on the calling thread. work(j) must touch only chunk j's memory. The results do not depend on how
// many threads run.
template <typename Work>
void for_each_chunk(WorkerPool* workers, std::size_t chunks, bool share, Work&& work) {
    const std::size_t threads = share && workers ? std::min(chunks, workers->threads) : 1;
    if (threads <= 1) {
        for (std::size_t j = 0; j < chunks; ++j) work(j);
        return;
    }
    SingleThreadedBlas single;
    workers->run(threads, [&](std::size_t t) {
        for (std::size_t j = chunks * t / threads; j < chunks * (t + 1) / threads; ++j) work(j);
    });
}

// Rows [first, last) of a matrix, to read and to write.
inline ConstMatrixView read_rows(ConstMatrixView m, std::size_t first, std::size_t last) {
    return {m.row(first), last - first, m.cols};
}
inline MatrixView write_rows(MatrixView m, std::size_t first, std::size_t last) {
    return {m.row(first), last - first, m.cols};
}

// work(first, last) over the images [0, images), in image_chunks(images) chunks shared as above:
// for layers whose every image is computed apart from the others.
template <typename Work>
void for_image_ranges(WorkerPool* workers, std::size_t images, Work&& work) {
    const std::size_t chunks = image_chunks(images);
    for_each_chunk(workers, chunks, worth_sharing(images), [&](std::size_t j) {
        work(chunk_begin(images, chunks, j), chunk_begin(images, chunks, j + 1));
    });
}

}  // namespace digitnet
