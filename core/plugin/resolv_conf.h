// The search list of a resolv.conf-style file, as glibc reads it: the last
// `search` or `domain` line wins (resolv.conf(5)). autopath's RESOLV-CONF
// and the host's own list that kubernetes appends to a pod's.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace skycore {

// The domains, in order (as written, without trailing dots); nullopt when
// the file cannot be read.
std::optional<std::vector<std::string>> read_search_domains(const std::string& path);

}  // namespace skycore
