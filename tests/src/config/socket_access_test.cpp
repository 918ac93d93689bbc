#include "src/config/socket_access.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>

#include "tests/support/temp_dir.h"

using namespace vsw;
namespace fs = std::filesystem;

namespace {

mode_t mode_of(const fs::path& p) {
    struct stat st;
    REQUIRE(::lstat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("owners resolve from names or numbers") {
    SocketAccess a;
    CHECK(resolve_owner("root", "0", a).empty());
    CHECK(a.uid == 0);
    CHECK(a.gid == 0);
    CHECK(resolve_owner("123", "456", a).empty());
    CHECK(a.uid == 123);
    CHECK(a.gid == 456);
    CHECK_THAT(resolve_owner("no-such-user-vsw", "", a), Catch::Contains("no user"));
    CHECK_THAT(resolve_owner("", "no-such-group-vsw", a), Catch::Contains("no group"));
}

TEST_CASE("the socket directory is created with its mode, symlinks are refused") {
    const fs::path root = vsw::testing::temp_dir("socket-access");
    SocketAccess a;
    a.dir = (root / "run" / "vhost").string();
    a.uid = ::getuid();
    a.gid = ::getgid();
    a.dir_mode = 02750;
    CHECK(prepare_socket_dir(a).empty());
    CHECK(mode_of(a.dir) == 02750);
    a.dir_mode = 0700;  // again, on an existing directory
    CHECK(prepare_socket_dir(a).empty());
    CHECK(mode_of(a.dir) == 0700);

    fs::create_directory_symlink(root / "run", root / "link");
    a.dir = (root / "link").string();
    CHECK_THAT(prepare_socket_dir(a), Catch::Contains("symlink"));
    {
        std::FILE* f = std::fopen((root / "file").c_str(), "w");
        std::fclose(f);
    }
    a.dir = (root / "file").string();
    CHECK_THAT(prepare_socket_dir(a), Catch::Contains("not a directory"));
    a.dir = "relative";
    CHECK_THAT(prepare_socket_dir(a), Catch::Contains("absolute"));
    fs::remove_all(root);
}

TEST_CASE("vswd's server sockets get the configured mode; other files are refused") {
    const fs::path root = vsw::testing::temp_dir("socket-access");
    const fs::path sock = root / "s";
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, sock.c_str());
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    SocketAccess a;
    a.uid = ::getuid();
    a.gid = ::getgid();
    a.socket_mode = 0660;
    CHECK(secure_socket(sock.string(), a).empty());
    CHECK(mode_of(sock) == 0660);
    ::close(fd);
    {
        std::FILE* f = std::fopen((root / "plain").c_str(), "w");
        std::fclose(f);
    }
    CHECK_THAT(secure_socket((root / "plain").string(), a), Catch::Contains("not a socket"));
    CHECK_FALSE(secure_socket((root / "missing").string(), a).empty());
    fs::remove_all(root);
}
