// The persisted configuration: written atomically (temp file, fsync, rename, fsync of the
// directory), read once at start. A file that exists but cannot be read or parsed is an error
// that stops vswd; it is never overwritten.
#pragma once

#include <string>

#include "src/config/config.h"

namespace vsw {

struct LoadResult {
    bool ok = false;       // false: `error` says why
    bool existed = false;  // false when there was no file (a first start)
    SwitchConfig config;   // valid when ok
    std::string error;     // message for the operator
};

LoadResult load_state(const std::string& path);

// Returns "" on success or an error message; on error the previous file is untouched.
std::string save_state(const std::string& path, const SwitchConfig& config);

// Writes `content` to `path` atomically. Returns "" or an error message.
std::string write_file_atomically(const std::string& path, const std::string& content);

}  // namespace vsw
