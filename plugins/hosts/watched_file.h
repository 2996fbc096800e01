// The hosts file's entries, re-read on a background thread when the file's
// modification time or size changes (CoreDNS's check), and published as an
// immutable table that workers pick up by comparing one version number.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "plugins/hosts/hosts_file.h"
#include "core/plugin/periodic_task.h"
#include "core/plugin/snapshot_source.h"
#include "plugins/hosts/hosts_table.h"

namespace skycore::plugins::hosts {

class WatchedFile {
 public:
  WatchedFile(std::string path, std::vector<wire::Name> zones, bool reverse);
  ~WatchedFile() { stop(); }

  // Reads the file if it changed since the last good read. When it cannot be
  // read the previous entries stay and one [ERROR] is logged per failure
  // streak (none for a file already missing at start: setup warned about
  // it). Not to be called from two threads at once.
  void reload();
  // Calls reload() every `every` on its own thread until stop(); 0: never.
  void start(std::chrono::milliseconds every);
  void stop();

  std::shared_ptr<const HostsTable> table() const { return table_.current(); }
  uint64_t version() const { return table_.version(); }
  const SnapshotSource<HostsTable>& source() const { return table_; }
  const std::string& path() const { return path_; }
  // The file's modification time at the last good read (seconds), 0 before.
  double reload_timestamp() const { return reload_ts_.load(std::memory_order_relaxed); }

 private:
  enum class State { unknown, ok, failing };

  const std::string path_;
  const std::vector<wire::Name> zones_;
  const bool reverse_;
  SnapshotSource<HostsTable> table_;
  std::atomic<double> reload_ts_{0};
  FileStamp stamp_;  // reload() only
  State state_ = State::unknown;

  std::unique_ptr<PeriodicTask> task_;
};

}  // namespace skycore::plugins::hosts
