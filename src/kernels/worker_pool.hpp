#pragma once
// Inside the library: threads kept waiting between a convolutional network's layers (starting a
// thread costs tens of microseconds, and a mini-batch's step shares a dozen layers between threads).
// A network owns one (network.hpp); the layers reach it through their `workers` pointer.
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace digitnet {

class WorkerPool {
public:
    WorkerPool() = default;
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    // work(t) for every t in [0, threads): t = 0 on the calling thread, the others on the pool's
    // threads (started on first use, kept until the pool goes); returns when all have returned.
    // work must not throw.
    void run(std::size_t threads, const std::function<void(std::size_t)>& work);

    // Set by the owner for each pass (network.cpp): how many threads the layers may share their
    // images between, and whether a pass is under way (a forward pass inside backprop is not a new one).
    std::size_t threads = 1;
    bool in_pass = false;

private:
    void wait_for_work(std::size_t index);

    std::vector<std::thread> threads_;
    std::mutex mutex_;
    std::condition_variable start_, done_;
    const std::function<void(std::size_t)>* work_ = nullptr;
    // Waiting threads first spin a little on these (a layer's pass is tens of microseconds, about
    // what sleeping and waking costs), then sleep on the condition variables.
    std::atomic<std::uint64_t> round_{0};    // which call of run() the threads are serving
    std::atomic<std::size_t> unfinished_{0}; // pool threads still working on this round
    std::atomic<bool> stopping_{false};
    std::size_t active_ = 0;                 // work indices in this round (the caller's 0 included)
};

}  // namespace digitnet
