// rrl: response rate limiting (BIND 9's RRL, with the CoreDNS rrl plugin's
// Corefile syntax). Each UDP response is put in a category (answer, NODATA,
// NXDOMAIN, referral, error) and debited from its account: the client's
// prefix (/24, /56 by default) with the question's name and type (with the
// zone for NXDOMAIN and referrals, alone for errors). A limited response is
// dropped, or every `slip`th one is sent empty with TC so that a real
// client retries over TCP. TCP is never limited: it cannot be spoofed.
// `requests-per-second` limits queries by prefix before they are answered.
#pragma once
#include <memory>
#include <vector>

#include "core/plugin/metrics.h"
#include "core/plugin/per_worker.h"
#include "core/plugin/plugin.h"
#include "core/wire/name.h"
#include "plugins/rrl/accounts.h"

namespace skycore::plugins::rrl {

struct Config {
  std::vector<wire::Name> zones;
  Limits limits;
  uint8_t ipv4_prefix = 24, ipv6_prefix = 56;
  uint32_t slip = 2;  // every Nth limited response goes out truncated; 0: none, 1: all
  size_t table_size = 100000;
  bool report_only = false;
};

class Rrl final : public Plugin {
 public:
  Rrl(Config cfg, size_t workers);
  std::string_view name() const override { return "rrl"; }
  asio::awaitable<Result> serve(Request& req, Next next) override;
  void collect(std::vector<prometheus::MetricFamily>& out, const std::string& server) const;
  const Config& config() const { return cfg_; }

 private:
  struct Counters {
    std::array<WorkerCounter, kCategories> limited, slipped, dropped;
  };
  struct Worker {
    explicit Worker(size_t accounts) : accounts(accounts) {}
    Accounts accounts;
  };
  bool in_zones(const wire::Name& qname) const;
  // The client's prefix hashed with `seed`.
  uint64_t client_hash(const Request& req) const;

  Config cfg_;
  std::vector<std::unique_ptr<Worker>> workers_;
  PerWorker<Counters> counters_;
};

// The category of a response message (its header).
Category categorize(std::span<const uint8_t> response);

}  // namespace skycore::plugins::rrl
