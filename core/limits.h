// The sizes every part of the datapath agrees on.
#pragma once

#include <cstdint>

namespace vsw {

constexpr unsigned kMaxPorts = 256;   // port slots; FDB entries refer to slots
constexpr unsigned kMaxWorkers = 16;  // PMD threads
constexpr uint16_t kBurst = 32;       // frames per rx/tx burst

}  // namespace vsw
