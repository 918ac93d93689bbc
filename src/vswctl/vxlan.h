// vswctl vxlan: the overlay's requests from the command line, and its table view.
//
//   vxlan map VLAN VNI | unmap VLAN                     (configuration, persisted)
//   vxlan add-vtep VNI IP... | del-vtep VNI [IP...]     (flood lists: what type-3 routes say)
//   vxlan add-mac VNI MAC VTEP | del-mac VNI MAC        (remote MACs: what type-2 routes say)
//   vxlan show
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace vsw::ctl {

// The control request for `words` (words[0] == "vxlan"); throws std::invalid_argument with the
// usage or the bad word.
nlohmann::json vxlan_request(const std::vector<std::string>& words);

// `vxlan show` as tables.
std::string format_vxlan(const nlohmann::json& r);

}  // namespace vsw::ctl
