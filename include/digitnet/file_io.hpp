#pragma once
// Whole-file reading with a size cap, and atomic writing: the bytes go to a temporary file
// in the same folder, are flushed to disk, then renamed over the target, so a reader sees
// either the old file or the new one, never half of one.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace digitnet {

// The whole file. Throws digitnet::Error naming the path when it is not a regular file (see
// open_regular_file), cannot be opened or read (with the OS reason), or holds more than
// max_bytes (checked before reading).
std::vector<std::uint8_t> read_file(const std::string& path, std::size_t max_bytes);

// Opens `path` for reading, which must be a regular file (symbolic links are followed).
// Anything else is refused before it is opened: "PATH: no such file", "PATH: is a folder,
// expected a regular file", and likewise "is a FIFO", "is a character device", "is a block
// device", "is a socket". Opening a FIFO would block until someone writes to it, and opening
// a device can act on it; the open itself is non-blocking and the type is checked again on
// the open descriptor, so that nothing put in the file's place meanwhile can block either.
// Returns the descriptor (the caller closes it); `size`, when given, receives the file's size.
int open_regular_file(const std::string& path, std::uint64_t* size = nullptr);

// Writes `bytes` to path + ".tmp-XXXXXX" (mkstemp), fsyncs it, renames it over `path`.
// A new file gets mode 0644; a replaced file keeps its mode. On any failure the temporary
// file is removed, an existing `path` is left as it was, and digitnet::Error names the path
// and the OS reason (a missing parent folder is named as such).
//
// Only regular files are written: since the rename replaces whatever `path` names, a folder,
// a FIFO, a socket or a device (`/dev/null`) is refused rather than replaced. A symbolic link
// is written through: its final target (which must be a regular file, or missing in an
// existing folder... see check_writable_file) gets the new bytes, the temporary file goes
// next to the target, and the link itself is left as it is.
void write_file_atomic(const std::string& path, std::span<const std::uint8_t> bytes);
void write_file_atomic(const std::string& path, std::string_view text);

// Checks, without writing anything, that write_file_atomic(path, ...) can succeed: `path` is a
// regular file or does not exist yet (a symbolic link is followed to its target, which must
// exist and be a regular file), and its folder exists and lets a file be created (tested by
// creating and removing a temporary file there). Throws digitnet::Error "cannot write 'PATH':
// REASON". Used to refuse an output before any long work.
void check_writable_file(const std::string& path);

// An exclusive lock on a folder: flock(2) on the folder itself, so no lock file is left
// behind, and the kernel drops the lock when its holder ends however it ends (a crashed or
// killed process never leaves it stuck). Held until the object is destroyed.
class FolderLock {
public:
    // Throws digitnet::Error naming the folder when another process (or another FolderLock in
    // this one) holds it, or when it cannot be opened.
    static FolderLock acquire(const std::string& folder);
    FolderLock(FolderLock&& other) noexcept;
    FolderLock& operator=(FolderLock&& other) noexcept;
    FolderLock(const FolderLock&) = delete;
    FolderLock& operator=(const FolderLock&) = delete;
    ~FolderLock();

private:
    explicit FolderLock(int fd) : fd_(fd) {}
    int fd_ = -1;
};

// Removes what an interrupted write_file_atomic(folder/name) leaves: files named
// name + ".tmp-" + 6 characters (mkstemp's). Returns how many were removed.
std::size_t remove_temporary_files(const std::string& folder, const std::string& name);

}  // namespace digitnet
