#pragma once
// The files a command will write, checked before any long work: each one a regular file or
// not there yet in an existing folder where a file can be created (digitnet::check_writable_file:
// folders, FIFOs, devices and sockets are refused, a symbolic link is written through to its
// target), no two of them the same file, and none of them one of the command's inputs.
// Errors name the option: "--output: cannot write 'x': it is a FIFO (named pipe), ...".
#include <string>
#include <utility>
#include <vector>

namespace digitnet::cli {

// (option or role, path); an empty path means "not asked for" and is skipped.
using NamedPath = std::pair<std::string, std::string>;

void check_outputs(const std::vector<NamedPath>& outputs, const std::vector<NamedPath>& inputs = {});

// Whether two paths name the same file (the same inode when both exist, else the same
// absolute path once symbolic links and "." / ".." are resolved).
bool same_file(const std::string& a, const std::string& b);

}  // namespace digitnet::cli
