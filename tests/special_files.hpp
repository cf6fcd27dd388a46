#pragma once
// Helpers for tests that hand a reader something other than a regular file: a FIFO, a folder
// or a device. A reader that opens a FIFO without care blocks until someone writes to it; the
// helper here releases such a reader (by opening the FIFO's other end) so that the test fails
// instead of hanging.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "digitnet/error.hpp"

namespace digitnet::testing {

// A new FIFO at `path` (replacing whatever was there).
inline void make_fifo(const std::filesystem::path& path) {
    std::filesystem::remove_all(path);
    ASSERT_EQ(::mkfifo(path.c_str(), 0644), 0) << path;
}

// The message of the digitnet::Error that `read` throws. `read` runs on its own thread; when it
// has not returned within `seconds`, the test fails ("hung") and `fifo` is opened for writing and
// closed again, which lets a reader blocked on it see end of file and return.
inline std::string error_without_hanging(const std::filesystem::path& fifo, const std::function<void()>& read,
                                         int seconds = 5) {
    std::packaged_task<std::string()> task([&read] {
        try {
            read();
        } catch (const Error& e) {
            return std::string(e.what());
        } catch (const std::exception& e) {
            return std::string("not a digitnet::Error: ") + e.what();
        }
        return std::string("no error");
    });
    std::future<std::string> result = task.get_future();
    std::thread reader(std::move(task));
    if (result.wait_for(std::chrono::seconds(seconds)) != std::future_status::ready) {
        ADD_FAILURE() << "reading " << fifo << " hung for " << seconds << " s";
        while (result.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
            const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
            if (fd >= 0) ::close(fd);
        }
    }
    reader.join();
    return result.get();
}

}  // namespace digitnet::testing
