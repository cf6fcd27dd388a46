#include "kernels/worker_pool.hpp"

namespace digitnet {

WorkerPool::~WorkerPool() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
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
        unfinished_ = threads - 1;
        ++round_;
    }
    start_.notify_all();
    work(0);
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return unfinished_ == 0; });
    work_ = nullptr;
}

void WorkerPool::wait_for_work(std::size_t index) {
    std::uint64_t served = 0;
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
        start_.wait(lock, [&] { return stopping_ || round_ != served; });
        if (stopping_) return;
        served = round_;
        if (index >= active_) continue;  // not needed this round
        const std::function<void(std::size_t)>* work = work_;
        lock.unlock();
        (*work)(index);
        lock.lock();
        if (--unfinished_ == 0) done_.notify_one();
    }
}

}  // namespace digitnet
