#include "src/vswctl/capture.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/socket_io.h"
#include "src/config/control_client.h"
#include "telemetry/capture/capture_stream.h"
#include "telemetry/capture/pcapng_writer.h"
#include "vsw_version.h"

namespace vsw::ctl {
namespace {

using nlohmann::json;

volatile sig_atomic_t g_interrupted = 0;
void on_interrupt(int) {
    g_interrupted = 1;
}

uint64_t unix_ns() {
    timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return static_cast<uint64_t>(t.tv_sec) * 1000000000ull + static_cast<uint64_t>(t.tv_nsec);
}

// The output file (or standard output), written in whole blocks.
class Output {
  public:
    explicit Output(const std::string& path) : path_(path) {
        if (path == "-") {
            fd_ = STDOUT_FILENO;
            return;
        }
        // Guests' traffic: readable by the one who captured it only.
        fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd_ < 0) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
    }
    ~Output() {
        if (fd_ != STDOUT_FILENO && fd_ >= 0) ::close(fd_);
    }
    void add(const std::string& block) { pending_ += block; }
    void flush() {
        size_t off = 0;
        while (off < pending_.size()) {
            const ssize_t n = ::write(fd_, pending_.data() + off, pending_.size() - off);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0)
                throw std::runtime_error("cannot write " + name() + ": " + std::strerror(errno));
            off += static_cast<size_t>(n);
        }
        pending_.clear();
    }
    // Removes a file that got nothing (the capture was refused).
    void discard() {
        if (fd_ != STDOUT_FILENO) ::unlink(path_.c_str());
    }
    std::string name() const { return path_ == "-" ? "standard output" : path_; }

  private:
    std::string path_;
    int fd_ = -1;
    std::string pending_;
};

// Reads the answer line; bytes after it (the first records) go to `records`.
json read_answer(int fd, CaptureRecordReader& records) {
    std::string line;
    char buf[4096];
    while (true) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 30000) == 0) throw std::runtime_error("no answer from vswd");
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw std::runtime_error("vswd closed the connection without an answer");
        line.append(buf, static_cast<size_t>(n));
        if (const auto nl = line.find('\n'); nl != std::string::npos) {
            records.feed(reinterpret_cast<const uint8_t*>(line.data() + nl + 1),
                         line.size() - nl - 1);
            line.resize(nl);
            return json::parse(line);
        }
        if (line.size() > 1 << 20) throw std::runtime_error("vswd's answer is too long");
    }
}

std::string interface_description(const json& answer) {
    const json& r = answer["result"];
    std::string d =
        "vsw port " + r.value("port", std::string()) + " (" + r.value("type", std::string()) + ")";
    if (const std::string text = r.value("description", std::string()); !text.empty())
        d += ": " + text;
    return d;
}

}  // namespace

int run_capture(const std::string& ctl_path, const CaptureRequest& request,
                const std::string& output) {
    Output out(output);
    const int fd = control_connect(ctl_path);
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    json req = to_json(request);
    req["cmd"] = "capture";
    if (!send_all(fd, req.dump() + "\n"))
        throw std::runtime_error(std::string("cannot send the request to vswd: ") +
                                 std::strerror(errno));
    CaptureRecordReader records;
    const json answer = read_answer(fd, records);
    if (!answer.value("ok", false)) {
        out.discard();
        throw std::runtime_error(answer.value("error", std::string("capture refused")));
    }

    struct sigaction sa {};
    sa.sa_handler = on_interrupt;  // no SA_RESTART: poll() returns at once
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);

    const PcapngWriter pcapng;
    const uint64_t start_ns = unix_ns();
    out.add(pcapng.section("vswctl " VSW_VERSION));
    out.add(pcapng.interface(request.port, interface_description(answer), request.snaplen,
                             request.filter));
    out.flush();
    std::cerr << "vswctl: capturing port " << request.port << " ("
              << direction_name(request.direction) << ", snaplen " << request.snaplen
              << (request.filter.empty() ? "" : ", filter '" + request.filter + "'") << ") to "
              << out.name() << std::endl;

    uint64_t frames = 0;
    bool stop_sent = false;
    char buf[64 * 1024];
    while (true) {
        if (g_interrupted && !stop_sent) {
            ::shutdown(fd, SHUT_WR);  // vswd sees the end of our side and ends the capture
            stop_sent = true;
        }
        CaptureRecord r;
        std::string error;
        while (records.next(r, error)) {
            if (r.type == CaptureRecordType::kFrame) {
                out.add(pcapng.packet(0, r.time_ns, r.data, r.orig_len, r.direction));
                ++frames;
                continue;
            }
            const json end = json::parse(r.data, nullptr, false);
            const uint64_t dropped = end.is_object() ? end.value("dropped", uint64_t{0}) : 0;
            const std::string reason =
                end.is_object() ? end.value("reason", std::string("?")) : "?";
            out.add(pcapng.statistics(0, start_ns, unix_ns(), frames, dropped));
            out.flush();
            std::cerr << "vswctl: " << frames << " frames captured on port " << request.port << ", "
                      << dropped << " lost (" << reason << ")" << std::endl;
            const bool ended_by_vswd =
                reason == "the port was deleted" || reason == "vswd is shutting down";
            return ended_by_vswd ? 1 : 0;
        }
        if (!error.empty()) throw std::runtime_error(error);
        out.flush();
        pollfd p{fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, 200);
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) continue;
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            throw std::runtime_error("vswd closed the capture without its end (" +
                                     std::to_string(frames) + " frames written to " + out.name() +
                                     ")");
        records.feed(reinterpret_cast<const uint8_t*>(buf), static_cast<size_t>(n));
    }
}

}  // namespace vsw::ctl
