// One collector's transport session, for every export protocol (IPFIX, NetFlow, sFlow): a
// connected UDP socket, or a TCP connection (non-blocking connect, a bounded backlog of whole
// messages, reconnection with back-off). The name is resolved again at every (re)connect, so a
// collector that moves is followed. Driven by the exporter thread only; its counters and state
// can be read from any thread (stats()).
//
// The session also carries what the export protocols keep per transport session: the sequence
// number (data records sent so far, or messages: SequenceCounts; a new TCP connection starts
// again at 0) and whether the templates went out on it.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string>
#include <vector>

#include "telemetry/export/collector.h"

struct sockaddr_storage;

namespace vsw {

// Resolves a collector's address; "" or the error (getaddrinfo's message).
std::string resolve_collector(const Collector& c, sockaddr_storage& addr, unsigned& addr_len);

// Resolves every collector of a list now, so that a typo fails the request that made it rather
// than export, silently, later. "" or the first error.
std::string resolve_collectors(const std::vector<Collector>& list);

// What a protocol's sequence number counts: data records before this message (IPFIX, NetFlow
// v5), or messages sent before it (NetFlow v9 and sFlow, whose encoders read it as the count).
enum class SequenceCounts : uint8_t { kRecords, kMessages };

class CollectorSession {
  public:
    explicit CollectorSession(const Collector& collector,
                              SequenceCounts counts = SequenceCounts::kRecords);
    ~CollectorSession();
    CollectorSession(const CollectorSession&) = delete;
    CollectorSession& operator=(const CollectorSession&) = delete;

    const Collector& collector() const { return collector_; }

    // Opens the socket when due (after a failure: UDP every 10 s, TCP 1 s doubling to 30 s),
    // notices a finished TCP connect, writes what the TCP backlog holds. True if messages can
    // be sent now.
    bool ready(uint64_t now_ms);
    // Sends one message carrying `records` data records; the sequence number advances even if
    // the network refuses it (the collector sees the loss as a gap). Failures are counted; over
    // UDP, a refusal reported for an earlier message (ECONNREFUSED) is counted for that message
    // and this one is sent again.
    void send(std::span<const uint8_t> message, uint32_t records, uint64_t now_ms);
    // Records that had nowhere to go (no session).
    void count_unsent(uint64_t records) {
        failed_records_.fetch_add(records, std::memory_order_relaxed);
    }
    // Records the session's protocol cannot carry (NetFlow v5: IPv6; v9 and v5: non-IP flows).
    void count_skipped(uint64_t records) {
        skipped_records_.fetch_add(records, std::memory_order_relaxed);
    }

    uint32_t sequence() const { return sequence_.load(std::memory_order_relaxed); }
    // The largest message: the path MTU less the IP and UDP (TCP) headers.
    uint16_t message_limit(uint32_t mtu) const;

    // Exporting-process state kept per session (reset when a new session starts).
    bool templates_sent = false;   // the templates went out on this session
    uint64_t templates_at_ms = 0;  // when templates / options records are due next

    uint64_t messages() const { return messages_.load(std::memory_order_relaxed); }
    uint64_t records() const { return records_.load(std::memory_order_relaxed); }
    uint64_t octets() const { return octets_.load(std::memory_order_relaxed); }
    uint64_t failed_records() const { return failed_records_.load(std::memory_order_relaxed); }
    nlohmann::json stats() const;

  private:
    void open(uint64_t now_ms);
    void check_connected(uint64_t now_ms);
    void flush_backlog(uint64_t now_ms);
    void close_with(const std::string& why, uint64_t now_ms);
    void set_error(const std::string& e);
    void sent(size_t bytes, uint32_t records);
    void failed(uint32_t records);
    // UDP: an earlier message was refused by the collector's host (ICMP port unreachable,
    // reported by a later send): counted as failed, with its records.
    void refused();

    const Collector collector_;
    const SequenceCounts counts_;
    int fd_ = -1;
    int family_ = 0;                      // of the collector's address
    std::atomic<bool> connected_{false};  // fd open and (TCP) connect finished
    bool connecting_ = false;             // TCP: connect() in progress
    uint64_t open_at_ms_ = 0;             // when to try (again)
    uint64_t retry_ms_;                   // TCP: current back-off
    struct Pending {                      // TCP: a message not yet fully written
        std::vector<uint8_t> bytes;
        uint32_t records;
    };
    std::deque<Pending> backlog_;
    uint32_t last_udp_records_ =
        0;                // UDP: records of the last message sent (refused() counts them)
    size_t written_ = 0;  // bytes of backlog_.front() already written
    std::atomic<uint64_t> backlog_bytes_{0};
    std::atomic<uint32_t> sequence_{0};
    std::atomic<uint64_t> messages_{0}, records_{0}, octets_{0}, failed_messages_{0},
        failed_records_{0}, skipped_records_{0};
    mutable std::mutex text_mu_;  // guards the two strings below
    std::string address_;         // what the collector resolved to
    std::string error_;           // the last problem, "" when fine
};

}  // namespace vsw
