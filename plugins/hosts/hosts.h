// hosts: serves A, AAAA and PTR records from a hosts(5) file and from
// entries inlined in the Corefile, as CoreDNS's hosts plugin does. The file
// is re-read in the background when it changes; workers answer from their
// own cached pointer to the current table and compare one version number
// per query, so the query path neither locks nor allocates.
#pragma once
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/plugin/fallthrough.h"
#include "core/plugin/plugin.h"
#include "core/wire/name.h"
#include "plugins/hosts/hosts_table.h"
#include "plugins/hosts/watched_file.h"

namespace skycore::plugins::hosts {

struct Config {
  std::string path = "/etc/hosts";
  std::vector<wire::Name> zones;  // lowercased; names outside them are not served
  Fallthrough fallthrough;
  bool fallthrough_unsupported = false;  // also pass on other types for known names
  uint32_t ttl = 3600;
  bool reverse = true;  // PTR records for the addresses
  std::chrono::milliseconds reload{5000};
};

// What the plugin does with a query (answer() decides, serve() acts).
enum class Action { next, written, servfail };

class Hosts final : public Plugin {
 public:
  // `inline_entries` are the Corefile's lines, already parsed.
  Hosts(Config cfg, HostsTable inline_entries, size_t workers);
  std::string_view name() const override { return "hosts"; }
  asio::awaitable<Result> serve(Request& req, Next next) override;

  // Writes the answer into req.response when the action is `written`.
  Action answer(Request& req);

  WatchedFile& file() { return file_; }
  const Config& config() const { return cfg_; }
  // CoreDNS's hosts_entries: the file's and the inline entries.
  size_t entries() const { return file_.table()->entries() + inline_.entries(); }

 private:
  const HostsTable& view(uint16_t worker) { return views_.get(worker, file_.source()); }
  bool falls_through(const wire::Name& qname) const;

  const Config cfg_;
  const HostsTable inline_;
  WatchedFile file_;
  WorkerViews<HostsTable> views_;
};

}  // namespace skycore::plugins::hosts
