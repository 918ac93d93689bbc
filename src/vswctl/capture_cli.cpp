// vswctl capture and top: commands that stay connected to vswd and print as they go.
#include "src/vswctl/capture.h"
#include "src/vswctl/cli.h"
#include "src/vswctl/top.h"

namespace vsw::ctl {

using nlohmann::json;

namespace {

int capture_run(const CliCall& c) {
    c.expect_args(1, 1);
    const auto file = c.option<std::string>("write");
    if (file.empty()) throw UsageError("capture needs -w FILE (or -w - for standard output)");
    // Checked by vswd too; here so that a bad option creates no file.
    const json creq = {{"port", c.words[1]},
                       {"direction", c.option<std::string>("direction", "both")},
                       {"snaplen", c.option<uint32_t>("snaplen", kCaptureMaxSnaplen)},
                       {"count", c.option<uint64_t>("count", 0)},
                       {"seconds", c.option<double>("seconds", 0)},
                       {"filter", c.option<std::string>("filter")}};
    CaptureRequest request;
    if (auto e = capture_request_from_json(creq, request); !e.empty()) throw UsageError(e);
    return run_capture(c.ctl, request, file);
}

int top_run(const CliCall& c) {
    c.expect_args(0, 0);
    const double interval = c.option<double>("interval", 1);
    if (!(interval >= 0.1 && interval <= 3600))
        throw UsageError("--interval must be 0.1 to 3600 seconds");
    return run_top(c.ctl, interval, c.option<unsigned>("iterations", 0));
}

}  // namespace

void add_top_cli(CliTable& t) {
    t.add(
        {.name = "top",
         .usage =
             R"(  top [--interval S] [--iterations N] per-port rates (pps, bit/s, drops/s), refreshed like top
)",
         .options = {"interval", "iterations"},
         .declare =
             [](po::options_description& d) {
                 d.add_options()("interval", po::value<double>(),
                                 "top: seconds between screens (default 1)")(
                     "iterations", po::value<unsigned>(),
                     "top: screens to show, then exit (default: until Ctrl-C)");
             },
         .run = top_run});
}

void add_capture_cli(CliTable& t) {
    t.add(
        {.name = "capture",
         .usage =
             R"(  capture PORT -w FILE [--direction rx|tx|both] [--snaplen BYTES] [--count N] [--seconds S]
          [--filter EXPR]            write the port's frames (those matching the pcap-filter
                                     EXPR) to FILE as pcapng (- = standard output); until the
                                     count or time is reached or Ctrl-C
)",
         .options = {"write", "direction", "snaplen", "count", "filter", "seconds"},
         .declare =
             [](po::options_description& d) {
                 d.add_options()("write,w", po::value<std::string>(),
                                 "capture: the pcapng file to write (- = standard output)")(
                     "direction", po::value<std::string>(),
                     "capture: rx (from the port), tx (to it) or both (default)")(
                     "snaplen", po::value<uint32_t>(),
                     "capture: bytes kept of each frame (64-65535, default 65535)")(
                     "count", po::value<uint64_t>(),
                     "capture: stop after N frames (default: no limit)")(
                     "filter,f", po::value<std::string>(),
                     "capture: only frames matching a pcap-filter(7) expression")(
                     "seconds", po::value<double>(),
                     "capture: stop after S seconds (default: no limit)");
             },
         .run = capture_run});
}

}  // namespace vsw::ctl
