#include "plugins/hosts/watched_file.h"
#include "core/plugin/plugin_log.h"

#include <cerrno>
#include <cstdio>

namespace skycore::plugins::hosts {

WatchedFile::WatchedFile(std::string path, std::vector<wire::Name> zones, bool reverse)
    : path_(std::move(path)),
      zones_(std::move(zones)),
      reverse_(reverse),
      table_(std::make_shared<const HostsTable>()) {}

void WatchedFile::reload() {
  FileRead r = read_if_changed(path_, stamp_);
  if (r.status == FileRead::Status::unchanged) {
    state_ = State::ok;  // e.g. the very file that was moved away is back
    return;
  }
  if (r.status == FileRead::Status::failed) {
    bool missing_at_start = state_ == State::unknown && r.err_no == ENOENT;
    if (state_ != State::failing && !missing_at_start) {
      plugin_log("hosts", LogLevel::error, "{}; keeping the previous entries", r.error);
    }
    state_ = State::failing;
    return;
  }
  auto table = std::make_shared<const HostsTable>(parse_hosts(r.text, {zones_, reverse_}));
  table_.publish(std::move(table));
  stamp_ = r.stamp;
  state_ = State::ok;
  reload_ts_.store(double(r.stamp.mtime_ns) / 1e9, std::memory_order_relaxed);
}

void WatchedFile::start(std::chrono::milliseconds every) {
  if (every.count() <= 0 || task_) return;
  task_ = std::make_unique<PeriodicTask>("hosts", every, [this] {
    try {
      reload();
    } catch (const std::exception& e) {  // out of memory while parsing: keep serving
      plugin_log("hosts", LogLevel::error, "reading '{}': {}", path_, e.what());
    }
  });
  task_->start();
}

void WatchedFile::stop() {
  if (task_) task_->stop();
  task_.reset();
}

}  // namespace skycore::plugins::hosts
