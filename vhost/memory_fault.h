// Guest memory that vanishes under vswd. rte_vhost maps a frontend's memory files shared; a
// frontend that then shrinks such a file (ftruncate) turns every access to the lost pages -- by
// rte_vhost on the vhost thread, by the PMDs on every burst -- into SIGBUS, which kills vswd and
// the network of every guest on the host. The message guard refuses memfds that could have been
// sealed against shrinking and were not (message_guard.h); for the files that cannot be sealed
// (hugetlbfs, memfds created without MFD_ALLOW_SEALING) this module survives the fault: a SIGBUS
// handler that, for an address inside a watched guest region, maps anonymous memory over the
// region (the access completes, reading zeros) and counts the fault on the port, whose device the
// control thread then disconnects. Any other SIGBUS stays fatal.
#pragma once

#include <cstdint>

namespace vsw::vhost {

struct VhostState;

// Installs the SIGBUS handler (once, at start).
void install_memory_fault_handler();

// Watches the regions rte_vhost mapped for device `vid` of port `s` (replacing what was watched
// for it). rte_vhost's own threads only.
void watch_guest_memory(int vid, VhostState* s);

// Stops watching the regions of port `s` (its connection went away).
void forget_guest_memory(const VhostState* s);

// The regions watched now (for tests).
unsigned watched_regions();

}  // namespace vsw::vhost
