#include "plugins/skydns-registry/token_file.h"

#include <fmt/format.h>

#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace skycore::plugins::skydns_registry {

std::vector<ApiToken> read_token_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot be read", path));
  std::vector<ApiToken> out;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    auto fail = [&](const std::string& why) { return std::runtime_error(fmt::format("{}:{}: {}", path, n, why)); };
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string x; words >> x;) w.push_back(x);
    if (w.empty()) continue;
    if (w.size() < 2) throw fail("a token wants NAME SECRET [read-only] [environments ENV...]");
    ApiToken t{w[0], w[1], {}, false, true};
    if (t.secret.size() < 16) throw fail(fmt::format("token '{}': a secret of 16 characters at least", t.name));
    for (const auto& other : out)
      if (other.name == t.name) throw fail(fmt::format("token '{}' given twice", t.name));
    for (size_t i = 2; i < w.size(); ++i) {
      if (w[i] == "read-only") {
        t.read_only = true;
      } else if (w[i] == "environments") {
        if (i + 1 == w.size()) throw fail("environments wants at least one environment");
        for (++i; i < w.size() && w[i] != "read-only"; ++i) {
          std::string e = w[i];
          for (auto& ch : e) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
          t.environments.push_back(e);
        }
        if (t.environments.empty()) throw fail("environments wants at least one environment");
        --i;
      } else {
        // By position, not text: a word here may be a second secret.
        throw fail(fmt::format("word {} is neither read-only nor environments", i + 1));
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace skycore::plugins::skydns_registry
