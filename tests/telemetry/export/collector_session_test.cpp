// The collector transport (of every export protocol) over UDP against a real socket on loopback.
#include "telemetry/export/collector_session.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

using namespace vsw;

namespace {

// A UDP collector bound to 127.0.0.1:port (port 0: any free one).
struct UdpCollector {
    int fd = -1;
    uint16_t port = 0;

    explicit UdpCollector(uint16_t want = 0) {
        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd >= 0);
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(want);
        REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        socklen_t len = sizeof a;
        getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
        port = ntohs(a.sin_port);
    }
    ~UdpCollector() { close(fd); }
    // The next datagram within 1 s, or empty.
    std::vector<uint8_t> receive() {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 1000) <= 0) return {};
        std::vector<uint8_t> buf(2048);
        const ssize_t n = recv(fd, buf.data(), buf.size(), 0);
        buf.resize(n > 0 ? static_cast<size_t>(n) : 0);
        return buf;
    }
};

std::vector<uint8_t> message(uint8_t tag) {
    return std::vector<uint8_t>(64, tag);
}

// Lets the ICMP port unreachable of a datagram to a closed port come back to the sender.
void let_icmp_arrive() {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

}  // namespace

TEST_CASE(
    "UDP: the first message after a collector comes back reaches it (ECONNREFUSED is retried)") {
    uint16_t port;
    { port = UdpCollector().port; }  // a free port, nobody listening on it now
    CollectorSession s(Collector{"127.0.0.1", port, false});
    REQUIRE(s.ready(0));
    s.send(message(1), 3, 0);  // the collector is down: refused by ICMP, reported on the next send
    let_icmp_arrive();
    UdpCollector back(port);  // the collector comes back
    s.send(message(2), 5, 0);
    const std::vector<uint8_t> got = back.receive();
    REQUIRE(got.size() == 64);
    CHECK(got[0] == 2);
    CHECK(s.messages() == 2);        // both left vswd
    CHECK(s.failed_records() == 3);  // the first one, refused, counted with its records
    CHECK(s.stats()["failed_messages"] == 1);
    CHECK(s.stats()["error"].get<std::string>().find("refused") != std::string::npos);
    CHECK(s.sequence() == 8);
}

TEST_CASE("UDP: messages to a collector that stays down are counted as failed, never hidden") {
    uint16_t port;
    { port = UdpCollector().port; }
    CollectorSession s(Collector{"127.0.0.1", port, false});
    REQUIRE(s.ready(0));
    for (int i = 0; i < 4; ++i) {
        s.send(message(static_cast<uint8_t>(i)), 1, 0);
        let_icmp_arrive();
    }
    // Each refusal is reported by the next send: all but the last are known to be lost.
    CHECK(s.stats()["failed_messages"] == 3);
    CHECK(s.failed_records() == 3);
}

TEST_CASE("UDP: a listening collector gets every message, nothing is counted as failed") {
    UdpCollector c;
    CollectorSession s(Collector{"127.0.0.1", c.port, false});
    REQUIRE(s.ready(0));
    for (uint8_t i = 0; i < 3; ++i) s.send(message(i), 2, 0);
    for (uint8_t i = 0; i < 3; ++i) CHECK(c.receive().at(0) == i);
    CHECK(s.messages() == 3);
    CHECK(s.stats()["failed_messages"] == 0);
    CHECK(s.stats()["error"] == "");
}

TEST_CASE("the sequence counts records or messages, as the session's protocol says") {
    UdpCollector c;
    CollectorSession records(Collector{"127.0.0.1", c.port, false});
    CollectorSession messages(Collector{"127.0.0.1", c.port, false}, SequenceCounts::kMessages);
    REQUIRE(records.ready(0));
    REQUIRE(messages.ready(0));
    for (uint8_t i = 0; i < 3; ++i) {
        records.send(message(i), 30, 0);
        messages.send(message(i), 30, 0);
    }
    CHECK(records.sequence() == 90);
    CHECK(messages.sequence() == 3);
    CHECK(messages.records() == 90);
}
