#include "core/plugin/setup.h"

namespace skycore {

std::vector<std::string> SetupContext::zones() const {
  std::vector<std::string> out;
  for (const auto& k : block.keys) out.push_back(k.zone);
  return out;
}

const PluginEntry* find_plugin(std::string_view name) {
  for (const auto& p : compiled_plugins())
    if (p.name == name) return &p;
  return nullptr;
}

}  // namespace skycore
