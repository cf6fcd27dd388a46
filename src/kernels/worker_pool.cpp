#include "kernels/worker_pool.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace digitnet {

// About 100 microseconds of polling before a thread sleeps.
static constexpr int kSpins = 4000;

static inline void pause() {
#if defined(__x86_64__)
    _mm_pause();
#endif
}

WorkerPool::~WorkerPool() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_.store(true);
    }
    start_.notify_all();
    for (auto& t : threads_) t.join();
}

void WorkerPool::run(std::size_t threads, const std::function<void(std::size_t)>& work) {
    if (threads <= 1) {
        if (threads == 1) work(0);
        return;
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        while (threads_.size() + 1 < threads) {
            const std::size_t index = threads_.size() + 1;
            threads_.emplace_back([this, index] { wait_for_work(index); });
        }
        work_ = &work;
        active_ = threads;
        unfinished_.store(threads - 1);
        round_.fetch_add(1);
    }
    start_.notify_all();
    work(0);
    for (int i = 0; i < kSpins && unfinished_.load(std::memory_order_acquire) != 0; ++i) pause();
    if (unfinished_.load(std::memory_order_acquire) != 0) {
        std::unique_lock<std::mutex> lock(mutex_);
        done_.wait(lock, [this] { return unfinished_.load() == 0; });
    }
}

void WorkerPool::wait_for_work(std::size_t index) {
    std::uint64_t served = 0;
    for (;;) {
        for (int i = 0; i < kSpins && round_.load(std::memory_order_acquire) == served && !stopping_.load(); ++i)
            pause();
        const std::function<void(std::size_t)>* work = nullptr;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            start_.wait(lock, [&] { return stopping_.load() || round_.load() != served; });
            if (stopping_.load()) return;
            served = round_.load();
            if (index >= active_) continue;  // not needed this round
            work = work_;
        }
        (*work)(index);
        if (unfinished_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            std::lock_guard<std::mutex> lock(mutex_);
            done_.notify_one();
        }
    }
}

}  // namespace digitnet
