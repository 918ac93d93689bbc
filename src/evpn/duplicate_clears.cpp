#include "src/evpn/duplicate_clears.h"

namespace vsw::evpn {

std::vector<DuplicateClear> ClearFollower::take(const DuplicateClears& c) {
    std::vector<DuplicateClear> out;
    if (!epoch_) {  // the agent just started: nothing of ours is frozen
        epoch_ = c.epoch;
        seen_ = c.generation;
        return out;
    }
    if (*epoch_ != c.epoch) {  // vswd restarted: all it has is new
        epoch_ = c.epoch;
        seen_ = 0;
    }
    if (c.generation <= seen_) return out;
    const bool missed = c.requests.empty() || c.requests.front().generation > seen_ + 1;
    if (missed) out.push_back(DuplicateClear{c.generation, 0, 0});
    else
        for (const auto& r : c.requests)
            if (r.generation > seen_) out.push_back(r);
    seen_ = c.generation;
    return out;
}

}  // namespace vsw::evpn
