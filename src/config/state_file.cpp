#include "src/config/state_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace vsw {

namespace {

std::string errno_text(const std::string& what, const std::string& path) {
    return what + " " + path + ": " + std::strerror(errno);
}

}  // namespace

LoadResult load_state(const std::string& path) {
    LoadResult r;
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) {
            r.ok = true;  // first start: empty configuration
            return r;
        }
        r.error = errno_text("cannot stat state file", path);
        return r;
    }
    r.existed = true;
    if (!S_ISREG(st.st_mode)) {
        r.error = "state file " + path + " is not a regular file";
        return r;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        r.error = errno_text("cannot read state file", path);
        return r;
    }
    std::stringstream buf;
    buf << in.rdbuf();
    try {
        r.config = switch_config_from_json(nlohmann::json::parse(buf.str()));
        r.ok = true;
    } catch (const std::exception& e) {
        r.error = "state file " + path + " is corrupt: " + e.what() +
                  " (fix or move it away; vswd will not overwrite it)";
    }
    return r;
}

std::string write_file_atomically(const std::string& path, const std::string& content) {
    namespace fs = std::filesystem;
    fs::path target(path);
    fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return "cannot create directory " + dir.string() + ": " + ec.message();
    std::string tmp = path + ".tmp." + std::to_string(::getpid());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return errno_text("cannot create", tmp);
    size_t off = 0;
    while (off < content.size()) {
        ssize_t n = ::write(fd, content.data() + off, content.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            std::string e = errno_text("cannot write", tmp);
            ::close(fd);
            ::unlink(tmp.c_str());
            return e;
        }
        off += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0) {
        std::string e = errno_text("cannot fsync", tmp);
        ::close(fd);
        ::unlink(tmp.c_str());
        return e;
    }
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        std::string e = errno_text("cannot rename to", path);
        ::unlink(tmp.c_str());
        return e;
    }
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);  // make the rename itself durable
        ::close(dfd);
    }
    return "";
}

std::string save_state(const std::string& path, const SwitchConfig& config) {
    return write_file_atomically(path, to_json(config).dump(2) + "\n");
}

}  // namespace vsw
