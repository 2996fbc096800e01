#include "core/plugin/resolv_conf.h"

#include <fstream>
#include <sstream>

namespace skycore {

std::optional<std::vector<std::string>> read_search_domains(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string key;
    if (!(ls >> key) || (key != "search" && key != "domain")) continue;
    out.clear();
    for (std::string d; ls >> d;) {
      if (d[0] == '#' || d[0] == ';') break;
      out.push_back(d);
      if (key == "domain") break;
    }
  }
  return out;
}

}  // namespace skycore
