// Who may use the registry's HTTP API. SkyDNS had one shared secret; a
// team wants the CI of one environment unable to touch another's
// services. Tokens come from the Corefile:
//   token NAME SECRET { environments production staging; read-only }
// (no `environments`: every one), and `reads open|token` says whether GET
// needs a token. The old `secret TOKEN` is a token for every environment.
// The Authorization header carries the secret as SkyDNS's clients send it,
// or (for `token`s) as "Bearer SECRET". Secrets are compared in constant time (every
// token is compared, whichever matches) and never logged or echoed.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace skycore::plugins::skydns_registry {

struct ApiToken {
  std::string name, secret;
  std::vector<std::string> environments;  // lowercased; empty: all
  bool read_only = false;
  // Also as "Bearer SECRET"; not for the old `secret`, which SkyDNS matched exactly.
  bool bearer = true;
  bool may_change(std::string_view environment) const;
};

class ApiAuth {
 public:
  ApiAuth() = default;
  ApiAuth(std::vector<ApiToken> tokens, bool reads_open) : tokens_(std::move(tokens)), reads_open_(reads_open) {}

  bool enabled() const { return !tokens_.empty(); }
  bool reads_need_token() const { return enabled() && !reads_open_; }
  // The token whose secret the header carries, or null.
  const ApiToken* find(std::string_view authorization) const;

 private:
  std::vector<ApiToken> tokens_;
  bool reads_open_ = false;
};

// Constant-time equality: the time depends on the secret's length only.
bool same_secret(std::string_view given, std::string_view secret);

}  // namespace skycore::plugins::skydns_registry
