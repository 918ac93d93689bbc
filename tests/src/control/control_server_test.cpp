#include "src/control/control_server.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <thread>

#include "src/config/control_client.h"
#include "tests/support/temp_dir.h"

using namespace vsw;
namespace fs = std::filesystem;

TEST_CASE("the control socket gets its owner, group and mode, and answers") {
    const fs::path dir = vsw::testing::temp_dir("control-server");
    ControlAccess access;
    access.path = (dir / "sub" / "vswd.ctl").string();
    access.gid = 4242;
    access.mode = 0640;
    ControlServer server;
    REQUIRE(server.open(access) == "");
    struct stat st;
    REQUIRE(::lstat(access.path.c_str(), &st) == 0);
    CHECK(S_ISSOCK(st.st_mode));
    CHECK((st.st_mode & 07777) == 0640);
    CHECK(st.st_gid == 4242);
    CHECK(st.st_uid == ::geteuid());  // -1 keeps vswd's own

    std::string answer;
    std::thread client([&] { answer = control_call(access.path, "ping"); });
    CHECK(server.serve_once(5000, [](const std::string& r, int) { return "pong:" + r; }));
    client.join();
    CHECK(answer == "pong:ping");
    server.close();
    CHECK_FALSE(fs::exists(access.path));
    fs::remove_all(dir);
}

TEST_CASE("a world-writable control socket directory is refused, sticky or not") {
    const fs::path dir = vsw::testing::temp_dir("control-server");
    for (mode_t mode : {0777, 01777, 0773}) {
        REQUIRE(::chmod(dir.c_str(), mode) == 0);
        ControlAccess access;
        access.path = (dir / "vswd.ctl").string();
        ControlServer server;
        CHECK_THAT(server.open(access),
                   Catch::Contains("world-writable") && Catch::Contains(dir.string()));
        CHECK_FALSE(fs::exists(access.path));
    }
    REQUIRE(::chmod(dir.c_str(), 0755) == 0);
    ControlAccess access;
    access.path = (dir / "vswd.ctl").string();
    ControlServer server;
    CHECK(server.open(access) == "");
    fs::remove_all(dir);
}

TEST_CASE("a control socket directory owned by another user is refused") {
    const fs::path dir = vsw::testing::temp_dir("control-server");
    REQUIRE(::chown(dir.c_str(), 4242, 0) == 0);  // the suite runs as root
    ControlAccess access;
    access.path = (dir / "vswd.ctl").string();
    ControlServer server;
    CHECK_THAT(server.open(access), Catch::Contains("belongs to uid 4242"));
    fs::remove_all(dir);
}
