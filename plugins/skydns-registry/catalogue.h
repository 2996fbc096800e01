// The static catalogue (`services FILE.toml`): services that cannot
// register themselves (databases, legacy hosts), one [[service]] table each
// with the API's fields; without a TTL they never expire.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "plugins/skydns-registry/service.h"

namespace skycore::plugins::skydns_registry {

// Reads and checks the whole file. Throws std::runtime_error("FILE:LINE: why")
// so a broken edit never replaces a good catalogue.
std::vector<Service> read_catalogue(const std::string& path, WallClock::time_point now);

// Notices edits by modification time and size (polled by the plugin).
class CatalogueWatch {
 public:
  explicit CatalogueWatch(std::string path) : path_(std::move(path)) { changed(); }
  bool changed();  // true once per edit
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::filesystem::file_time_type mtime_{};
  uintmax_t size_ = 0;
};

}  // namespace skycore::plugins::skydns_registry
