#include "plugins/loadbalance/weights.h"

#include <asio/ip/address.hpp>
#include <fmt/format.h>

#include <charconv>
#include <optional>
#include <sstream>

namespace skycore::plugins::loadbalance {
namespace {

std::optional<IpBytes> ip_of(const std::string& text) {
  asio::error_code ec;
  auto a = asio::ip::make_address(text, ec);
  if (ec) return std::nullopt;
  IpBytes ip;
  if (a.is_v4()) {
    auto b = a.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), ip.bytes.begin());
  } else {
    ip.v6 = true;
    ip.bytes = a.to_v6().to_bytes();
  }
  return ip;
}

}  // namespace

std::optional<Weights> parse_weights(std::string_view text, std::string& why) {
  Weights out;
  std::istringstream in{std::string(text)};
  std::string line, domain;
  for (int n = 1; std::getline(in, line); ++n) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string x; words >> x;) w.push_back(x);
    if (w.empty()) continue;
    if (w.size() == 1) {
      domain = w[0];
      for (auto& ch : domain) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (domain.back() != '.') domain += '.';
      out.by_name[domain];
      continue;
    }
    if (w.size() != 2) {
      why = fmt::format("line {}: want a domain, or an address and a weight", n);
      return std::nullopt;
    }
    if (domain.empty()) {
      why = fmt::format("line {}: an address before any domain", n);
      return std::nullopt;
    }
    auto ip = ip_of(w[0]);
    if (!ip) {
      why = fmt::format("line {}: '{}' is not an IP address", n, w[0]);
      return std::nullopt;
    }
    int weight = 0;
    auto [end, ec] = std::from_chars(w[1].data(), w[1].data() + w[1].size(), weight);
    if (ec != std::errc() || end != w[1].data() + w[1].size() || weight < 1 || weight > 255) {
      why = fmt::format("line {}: weight '{}' is not from 1 to 255", n, w[1]);
      return std::nullopt;
    }
    out.by_name[domain].emplace_back(*ip, static_cast<uint8_t>(weight));
  }
  return out;
}

}  // namespace skycore::plugins::loadbalance
