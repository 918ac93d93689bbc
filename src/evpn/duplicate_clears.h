// Which of vswd's duplicate clear requests (overlay_report.h: DuplicateClears, read from
// vxlan-show every round) vsw-evpn has not applied yet. At the agent's start nothing is frozen,
// so the requests there are are taken as done; a vswd that restarted (another epoch) numbers
// from 1 again; requests that fell off vswd's short list before the agent saw them become one
// clear of everything (never a duplicate left frozen that an operator cleared). Pure logic.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "overlay/overlay_report.h"

namespace vsw::evpn {

class ClearFollower {
  public:
    // The requests to apply now, oldest first; a request with vni 0 clears everything.
    std::vector<DuplicateClear> take(const DuplicateClears& c);

  private:
    std::optional<uint64_t> epoch_;  // vswd's, once seen
    uint64_t seen_ = 0;              // the newest generation applied
};

}  // namespace vsw::evpn
