// Whole-file reading with a size cap, and atomic writing (temp file, fsync, rename).
#include "digitnet/file_io.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstdio>
#include <cctype>
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

// The file a write to `path` lands in: `path` itself, or the final target of a symbolic link
// (which must exist). Throws Error when the target cannot be resolved.
std::string write_target(const std::string& path) {
    if (path.empty()) throw Error("cannot write a file with an empty path");
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0 || !S_ISLNK(info.st_mode)) return path;
    char* resolved = ::realpath(path.c_str(), nullptr);
    if (!resolved)
        throw Error("cannot write '" + path + "': it is a symbolic link whose target cannot be reached (" +
                    os_reason(errno) + ")");
    std::string target(resolved);
    std::free(resolved);
    return target;
}

// Refuses a target that exists but is not a regular file, and a missing folder. `path` is what
// the caller asked for (named in messages), `target` where the bytes go.
void check_target(const std::string& path, const std::string& target) {
    const std::string via = target == path ? "" : " (the target of the symbolic link, '" + target + "')";
    struct stat info {};
    if (::stat(target.c_str(), &info) == 0) {
        if (S_ISDIR(info.st_mode)) throw Error("cannot write '" + path + "': it is a folder, expected a file" + via);
        if (!S_ISREG(info.st_mode))
            throw Error("cannot write '" + path + "': it is " + std::string(kind_of(info.st_mode)) + ", expected a regular file" +
                        via + "; writing replaces the file, so only regular files are written");
    } else if (errno != ENOENT) {
        throw Error("cannot write '" + path + "': " + os_reason(errno));
    }
    const std::string folder = parent_folder(target);
    std::error_code ec;
    if (!std::filesystem::is_directory(folder, ec))
        throw Error("cannot write '" + path + "': folder '" + folder + "' does not exist");
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

void check_writable_file(const std::string& path) {
    const std::string target = write_target(path);
    check_target(path, target);
    // Creating (and removing) a file is the one sure test: permissions, a read-only file
    // system, quotas, root's access rights.
    std::string probe = target + ".tmp-XXXXXX";
    const int fd = ::mkstemp(probe.data());
    if (fd < 0)
        throw Error("cannot write '" + path + "': cannot create a file in '" + parent_folder(target) +
                    "': " + os_reason(errno));
    ::close(fd);
    ::unlink(probe.c_str());
}

void write_file_atomic(const std::string& path, std::span<const std::uint8_t> bytes) {
    const std::string target = write_target(path);  // path itself, or a symbolic link's target
    check_target(path, target);
    const std::string folder = parent_folder(target);

    std::string temp = target + ".tmp-XXXXXX";
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
    mode_t mode = (::stat(target.c_str(), &existing) == 0) ? (existing.st_mode & 07777) : 0644;
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
    if (::rename(temp.c_str(), target.c_str()) != 0) fail("rename failed", errno);

    // Make the rename itself durable; the new file is already in place, so this is best effort.
    FileDescriptor dir(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() >= 0) ::fsync(dir.get());
}

FolderLock FolderLock::acquire(const std::string& folder) {
    const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw Error("cannot lock folder '" + folder + "': " + os_reason(errno));
    FolderLock lock(fd);
    while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EINTR) continue;
        if (errno == EWOULDBLOCK) throw Error("folder '" + folder + "' is locked by another process");
        throw Error("cannot lock folder '" + folder + "': " + os_reason(errno));
    }
    return lock;
}

FolderLock::FolderLock(FolderLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

FolderLock& FolderLock::operator=(FolderLock&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = other.fd_;
        other.fd_ = -1;
    }
    return *this;
}

FolderLock::~FolderLock() {
    if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

std::size_t remove_temporary_files(const std::string& folder, const std::string& name) {
    const std::string prefix = name + ".tmp-";
    std::size_t removed = 0;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
        const std::string file = entry.path().filename().string();
        if (file.size() != prefix.size() + 6 || file.compare(0, prefix.size(), prefix) != 0) continue;
        bool mkstemp_suffix = true;
        for (std::size_t i = prefix.size(); i < file.size(); ++i)
            mkstemp_suffix = mkstemp_suffix && std::isalnum(static_cast<unsigned char>(file[i]));
        std::error_code type_ec;
        if (!mkstemp_suffix || !entry.is_regular_file(type_ec)) continue;
        if (::unlink(entry.path().c_str()) == 0) ++removed;
    }
    return removed;
}

void write_file_atomic(const std::string& path, std::string_view text) {
    write_file_atomic(path, std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()),
                                                           text.size()));
}

}  // namespace digitnet

