#include "src/config/path_policy.h"

#include <filesystem>
#include <sstream>

namespace vsw {
namespace {

namespace fs = std::filesystem;

// "/run/vsw/" -> "/run/vsw"; nullopt-like empty path for a relative or empty input.
fs::path normal_dir(const std::string& dir) {
    if (dir.empty() || dir[0] != '/') return {};
    fs::path d = fs::path(dir).lexically_normal();
    if (!d.has_filename() && d != d.root_path()) d = d.parent_path();
    return d;
}

}  // namespace

bool is_inside_dir(const std::string& path, const std::string& dir) {
    const fs::path d = normal_dir(dir);
    if (d.empty() || path.empty() || path[0] != '/') return false;
    const fs::path p = fs::path(path).lexically_normal();
    return p.has_filename() && p.parent_path() == d;
}

bool is_under_dir(const std::string& path, const std::string& dir) {
    const fs::path d = normal_dir(dir);
    if (d.empty() || path.empty() || path[0] != '/') return false;
    const fs::path p = fs::path(path).lexically_normal();
    if (!p.has_filename()) return false;
    // Every component of d must start p, and p must be longer ("..": normalised away or left
    // at the root, where it cannot climb).
    auto pi = p.begin();
    for (auto di = d.begin(); di != d.end(); ++di, ++pi) {
        if (di->empty()) continue;  // a trailing "" component of the root
        if (pi == p.end() || *pi != *di) return false;
    }
    return pi != p.end();
}

std::string devargs_path_error(const std::string& devargs,
                               const std::vector<std::string>& allowed_dirs) {
    std::stringstream ss(devargs);
    for (std::string item; std::getline(ss, item, ',');) {
        const auto eq = item.find('=');
        const std::string value = eq == std::string::npos ? item : item.substr(eq + 1);
        if (value.find('/') == std::string::npos) continue;
        bool allowed = false;
        for (const std::string& dir : allowed_dirs) allowed = allowed || is_under_dir(value, dir);
        if (!allowed) {
            std::string dirs;
            for (const std::string& dir : allowed_dirs) dirs += (dirs.empty() ? "" : " or ") + dir;
            return "devargs may name files only below " + dirs + ": refusing '" + value + "'";
        }
    }
    return "";
}

}  // namespace vsw
