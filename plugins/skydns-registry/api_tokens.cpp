#include "plugins/skydns-registry/api_tokens.h"

#include <algorithm>
#include <cctype>

namespace skycore::plugins::skydns_registry {

bool same_secret(std::string_view given, std::string_view secret) {
  unsigned diff = given.size() == secret.size() ? 0 : 1;
  for (size_t i = 0; i < secret.size(); ++i)
    diff |= static_cast<unsigned char>(i < given.size() ? given[i] : 0) ^ static_cast<unsigned char>(secret[i]);
  return diff == 0;
}

bool ApiToken::may_change(std::string_view environment) const {
  if (read_only) return false;
  if (environments.empty()) return true;
  std::string env(environment);
  for (auto& ch : env) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return std::find(environments.begin(), environments.end(), env) != environments.end();
}

const ApiToken* ApiAuth::find(std::string_view authorization) const {
  std::string_view bearer;
  if (authorization.size() > 7 && (authorization.substr(0, 7) == "Bearer " || authorization.substr(0, 7) == "bearer "))
    bearer = authorization.substr(7);
  const ApiToken* found = nullptr;
  for (const auto& t : tokens_) {  // no early exit: which token matched does not show in the time
    bool match = same_secret(authorization, t.secret);
    match |= same_secret(bearer, t.secret) && t.bearer;
    if (match && !found) found = &t;
  }
  return found;
}

}  // namespace skycore::plugins::skydns_registry
