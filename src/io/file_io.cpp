// Whole-file reading with a size cap, and atomic writing (temp file, fsync, rename).
#include "digitnet/file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "digitnet/error.hpp"

namespace digitnet {
namespace {

std::string os_reason(int err) { return std::strerror(err); }

// Closes a descriptor when it goes out of scope.
class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }
    // Hands the descriptor over: it is no longer closed here.
    int release() {
        const int fd = fd_;
        fd_ = -1;
        return fd;
    }
    // Closes now and reports close()'s error (0 on success).
    int close_now() {
        int rc = ::close(fd_);
        fd_ = -1;
        return rc == 0 ? 0 : errno;
    }

private:
    int fd_;
};

// What a stat mode is, for "PATH: is a FIFO, expected a regular file"; "" for a regular file.
const char* kind_of(mode_t mode) {
    if (S_ISREG(mode)) return "";
    if (S_ISDIR(mode)) return "a folder";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

void require_regular(const std::string& path, mode_t mode) {
    const char* kind = kind_of(mode);
    if (*kind) throw Error(path + ": is " + kind + ", expected a regular file");
}

// The folder a path lives in ("." for a bare file name).
std::string parent_folder(const std::string& path) {
    std::string parent = std::filesystem::path(path).parent_path().string();
    return parent.empty() ? std::string(".") : parent;
}

}  // namespace

int open_regular_file(const std::string& path, std::uint64_t* size) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        if (errno == ENOENT) throw Error(path + ": no such file");
        throw Error("cannot open '" + path + "': " + os_reason(errno));
    }
    require_regular(path, info.st_mode);
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) throw Error("cannot open '" + path + "': " + os_reason(errno));
    FileDescriptor guard(fd);
    if (::fstat(fd, &info) != 0) throw Error("cannot stat '" + path + "': " + os_reason(errno));
    require_regular(path, info.st_mode);
    if (size) *size = static_cast<std::uint64_t>(info.st_size);
    return guard.release();
}

std::vector<std::uint8_t> read_file(const std::string& path, std::size_t max_bytes) {
    std::uint64_t size = 0;
    FileDescriptor fd(open_regular_file(path, &size));
    if (size > max_bytes)
        throw Error("'" + path + "' is " + std::to_string(size) + " bytes, larger than the limit of " +
                    std::to_string(max_bytes) + " bytes");

    std::vector<std::uint8_t> bytes;
    bytes.reserve(static_cast<std::size_t>(size));
    // Read in chunks until end of file; a file that grows meanwhile is still capped at max_bytes.
    std::uint8_t chunk[1 << 16];
    for (;;) {
        ssize_t got = ::read(fd.get(), chunk, sizeof chunk);
        if (got < 0) {
            if (errno == EINTR) continue;
            throw Error("cannot read '" + path + "': " + os_reason(errno));
        }
        if (got == 0) break;
        if (bytes.size() + static_cast<std::size_t>(got) > max_bytes)
            throw Error("'" + path + "' is larger than the limit of " + std::to_string(max_bytes) + " bytes");
        bytes.insert(bytes.end(), chunk, chunk + got);
    }
    return bytes;
}

void write_file_atomic(const std::string& path, std::span<const std::uint8_t> bytes) {
    if (path.empty()) throw Error("cannot write a file with an empty path");
    const std::string folder = parent_folder(path);
    std::error_code ec;
    if (!std::filesystem::is_directory(folder, ec))
        throw Error("cannot write '" + path + "': folder '" + folder + "' does not exist");

    std::string temp = path + ".tmp-XXXXXX";
    FileDescriptor fd(::mkstemp(temp.data()));
    if (fd.get() < 0)
        throw Error("cannot write '" + path + "': cannot create a temporary file in '" + folder +
                    "': " + os_reason(errno));

    // From here on, any failure removes the temporary file before throwing.
    auto fail = [&](const std::string& what, int err) {
        ::unlink(temp.c_str());
        throw Error("cannot write '" + path + "': " + what + ": " + os_reason(err));
    };

    // A replaced file keeps its permissions; a new one gets rw-r--r-- (mkstemp gives 0600).
    struct stat existing {};
    mode_t mode = (::stat(path.c_str(), &existing) == 0) ? (existing.st_mode & 07777) : 0644;
    if (::fchmod(fd.get(), mode) != 0) fail("cannot set permissions", errno);

    std::size_t written = 0;
    while (written < bytes.size()) {
        ssize_t n = ::write(fd.get(), bytes.data() + written, bytes.size() - written);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("write failed", errno);
        }
        written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0) fail("fsync failed", errno);
    if (int err = fd.close_now(); err != 0) fail("close failed", err);
    if (::rename(temp.c_str(), path.c_str()) != 0) fail("rename failed", errno);

    // Make the rename itself durable; the new file is already in place, so this is best effort.
    FileDescriptor dir(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() >= 0) ::fsync(dir.get());
}

void write_file_atomic(const std::string& path, std::string_view text) {
    write_file_atomic(path, std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()),
                                                           text.size()));
}

}  // namespace digitnet
