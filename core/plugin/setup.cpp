#include "core/plugin/setup.h"

#include <fmt/format.h>

#include <algorithm>

namespace skycore {

std::vector<std::string> SetupContext::zones() const {
  std::vector<std::string> out;
  for (const auto& k : block.keys) out.push_back(k.zone);
  return out;
}

std::string SetupContext::server_label() const {
  if (block.keys.empty()) return "";
  const auto& addrs = settings.bind_addresses;
  return listener_label(addrs.empty() ? std::string() : addrs.front(),
                        static_cast<uint16_t>(std::stoi(block.keys.front().port)), block.keys.front().transport);
}

std::string listener_label(const std::string& address, uint16_t port, const std::string& transport) {
  bool v6 = address.find(':') != std::string::npos;
  return v6 ? fmt::format("{}://[{}]:{}", transport, address, port) : fmt::format("{}://{}:{}", transport, address, port);
}


}  // namespace skycore
