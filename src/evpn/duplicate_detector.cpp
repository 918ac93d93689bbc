#include "src/evpn/duplicate_detector.h"

#include <iterator>

namespace vsw::evpn {

bool DuplicateDetector::observe(const Key& key, uint32_t place, uint64_t now) {
    if (frozen_.count(key)) return false;
    auto [it, fresh] = tracks_.try_emplace(key, Track{place, 0, 0, now});
    Track& t = it->second;
    t.last_seen = now;
    if (fresh || t.place == place) return false;
    t.place = place;
    if (t.moves == 0 || now - t.window_start > opts_.window_s) {
        t.window_start = now;
        t.moves = 0;
    }
    if (++t.moves < opts_.max_moves) return false;
    frozen_[key] = Frozen{place, t.moves, now};
    t.moves = 0;
    return true;
}

void DuplicateDetector::expire(uint64_t now) {
    if (opts_.hold_s)
        std::erase_if(frozen_, [&](const auto& f) { return now - f.second.since >= opts_.hold_s; });
    // Tracks of MACs not seen for a window: no move of theirs could still count.
    std::erase_if(tracks_, [&](const auto& t) {
        return !frozen_.count(t.first) && now - t.second.last_seen > opts_.window_s;
    });
}

bool DuplicateDetector::clear(const Key& key) {
    if (auto it = tracks_.find(key); it != tracks_.end()) it->second.moves = 0;
    return frozen_.erase(key) > 0;
}

void DuplicateDetector::clear_all() {
    frozen_.clear();
    for (auto& [key, t] : tracks_) t.moves = 0;
}

const DuplicateDetector::Frozen* DuplicateDetector::frozen(const Key& key) const {
    auto it = frozen_.find(key);
    return it == frozen_.end() ? nullptr : &it->second;
}

}  // namespace vsw::evpn
