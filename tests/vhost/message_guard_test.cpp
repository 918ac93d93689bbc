#include "vhost/message_guard.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <vector>

using namespace vsw::vhost;

namespace {

struct Memfd {
    explicit Memfd(off_t size, unsigned flags = 0) : fd(memfd_create("vsw-guard-test", flags)) {
        REQUIRE(ftruncate(fd, size) == 0);
    }
    ~Memfd() { close(fd); }
    int fd;
};

void put_u64(std::vector<uint8_t>& p, uint64_t v) {
    p.resize(p.size() + sizeof v);
    std::memcpy(p.data() + p.size() - sizeof v, &v, sizeof v);
}

// SET_MEM_TABLE payload: count, padding, then (gpa, size, uaddr, offset) per region.
std::vector<uint8_t> table(uint32_t count,
                           const std::vector<std::pair<uint64_t, uint64_t>>& size_offset) {
    std::vector<uint8_t> p(8, 0);
    std::memcpy(p.data(), &count, 4);
    uint64_t gpa = 0;
    for (auto [size, offset] : size_offset) {
        put_u64(p, gpa);
        put_u64(p, size);
        put_u64(p, 0x7f0000000000 + gpa);
        put_u64(p, offset);
        gpa += size;
    }
    return p;
}

std::string check(uint32_t request, const std::vector<uint8_t>& payload, std::vector<int> fds) {
    GuardedMessage m;
    m.request = request;
    m.payload = payload.data();
    m.size = static_cast<uint32_t>(payload.size());
    m.fds = fds.data();
    m.fd_num = static_cast<int>(fds.size());
    return mapping_error(m);
}

}  // namespace

TEST_CASE("memory tables whose regions lie inside their files pass") {
    Memfd a(1 << 20), b(2 << 20);
    CHECK(check(kSetMemTable, table(1, {{1 << 20, 0}}), {a.fd}) == "");
    CHECK(check(kSetMemTable, table(2, {{1 << 20, 0}, {1 << 20, 1 << 20}}), {a.fd, b.fd}) == "");
}

TEST_CASE("memory tables with bad regions are refused, saying why") {
    Memfd page(4096), mib(1 << 20);
    CHECK_THAT(check(kSetMemTable, table(1, {{1 << 20, 0}}), {page.fd}),
               Catch::Contains("beyond its file (4096 bytes)"));
    CHECK_THAT(check(kSetMemTable, table(1, {{4096, 4096}}), {page.fd}),
               Catch::Contains("beyond its file"));
    CHECK_THAT(check(kSetMemTable, table(1, {{0x1000, 0xFFFFFFFFFFFFF000}}), {mib.fd}),
               Catch::Contains("overflows"));
    CHECK_THAT(check(kSetMemTable, table(1, {{0, 0}}), {mib.fd}), Catch::Contains("empty"));
    CHECK_THAT(check(kSetMemTable, table(200, {{4096, 0}}), {mib.fd}),
               Catch::Contains("200 regions"));
    CHECK_THAT(check(kSetMemTable, table(0, {}), {}), Catch::Contains("0 regions"));
    CHECK_THAT(check(kSetMemTable, table(2, {{4096, 0}}), {mib.fd, mib.fd}),
               Catch::Contains("shorter than"));
    CHECK_THAT(check(kSetMemTable, table(1, {{4096, 0}}), {}),
               Catch::Contains("1 regions but 0 file descriptors"));
    CHECK_THAT(check(kSetMemTable, table(1, {{4096, 0}}), {-1}),
               Catch::Contains("no usable file descriptor"));
    CHECK_THAT(check(kSetMemTable, {1, 0, 0}, {mib.fd}), Catch::Contains("truncated"));
    // The second region is the bad one: every region is checked.
    CHECK_THAT(check(kSetMemTable, table(2, {{4096, 0}, {1 << 20, 0}}), {mib.fd, page.fd}),
               Catch::Contains("memory region 1"));
}

TEST_CASE("only regular files back guest memory") {
    int pipefd[2];
    REQUIRE(pipe(pipefd) == 0);
    CHECK_THAT(check(kSetMemTable, table(1, {{4096, 0}}), {pipefd[0]}),
               Catch::Contains("regular file"));
    close(pipefd[0]);
    close(pipefd[1]);
}

TEST_CASE("a single added region and the dirty log are checked the same way") {
    Memfd page(4096);
    std::vector<uint8_t> add(8, 0);
    for (uint64_t v : {uint64_t{0}, uint64_t{8192}, uint64_t{0x7f0000000000}, uint64_t{0}})
        put_u64(add, v);
    CHECK_THAT(check(kAddMemReg, add, {page.fd}), Catch::Contains("beyond its file"));
    std::vector<uint8_t> log;
    put_u64(log, 4096);
    put_u64(log, 0);
    CHECK(check(kSetLogBase, log, {page.fd}) == "");
    CHECK_THAT(check(kSetLogBase, log, {}), Catch::Contains("without its file descriptor"));
}

TEST_CASE("other requests are rte_vhost's to judge") {
    CHECK(check(1, {}, {}) == "");
    CHECK(check(9, {1, 2, 3}, {}) == "");
}

TEST_CASE("the guard knows the message layout of DPDK 22.11 only") {
    CHECK(layout_known("DPDK 22.11.11"));
    CHECK(layout_known("DPDK 22.11.0"));
    CHECK_FALSE(layout_known("DPDK 23.11.0"));
    CHECK_FALSE(layout_known("DPDK 22.110"));
}

TEST_CASE("a memfd that allows sealing must be sealed against shrinking") {
    Memfd sealable(1 << 20, MFD_ALLOW_SEALING);
    CHECK_THAT(check(kSetMemTable, table(1, {{1 << 20, 0}}), {sealable.fd}),
               Catch::Contains("not sealed against shrinking"));
    CHECK_THAT(check(kSetLogBase,
                     [] {
                         std::vector<uint8_t> p;
                         put_u64(p, 4096);
                         put_u64(p, 0);
                         return p;
                     }(),
                     {sealable.fd}),
               Catch::Contains("not sealed against shrinking"));
    REQUIRE(fcntl(sealable.fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) == 0);  // as QEMU does
    CHECK(check(kSetMemTable, table(1, {{1 << 20, 0}}), {sealable.fd}) == "");
    // Without MFD_ALLOW_SEALING nobody can seal it (DPDK's hugepage memfds): the fault handler's.
    Memfd unsealable(1 << 20);
    CHECK(check(kSetMemTable, table(1, {{1 << 20, 0}}), {unsealable.fd}) == "");
}

TEST_CASE("the driver pauses for the messages rte_vhost keeps its own dequeue off the rings for") {
    // DPDK 22.11 takes every vring's lock for these: a failed one is seen to be over.
    for (uint32_t r : {2u, 3u, kSetMemTable, kSetLogBase, 7u, 8u, 9u, 10u, 12u, 13u, 14u, 16u, 18u,
                       kSendRarp, 20u, 21u})
        CHECK(message_pause(r, 0) == MessagePause::kLocksEveryRing);
    // These stop the device; with file descriptors rte_vhost refuses them before their handler.
    CHECK(message_pause(kGetVringBase, 0) == MessagePause::kStopsDevice);
    CHECK(message_pause(kResetOwner, 0) == MessagePause::kStopsDevice);
    CHECK(message_pause(kGetVringBase, 1) == MessagePause::kNone);
    // No lock, nothing the driver reads: GET_FEATURES, GET_PROTOCOL_FEATURES, GET_QUEUE_NUM,
    // IOTLB_MSG, GET/SET_CONFIG, POSTCOPY_*, GET/SET_INFLIGHT_FD, SET/GET_STATUS, unknown ones.
    for (uint32_t r :
         {1u, 15u, 17u, 22u, 24u, 25u, 28u, 29u, 30u, 31u, 32u, kAddMemReg, 39u, 40u, 99u})
        CHECK(message_pause(r, 0) == MessagePause::kNone);
}
