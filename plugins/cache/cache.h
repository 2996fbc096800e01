// cache: answers repeated questions from memory (CoreDNS's cache plugin with
// dnsdist's wire-format store). On a miss it asks the rest of the chain and
// keeps what may be kept; on a hit it patches ID, question case and TTLs
// and answers without re-encoding or allocating.
#pragma once
#include <asio/any_io_executor.hpp>
#include <asio/steady_timer.hpp>

#include <memory>

#include "core/plugin/metrics.h"
#include "core/plugin/plugin.h"
#include "plugins/cache/config.h"
#include "plugins/cache/store.h"

namespace skycore::plugins::cache {

class Cache final : public Plugin {
 public:
  Cache(Config cfg, size_t workers);
  std::string_view name() const override { return "cache"; }
  asio::awaitable<Result> serve(Request& req, Next next) override;

  const Store& store() const { return store_; }
  // skycore_cache_* families for this block (server label: its first listener).
  struct MetricLabels {
    std::string server, zones;
  };
  void collect(std::vector<prometheus::MetricFamily>& out, const MetricLabels& labels) const;

 private:
  bool in_zones(const wire::Name& qname) const;
  // Completes `req.response` from a hit of `len` bytes in its buffer.
  void answer_from_cache(Request& req, size_t len) const;
  void remember(Request& req, const Key& key);
  // A query of our own (prefetch, stale refresh): owns its buffers, and
  // says when it is done to a client that waits for it.
  struct Refresh {
    explicit Refresh(asio::any_io_executor ex) : finished(ex, asio::steady_timer::time_point::max()) {}
    std::vector<uint8_t> packet;
    std::vector<uint8_t> out = std::vector<uint8_t>(wire::kMaxMessage);
    Request req;
    Result result;
    bool done = false, usable = false;
    asio::steady_timer finished;  // cancelled when done
  };
  // Whether a refresh's answer replaces an entry of `stale_kind`.
  bool usable_refresh(const Result& res, std::span<const uint8_t> msg, Kind stale_kind) const;
  // Runs the rest of the chain for a copy of `req` in the background and
  // stores the answer, or marks the refresh failed.
  std::shared_ptr<Refresh> refresh_in_background(const Request& req, const Key& key, Kind stale_kind, Next next,
                                                 asio::any_io_executor ex);
  asio::awaitable<Result> verify(Request& req, const Key& key, const Hit& stale, Next next);

  Config cfg_;
  Store store_;
};

}  // namespace skycore::plugins::cache
