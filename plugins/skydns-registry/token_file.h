// `tokens FILE`: scoped API tokens kept out of the Corefile (a secret's
// file can be mode 0600 and rotated on its own). One token per line:
//   NAME SECRET [read-only] [environments ENV...]
// with blank lines and `#` comments ignored. The same rules as the
// Corefile's `token`: a secret of 16 characters at least, names unique.
#pragma once
#include <string>
#include <vector>

#include "plugins/skydns-registry/api_tokens.h"

namespace skycore::plugins::skydns_registry {

// Throws std::runtime_error("FILE:LINE: message") for a line it cannot use,
// or when the file cannot be read.
std::vector<ApiToken> read_token_file(const std::string& path);

}  // namespace skycore::plugins::skydns_registry
