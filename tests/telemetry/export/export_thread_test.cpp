// The exporter thread: sources cycle on it, sync() waits for a whole cycle, and a removed source
// gets its last cycle on the caller's thread and never runs on the exporter thread again.
#include "telemetry/export/export_thread.h"

#include <catch2/catch.hpp>
#include <thread>

#include "telemetry/export/interface_table.h"

using namespace vsw;

namespace {

struct CountingSource final : ExportSource {
    std::atomic<unsigned> cycles{0};
    std::atomic<std::thread::id> last_thread{};
    void cycle() override {
        cycles.fetch_add(1);
        last_thread.store(std::this_thread::get_id());
    }
};

}  // namespace

TEST_CASE("sources cycle on the exporter thread; a removed one gets its last cycle and no more") {
    ExportThread t;
    CountingSource a, b;
    t.add(&a);
    t.add(&b);
    t.sync();
    CHECK(a.cycles >= 1);
    CHECK(b.cycles >= 1);
    CHECK(a.last_thread.load() != std::this_thread::get_id());
    t.remove(&a);
    CHECK(a.last_thread.load() == std::this_thread::get_id());  // its last words, here
    const unsigned after = a.cycles;
    const unsigned b_before = b.cycles;
    t.sync();
    t.sync();
    CHECK(a.cycles == after);
    CHECK(b.cycles >= b_before + 2);
    t.remove(&a);  // twice: nothing happens
    CHECK(a.cycles == after);
    t.stop();
    t.sync();  // a stopped thread does not block
}

TEST_CASE("sync without a thread returns at once") {
    ExportThread t;
    t.sync();
    CountingSource a;
    t.remove(&a);  // never added
    CHECK(a.cycles == 0);
}

TEST_CASE("the interface table tells its readers when it changed") {
    InterfaceTable table;
    CHECK(table.version() == 0);
    CHECK(table.set({{1, "vm1"}, {2, "up0"}}));
    CHECK(table.version() == 1);
    CHECK_FALSE(table.set({{1, "vm1"}, {2, "up0"}}));  // the same: no new version
    CHECK(table.version() == 1);
    CHECK(table.set({{1, "vm1"}}));
    CHECK(table.version() == 2);
    CHECK(table.entries() == std::vector<InterfaceTable::Entry>{{1, "vm1"}});
}
