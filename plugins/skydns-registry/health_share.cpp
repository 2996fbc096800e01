#include "plugins/skydns-registry/health_share.h"

#include <fmt/format.h>

#include <random>
#include <set>

#include "core/plugin/fnv1a.h"
#include "core/plugin/plugin_log.h"
#include "plugins/skydns-registry/json_members.h"

namespace skycore::plugins::skydns_registry {
namespace {

std::string random_id() {
  std::random_device rd;
  return fmt::format("{:08x}{:08x}", rd(), rd());
}

std::optional<Health> health_named(std::string_view s) {
  if (s == "passing") return Health::passing;
  if (s == "warning") return Health::warning;
  if (s == "critical") return Health::critical;
  return std::nullopt;
}

}  // namespace

HealthShare::HealthShare(std::vector<EtcdEndpoint> endpoints, std::string root)
    : client_(endpoints), watcher_(endpoints), root_(std::move(root)), id_(random_id()) {}

std::string HealthShare::fingerprint(const ServiceDetails& checks) {
  std::string text;
  ServiceDetails only;
  only.checks = checks.checks;  // ports and tags do not change what a check says
  append_details_json(text, only);
  // FNV-1a, not std::hash: servers built by other compilers must agree.
  return fmt::format("{:016x}", Fnv1a{}.text(text).h);
}

void HealthShare::start(std::function<void(const std::string&)> changed) {
  std::lock_guard lock(mu_);
  if (!stopping_) return;
  stopping_ = false;
  changed_ = std::move(changed);
  writer_ = std::thread([this] { write_loop(); });
  watch_ = std::thread([this] { watch_loop(); });
}

void HealthShare::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  watcher_.cancel_watch();
  writer_.join();
  watch_.join();
  // Our reports go at once rather than when the lease runs out.
  if (lease_) try {
      client_.revoke(lease_);
    } catch (const std::exception&) {
    }
}

void HealthShare::report(const std::string& uuid, const ServiceDetails& checks, Health h) {
  {
    std::lock_guard lock(mu_);
    queued_[uuid] = Report{fingerprint(checks), h};
  }
  cv_.notify_all();
}

void HealthShare::forget(const std::string& uuid) {
  {
    std::lock_guard lock(mu_);
    queued_[uuid] = std::nullopt;
  }
  cv_.notify_all();
}

std::optional<Health> HealthShare::effective(const std::string& uuid, const ServiceDetails& checks,
                                             std::optional<Health> local) const {
  std::optional<Health> best = local;
  std::string fp = fingerprint(checks);
  std::lock_guard lock(mu_);
  auto it = others_.find(uuid);
  if (it == others_.end()) return best;
  for (const auto& [server, r] : it->second)
    if (r.checks == fp && (!best || r.health < *best)) best = r.health;
  return best;
}

void HealthShare::write_loop() {
  auto renew_at = std::chrono::steady_clock::now();
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_until(lock, renew_at, [this] { return stopping_ || !queued_.empty(); });
    if (stopping_) return;
    auto batch = std::move(queued_);
    queued_.clear();
    bool renew = std::chrono::steady_clock::now() >= renew_at;
    int64_t lease = lease_;
    lock.unlock();
    bool rewrite = false;
    try {
      if (renew || !lease) {
        if (!lease || !client_.keep_alive(lease)) {
          lease = client_.grant(kLeaseSeconds);  // a new lease: our reports went with the old one
          rewrite = true;
        }
        renew_at = std::chrono::steady_clock::now() + std::chrono::seconds(kLeaseSeconds / 3);
      }
      std::vector<TxnOp> ops;
      lock.lock();
      lease_ = lease;
      for (auto& [uuid, r] : batch) {
        if (r) mine_[uuid] = *r;
        else mine_.erase(uuid);
      }
      auto put = [&](const std::string& uuid, const Report& r) {
        ops.push_back({root_ + uuid + "/" + id_,
                       fmt::format(R"({{"status":"{}","checks":"{}"}})", health_name(r.health), r.checks), lease, false});
      };
      if (rewrite) {
        for (const auto& [uuid, r] : mine_) put(uuid, r);
      } else {
        for (const auto& [uuid, r] : batch) {
          if (r) put(uuid, *r);
          else ops.push_back({root_ + uuid + "/" + id_, "", 0, true});
        }
      }
      lock.unlock();
      for (size_t i = 0; i < ops.size(); i += 128)
        client_.txn(std::vector<TxnOp>(ops.begin() + i, ops.begin() + std::min(ops.size(), i + 128)));
    } catch (const std::exception& e) {
      plugin_log("skydns-registry", LogLevel::warning, "etcd health reports: {}; retrying", e.what());
      lock.lock();
      for (auto& [uuid, r] : batch) queued_.try_emplace(uuid, r);  // newer results win
      lease_ = 0;  // re-grant, and rewrite everything, once etcd answers
      renew_at = std::chrono::steady_clock::now() + std::chrono::seconds(1);
      continue;
    }
    lock.lock();
  }
}

bool HealthShare::apply(const std::string& key, const std::string& value, std::string& uuid) {
  if (key.rfind(root_, 0) != 0) return false;
  std::string_view rest = std::string_view(key).substr(root_.size());
  auto slash = rest.find('/');
  if (slash == std::string_view::npos) return false;
  uuid = std::string(rest.substr(0, slash));
  std::string server(rest.substr(slash + 1));
  if (server == id_) return false;  // our own, known already
  std::lock_guard lock(mu_);
  if (value.empty()) {
    auto it = others_.find(uuid);
    if (it == others_.end() || !it->second.erase(server)) return false;
    if (it->second.empty()) others_.erase(it);
    return true;
  }
  JsonMembers members;
  if (parse_json_members(value, members)) return false;
  std::optional<Health> h;
  std::string checks;
  for (const auto& [k, v] : members) {
    if (k == "status") h = health_named(v.text);
    else if (k == "checks") checks = v.text;
  }
  if (!h) return false;
  others_[uuid][server] = Report{checks, *h};
  return true;
}

void HealthShare::watch_loop() {
  auto backoff = std::chrono::milliseconds(200);
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    try {
      int64_t revision = 0;
      auto all = watcher_.range_prefix(root_, revision);
      std::set<std::string> touched;
      {
        std::lock_guard lock(mu_);
        for (const auto& [uuid, _] : others_) touched.insert(uuid);
        others_.clear();  // a fresh listing replaces what was known
      }
      std::string uuid;
      for (const auto& kv : all)
        if (apply(kv.key, kv.value, uuid)) touched.insert(uuid);
      for (const auto& u : touched) changed_(u);
      backoff = std::chrono::milliseconds(200);
      watcher_.watch(root_, revision + 1, [&](const std::vector<WatchEvent>& batch, int64_t) {
        for (const auto& ev : batch) {
          std::string u;
          if (apply(ev.kv.key, ev.deleted ? std::string() : ev.kv.value, u)) changed_(u);
        }
      });
    } catch (const std::exception& e) {
      plugin_log("skydns-registry", LogLevel::warning, "etcd health watch: {}; retrying", e.what());
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, backoff, [this] { return stopping_; })) return;
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
    }
  }
}

}  // namespace skycore::plugins::skydns_registry
