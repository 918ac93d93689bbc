#include "src/daemon/daemon_options.h"

#include <algorithm>
#include <catch2/catch.hpp>

using namespace vsw;

TEST_CASE("CPU lists") {
    CHECK(parse_cpu_list("1") == std::vector<unsigned>{1});
    CHECK(parse_cpu_list("1,3-5") == std::vector<unsigned>{1, 3, 4, 5});
    CHECK_FALSE(parse_cpu_list(""));
    CHECK_FALSE(parse_cpu_list("3-1"));
    CHECK_FALSE(parse_cpu_list("a"));
}

TEST_CASE("EAL arguments pin the control lcore and one lcore per PMD") {
    DaemonOptions o;
    o.pmd_cores = {1, 3};
    o.no_huge = true;
    o.eal_args = "--log-level=debug  --vdev=x";
    auto a = eal_arguments(o);
    CHECK(std::find(a.begin(), a.end(), "--lcores=0@0,1@1,2@3") != a.end());
    CHECK(std::find(a.begin(), a.end(), "--no-huge") != a.end());
    CHECK(std::find(a.begin(), a.end(), "--file-prefix=vsw") != a.end());
    CHECK(a.back() == "--allow=0000:00:00.0");  // no PCI device probed at start
    CHECK(std::find(a.begin(), a.end(), "--vdev=x") != a.end());
    o.eal_args = "-a 0000:03:00.0";
    a = eal_arguments(o);
    CHECK(std::count_if(a.begin(), a.end(), [](const std::string& s) {
              return s.find("allow") != std::string::npos;
          }) == 0);
}

TEST_CASE("vswd rejects bad options") {
    int code = -1;
    std::vector<std::string> args = {"vswd", "--pmd-cores", "x-y"};
    std::vector<char*> argv;
    for (auto& s : args) argv.push_back(s.data());
    CHECK_FALSE(parse_daemon_options(static_cast<int>(argv.size()), argv.data(), code));
    CHECK(code == 2);
    args = {"vswd", "--ctl-mode", "999"};
    argv.clear();
    for (auto& s : args) argv.push_back(s.data());
    CHECK_FALSE(parse_daemon_options(static_cast<int>(argv.size()), argv.data(), code));
    CHECK(code == 2);
}

namespace {

std::optional<DaemonOptions> parse(std::vector<std::string> args, int& code) {
    args.insert(args.begin(), "vswd");
    std::vector<char*> argv;
    for (auto& s : args) argv.push_back(s.data());
    return parse_daemon_options(static_cast<int>(argv.size()), argv.data(), code);
}

}  // namespace

TEST_CASE("the control socket's owner, group and mode") {
    int code = -1;
    auto o = parse({"--ctl-socket", "/run/x/vswd.ctl", "--ctl-owner", "0", "--ctl-group", "123",
                    "--ctl-mode", "0640"},
                   code);
    REQUIRE(o);
    CHECK(o->ctl.path == "/run/x/vswd.ctl");
    CHECK(o->ctl.uid == 0);
    CHECK(o->ctl.gid == 123);
    CHECK(o->ctl.mode == 0640);
    auto d = parse({}, code);
    REQUIRE(d);
    CHECK(d->ctl.uid == static_cast<uid_t>(-1));  // vswd's own
    CHECK(d->ctl.gid == static_cast<gid_t>(-1));
    CHECK(d->ctl.mode == 0660);
}

TEST_CASE("the vhost-user socket directory and its permissions") {
    int code = -1;
    auto o = parse({"--socket-dir", "/srv/vsw", "--socket-owner", "0", "--socket-group", "0",
                    "--socket-dir-mode", "2750", "--socket-mode", "0600"},
                   code);
    REQUIRE(o);
    CHECK(o->sockets.dir == "/srv/vsw");
    CHECK(o->sockets.dir_mode == 02750);
    CHECK(o->sockets.socket_mode == 0600);
    auto d = parse({}, code);
    REQUIRE(d);
    CHECK(d->sockets.dir == "/run/vsw/vhost");
    CHECK(d->sockets.dir_mode == 02770);
    CHECK(d->sockets.socket_mode == 0660);
    for (auto bad : std::vector<std::vector<std::string>>{{"--socket-dir", "relative"},
                                                          {"--socket-mode", "0999"},
                                                          {"--socket-dir-mode", "17777"},
                                                          {"--socket-dir-mode", "2772"},
                                                          {"--ctl-mode", "0662"},
                                                          {"--ctl-socket", "relative.ctl"},
                                                          {"--ctl-group", "no-such-group-vsw"},
                                                          {"--ctl-owner", "no-such-user-vsw"},
                                                          {"--socket-group", "no-such-group-vsw"},
                                                          {"--socket-owner", "no-such-user-vsw"}}) {
        code = -1;
        CHECK_FALSE(parse(bad, code));
        CHECK(code == 2);
    }
}
