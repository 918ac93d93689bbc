// libFuzzer target: the state file (a corrupt or hostile file on disk). Reading either fails
// with std::invalid_argument or yields a configuration that survives its own round trip.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "src/config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto j = nlohmann::json::parse(data, data + size, nullptr, false);
    if (j.is_discarded()) return 0;
    vsw::SwitchConfig c;
    try {
        c = vsw::switch_config_from_json(j);
    } catch (const std::invalid_argument&) {
        return 0;
    } catch (const nlohmann::json::exception&) {
        return 0;
    }
    if (!(vsw::switch_config_from_json(vsw::to_json(c)) == c)) __builtin_trap();
    return 0;
}
