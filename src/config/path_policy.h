// Where vswd may touch the filesystem on behalf of a control request: only inside its socket
// directory (vhost-user sockets) and its state directory. Pure, lexical checks.
#pragma once

#include <string>
#include <vector>

namespace vsw {

// True if `path` names an entry directly inside `dir` (lexically, after normalising both).
bool is_inside_dir(const std::string& path, const std::string& dir);

// True if `path` names an entry anywhere below `dir` (lexically, after normalising both).
bool is_under_dir(const std::string& path, const std::string& dir);

// DPDK device arguments can name files a driver creates or writes (net_pcap's tx_pcap, net_vhost's
// iface, virtio_user's path, ...). Every value that looks like a path ("/" in it) must be an
// absolute path below one of `allowed_dirs`. Returns "" or the reason for refusing.
std::string devargs_path_error(const std::string& devargs,
                               const std::vector<std::string>& allowed_dirs);

}  // namespace vsw
