#include "core/app/supervisor.h"
#include "core/app/version.h"
#include "core/plugin/plugin_log.h"

#include <fmt/format.h>
#include <signal.h>
#include <sys/random.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/corefile/error.h"

namespace skycore::app {
namespace {

// FNV-1a: stable across runs, cheap, and only compared with itself.
struct Fnv {
  uint64_t h = 1469598103934665603ull;
  void add(std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;  // a separator, so "ab","c" differs from "a","bc"
    h *= 1099511628211ull;
  }
};

std::string config_path(const Flags& flags) {
  if (!flags.conf.empty()) return flags.conf;
  return std::filesystem::exists("Corefile") ? "Corefile" : "";
}

// A reload waits this long at most for the new configuration's plugins to
// be ready (kubernetes' first sync) before switching anyway, and then
// gives the old server's queries in flight this long to finish.
constexpr auto kReadyWait = std::chrono::seconds(10);
constexpr auto kDrainGrace = std::chrono::milliseconds(6000);

}  // namespace

corefile::Config load_config(const Flags& flags) {
  // Without -conf and without ./Corefile, CoreDNS serves whoami on every name.
  std::string path = config_path(flags);
  if (!path.empty()) return corefile::parse_file(path);
  return corefile::parse_string(". {\n    whoami\n}\n", "Corefile", ".");
}

uint64_t corefile_hash(const Flags& flags) {
  Fnv f;
  try {
    auto config = load_config(flags);
    for (const auto& b : config.blocks) {
      for (const auto& t : b.key_tokens) f.add(t.text);
      f.add("{");
      for (const auto& d : b.directives)
        for (const auto& t : d.tokens) f.add(t.quoted ? "\"" + t.text : t.text);
      f.add("}");
    }
  } catch (const std::exception& e) {
    std::string path = config_path(flags);
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    f.add(s.str());
    f.add(e.what());
  }
  return f.h;
}

Supervisor::Supervisor(const Flags& flags)
    : flags_(flags), workers_(server::usable_cpus()), shared_(std::make_shared<SharedServices>()) {
  shared_->metrics.add_persistent([this](std::vector<prometheus::MetricFamily>& out) {
    auto failed = counter_family("skycore_reload_failed_total", "Counter of the number of failed reload attempts.");
    add_value(failed, {}, static_cast<double>(failed_.load()));
    out.push_back(std::move(failed));
    auto info = gauge_family("skycore_reload_version_info", "A metric with a constant '1' value labeled by hash, and value which type of hash generated.");
    add_value(info, {{"hash", "fnv64"}, {"value", fmt::format("{:016x}", version_hash_.load())}}, 1);
    out.push_back(std::move(info));
  });
}

Supervisor::~Supervisor() { stop(); }

void Supervisor::start() {
  hash_ = corefile_hash(flags_);
  auto config = load_config(flags_);
  server::PlanOptions opts{flags_.dns_port, flags_.validate, workers_, shared_, build_info()};
  auto plan = server::build_plan(config, opts);
  ProcessSettings process = plan.process;
  server_ = std::make_unique<server::Server>(std::move(plan), workers_);
  server_->start();
  version_hash_ = hash_.load();
  restart_watch(process);
}

bool Supervisor::reload() {
  const uint64_t hash = corefile_hash(flags_);
  std::unique_ptr<server::Server> next;
  shared_->begin_generation();
  try {
    auto config = load_config(flags_);
    server::PlanOptions opts{flags_.dns_port, false, workers_, shared_, build_info()};
    next = std::make_unique<server::Server>(server::build_plan(config, opts), workers_);
    next->prepare(server_.get());
  } catch (const std::exception& e) {
    next.reset();  // runs its shutdown hooks if its startup hooks ran
    shared_->abandon_generation();
    hash_ = hash;  // do not retry the same broken file every interval
    ++failed_;
    plugin_log("", LogLevel::error, "Restart failed: {}", e.what());
    return false;
  }
  // New plugins that need time (kubernetes' first list) get it while the
  // old configuration keeps answering.
  auto deadline = std::chrono::steady_clock::now() + kReadyWait;
  const uint64_t building = shared_->building();
  while (!shared_->not_ready(building).empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  next->serve();
  std::unique_ptr<server::Server> old = std::move(server_);
  server_ = std::move(next);
  shared_->commit_generation();
  hash_ = hash;
  version_hash_ = hash;
  ProcessSettings process = server_->plan().process;
  old->drain_and_stop(kDrainGrace);
  shared_->metrics.carry_retired();  // before the old plugins and their counters go
  old.reset();
  restart_watch(process);
  plugin_log("", LogLevel::info, "Reloading complete");
  return true;
}

void Supervisor::stop(bool lameduck) {
  {
    std::lock_guard lock(mu_);
    stop_watch_ = true;
  }
  cv_.notify_all();
  if (watcher_.joinable()) watcher_.join();
  if (server_) server_->stop(lameduck);
  server_.reset();
}

void Supervisor::restart_watch(const ProcessSettings& s) {
  {
    std::lock_guard lock(mu_);
    watch_ = s;
    if (!s.reload) return;  // a running watcher sees reload=false and idles
    if (watching_) {
      cv_.notify_all();
      return;
    }
    watching_ = true;
  }
  watcher_ = std::thread([this] { watch_loop(); });
}

// Every INTERVAL plus up to JITTER, hashes the Corefile; a change is
// handed to the main thread as SIGUSR1, the same path as a manual reload.
void Supervisor::watch_loop() {
  uint64_t seed = 0;
  if (getrandom(&seed, sizeof seed, 0) != sizeof seed) seed = 1;
  std::unique_lock lock(mu_);
  while (!stop_watch_) {
    auto wait = watch_.reload_interval;
    if (watch_.reload_jitter.count() > 0) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      wait += std::chrono::milliseconds((seed >> 33) % static_cast<uint64_t>(watch_.reload_jitter.count() + 1));
    }
    if (cv_.wait_for(lock, wait, [this] { return stop_watch_; })) break;
    if (!watch_.reload) continue;
    uint64_t known = hash_;
    lock.unlock();
    uint64_t now = corefile_hash(flags_);
    lock.lock();
    if (now != known) ::kill(::getpid(), SIGUSR1);
  }
}

}  // namespace skycore::app
