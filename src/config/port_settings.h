// The features' per-port settings, registered once: each group owns some keys of set-port and
// add-port, applies them to its part of a PortConfig, lists the settings that reproduce a port's
// (vsw-libvirt re-applies them; the state file keeps those that are not defaults), and checks its
// part of the whole. A feature with per-port settings adds its part to PortConfig and one entry
// to the table in port_settings.cpp; apply_port_setting, validate_port_config, port_settings
// and the state file's JSON go through the table (config.cpp), so nothing else changes.
#pragma once

#include <span>
#include <string>

#include "src/config/config.h"

namespace vsw {

struct PortSettingGroup {
    const char* keys;                      // its keys, for the operator's "known:" list
    bool (*owns)(const std::string& key);  // whether set-port's key is this group's
    std::string (*apply)(PortConfig& p, const std::string& key, const std::string& value);
    Settings (*settings)(const PortConfig& p);     // every key that reproduces p's part
    std::string (*validate)(const PortConfig& p);  // its part of the whole; "" or the error
    bool (*numeric)(const std::string& key);       // the state file keeps it as a number
    bool reapplied = true;  // in port_settings(): what vsw-libvirt sets on the ports it manages
};

// Every group, in the order the state file writes them.
std::span<const PortSettingGroup> port_setting_groups();

// Whether a setting's value is its default (not written to the state file): "none", "off",
// "default", "" or what a port of p's type has when nothing is set.
bool is_default_setting(const PortConfig& p, const PortSettingGroup& g, const std::string& key,
                        const std::string& value);

}  // namespace vsw
