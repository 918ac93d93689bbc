// Which port each interface index is: the ifIndex values flow records and samples carry
// (ingressInterface, INPUT_SNMP, sFlow's data sources) mean nothing to a collector without the
// names. Written by the control thread whenever the ports change, read by the exporter thread,
// which sends the names with its options records (IPFIX, NetFlow v9) or counter samples (sFlow).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace vsw {

class InterfaceTable {
  public:
    using Entry = std::pair<uint32_t, std::string>;  // ifIndex, port name

    // Replaces the table; returns true if it changed (version() then moves on).
    bool set(std::vector<Entry> entries);
    std::vector<Entry> entries() const;
    // Changes so far: an exporter that saw another version sends the names again at once.
    uint64_t version() const { return version_.load(std::memory_order_acquire); }

  private:
    mutable std::mutex mu_;             // guards entries_
    std::vector<Entry> entries_;        // by ifIndex as the control thread listed them
    std::atomic<uint64_t> version_{0};  // incremented by each change
};

}  // namespace vsw
