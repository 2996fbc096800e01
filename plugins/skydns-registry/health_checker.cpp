#include "plugins/skydns-registry/health_checker.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>

#include <algorithm>
#include <future>

#include "core/plugin/metrics.h"
#include "plugins/skydns-registry/check_probe.h"

namespace skycore::plugins::skydns_registry {

namespace {
// Results wait this long for others before they go to the registry.
constexpr auto kFlushDelay = std::chrono::milliseconds(50);
}  // namespace

HealthChecker::HealthChecker(std::shared_ptr<Registry> registry, std::shared_ptr<HealthShare> share)
    : registry_(std::move(registry)), share_(std::move(share)) {}

void HealthChecker::start() {
  if (running_) return;
  running_ = true;
  thread_ = std::thread([this] {
    auto guard = asio::make_work_guard(io_);
    io_.run();
  });
  if (share_)
    share_->start([this](const std::string& uuid) { asio::post(io_, [this, uuid] { remote_changed(uuid); }); });
  // The registry calls this with its lock held: only post.
  registry_->on_checks([this](const std::string& uuid, const EntryPtr& entry) {
    asio::post(io_, [this, uuid, entry] { watch(uuid, entry); });
  });
}

void HealthChecker::stop() {
  if (!running_) return;
  running_ = false;
  registry_->on_checks(nullptr);  // returns once no call is under way
  if (share_) share_->stop();
  io_.stop();
  thread_.join();
}

void HealthChecker::watch(const std::string& uuid, const EntryPtr& entry) {
  auto it = instances_.find(uuid);
  if (!entry) {
    if (it == instances_.end()) return;
    live_checks_ -= it->second.last.size();
    instances_.erase(it);  // what is still scheduled for it finds nothing
    if (share_) share_->forget(uuid);
    maybe_compact();
    return;
  }
  const DetailsPtr& details = entry->service.details;
  if (it != instances_.end() && same_details(it->second.details, details)) return;  // a refresh
  if (it != instances_.end()) live_checks_ -= it->second.last.size();
  Instance& in = instances_[uuid];
  in.details = details;
  in.generation = next_generation_++;
  size_t n = details ? details->checks.size() : 0;
  live_checks_ += n;
  in.last.assign(n, Health::critical);
  in.ran.assign(n, false);
  in.local.reset();
  if (share_) publish(uuid, in);  // another server may know these checks already
  for (size_t i = 0; i < n; ++i) {
    auto first = std::min<Clock::duration>(details->checks[i].interval, std::chrono::seconds(1));
    std::uniform_int_distribution<int64_t> spread(0, first.count());
    schedule({Clock::now() + Clock::duration(spread(rng_)), uuid, in.generation, i});
  }
}

void HealthChecker::schedule(Due d) {
  bool earliest = due_.empty() || d.at < due_.top().at;
  due_.push(std::move(d));
  if (earliest) arm();
  maybe_compact();
}

void HealthChecker::maybe_compact() {
  // Runs of removed or changed checks stay in the heap until their time
  // (up to a day); a writer changing checks in a loop would grow it
  // without bound. Dropped once they outnumber the live ones.
  if (due_.size() > 2 * live_checks_ + 1024) compact();
}

bool HealthChecker::current(const Due& d) const {
  auto it = instances_.find(d.uuid);
  return it != instances_.end() && it->second.generation == d.generation;
}

void HealthChecker::compact() {
  std::vector<Due> keep;
  keep.reserve(live_checks_);
  while (!due_.empty()) {
    if (current(due_.top())) keep.push_back(due_.top());
    due_.pop();
  }
  due_ = decltype(due_)(std::greater<>{}, std::move(keep));
  arm();
}

size_t HealthChecker::scheduled() {
  std::promise<size_t> n;
  asio::post(io_, [&] { n.set_value(due_.size() + waiting_.size()); });
  return n.get_future().get();
}

void HealthChecker::arm() {
  if (due_.empty()) return;
  timer_.expires_at(due_.top().at);
  timer_.async_wait([this](std::error_code ec) {
    if (!ec) run_due();
  });
}

void HealthChecker::run_due() {
  auto now = Clock::now();
  while (!due_.empty() && due_.top().at <= now) {
    Due d = due_.top();
    due_.pop();
    launch(std::move(d));
  }
  arm();
}

void HealthChecker::launch(Due d) {
  auto it = instances_.find(d.uuid);
  if (it == instances_.end() || it->second.generation != d.generation) return;  // gone or changed
  if (in_flight_ >= kMaxInFlight) {
    waiting_.push(std::move(d));
    return;
  }
  ++in_flight_;
  HealthCheck check = it->second.details->checks[d.check];
  asio::co_spawn(io_, probe(std::move(d), std::move(check)), asio::detached);
}

asio::awaitable<void> HealthChecker::probe(Due d, HealthCheck check) {
  Health h = Health::critical;
  try {
    h = co_await run_check(check);
  } catch (const std::exception&) {  // out of sockets or memory: the check failed
  }
  --in_flight_;
  finished(d, h);
  while (in_flight_ < kMaxInFlight && !waiting_.empty()) {
    Due next = std::move(waiting_.front());
    waiting_.pop();
    launch(std::move(next));
  }
}

void HealthChecker::finished(const Due& d, Health h) {
  counted_[static_cast<size_t>(h)].fetch_add(1, std::memory_order_relaxed);
  auto it = instances_.find(d.uuid);
  if (it == instances_.end() || it->second.generation != d.generation) return;
  Instance& in = it->second;
  in.last[d.check] = h;
  in.ran[d.check] = true;
  const HealthCheck& check = in.details->checks[d.check];
  // Next run: the interval, ±10 %.
  auto base = std::chrono::duration_cast<Clock::duration>(check.interval);
  std::uniform_int_distribution<int64_t> jitter(-base.count() / 10, base.count() / 10);
  schedule({Clock::now() + base + Clock::duration(jitter(rng_)), d.uuid, d.generation, d.check});
  if (!std::all_of(in.ran.begin(), in.ran.end(), [](bool r) { return r; })) return;
  in.local = *std::max_element(in.last.begin(), in.last.end());
  if (share_) share_->report(d.uuid, *in.details, *in.local);
  publish(d.uuid, in);
}

void HealthChecker::remote_changed(const std::string& uuid) {
  auto it = instances_.find(uuid);
  if (it != instances_.end()) publish(uuid, it->second);
}

void HealthChecker::publish(const std::string& uuid, const Instance& in) {
  std::optional<Health> h = share_ ? share_->effective(uuid, *in.details, in.local) : in.local;
  if (!h) return;  // nobody has a result yet: it stays as it is
  results_.push_back({uuid, in.details, *h});
  if (!flush_armed_) {
    flush_armed_ = true;
    flush_timer_.expires_after(kFlushDelay);
    flush_timer_.async_wait([this](std::error_code ec) {
      flush_armed_ = false;
      if (!ec) flush();
    });
  }
}

void HealthChecker::flush() {
  std::vector<Registry::HealthResult> batch;
  batch.swap(results_);
  // The registry keeps only changes; repeated results for one uuid are
  // applied in order, so the newest wins.
  registry_->set_health(batch);
}

void HealthChecker::collect(std::vector<prometheus::MetricFamily>& out) const {
  auto checks = counter_family("skycore_skydns_health_checks_total",
                               "Health checks the registry ran, by result.");
  for (Health h : {Health::passing, Health::warning, Health::critical})
    add_value(checks, {{"result", std::string(health_name(h))}},
              static_cast<double>(counted_[static_cast<size_t>(h)].load(std::memory_order_relaxed)));
  out.push_back(std::move(checks));
  auto instances = gauge_family("skycore_skydns_instances_by_health",
                                "Live registrations that have health checks, by their status.");
  for (const auto& [h, n] : registry_->count_by_health(WallClock::now()))
    add_value(instances, {{"status", std::string(health_name(h))}}, static_cast<double>(n));
  out.push_back(std::move(instances));
}

}  // namespace skycore::plugins::skydns_registry
