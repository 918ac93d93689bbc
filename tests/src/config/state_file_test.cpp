#include "src/config/state_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/port_config_helper.h"

namespace fs = std::filesystem;
using namespace vsw;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        char tmpl[] = "/tmp/vsw-state-test-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() { fs::remove_all(path); }
};

std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void write(const fs::path& p, const std::string& content) {
    std::ofstream(p) << content;
}

SwitchConfig sample() {
    SwitchConfig c;
    c.settings.fdb_aging_seconds = 120;
    c.ports.push_back(
        test::port("vm1", PortType::kVhostUserClient, "/run/vsw/vm1.sock", "", true, ""));
    c.ports.push_back(test::port("up0", PortType::kDpdk, "", "net_tap0,iface=t0", false, "uplink"));
    return c;
}

}  // namespace

TEST_CASE("a missing state file is a first start") {
    TempDir d;
    LoadResult r = load_state((d.path / "state.json").string());
    CHECK(r.ok);
    CHECK_FALSE(r.existed);
    CHECK(r.config.ports.empty());
}

TEST_CASE("state round trip through the file") {
    TempDir d;
    const auto path = (d.path / "sub" / "state.json").string();  // directories are created
    REQUIRE(save_state(path, sample()).empty());
    LoadResult r = load_state(path);
    REQUIRE(r.ok);
    CHECK(r.existed);
    CHECK(r.config == sample());
    // Nothing is left behind but the file itself.
    int files = 0;
    for (auto& e : fs::directory_iterator(d.path / "sub")) files += e.is_regular_file();
    CHECK(files == 1);
}

TEST_CASE("a corrupt state file is an error and is left untouched") {
    TempDir d;
    const auto path = (d.path / "state.json").string();
    for (std::string garbage :
         {"{\"format\":\"vsw-state\",\"version\":1,\"ports\":[", "not json at all", "",
          "{\"format\":\"vsw-state\",\"version\":2}",
          "{\"format\":\"vsw-state\",\"version\":1,\"ports\":[{\"name\":\"a\"}]}"}) {
        write(path, garbage);
        LoadResult r = load_state(path);
        CHECK_FALSE(r.ok);
        CHECK_THAT(r.error, Catch::Contains("corrupt"));
        CHECK(read(path) == garbage);
    }
}

TEST_CASE("an unreadable state path is an error, not a first start") {
    TempDir d;
    fs::create_directory(d.path / "state.json");  // a directory where the file should be
    LoadResult r = load_state((d.path / "state.json").string());
    CHECK_FALSE(r.ok);
    CHECK_THAT(r.error, Catch::Contains("not a regular file"));
}

TEST_CASE("a failed save leaves the previous file as it was") {
    TempDir d;
    const auto dir = d.path / "ro";
    fs::create_directory(dir);
    const auto path = (dir / "state.json").string();
    REQUIRE(save_state(path, sample()).empty());
    const std::string before = read(path);
    SwitchConfig changed = sample();
    changed.ports.pop_back();
    if (::geteuid() == 0) {
        // root ignores directory permissions: make the temp file impossible instead.
        fs::create_directory(path + ".tmp." + std::to_string(::getpid()));
    } else {
        fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec);
    }
    CHECK_FALSE(save_state(path, changed).empty());
    fs::permissions(dir, fs::perms::owner_all);
    CHECK(read(path) == before);
}
