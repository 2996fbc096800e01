// The forward plugin's configuration: what the Corefile says, checked and
// immutable once setup returns. Defaults follow CoreDNS's forward plugin.
#pragma once
#include <asio/ip/address.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "core/plugin/setup.h"
#include "core/wire/name.h"
#include "plugins/forward/resolve_host.h"

namespace skycore::plugins::forward {

using std::chrono::milliseconds;

enum class Policy { random, round_robin, sequential };

struct UpstreamAddress {
  asio::ip::address ip;
  uint16_t port = 53;
  bool tls = false;   // tls://: DNS over TLS (RFC 7858), default port 853
  bool https = false;  // https://: DNS over HTTPS (RFC 8484, HTTP/2), default port 443
  std::string path = "/dns-query";  // https://: the URL's path
  std::string label;  // "127.0.0.1:53" as in metrics' `to` label
};

struct TlsSettings {
  std::string cert, key, ca;  // empty = no client cert / system CAs
  std::string server_name;    // tls_servername: SNI and name verification
  bool configured = false;    // the `tls` option was given
};

struct Config {
  wire::Name from;                 // only names under it are forwarded
  std::string from_text;
  std::vector<wire::Name> except;  // names under these are passed to the next plugin
  std::vector<UpstreamAddress> to;  // at most 15
  bool force_tcp = false;
  // "0x20" (Unbound's use-caps-for-id): the letters of the question sent over
  // UDP in random case, and a reply must echo that case exactly, so a forged
  // answer must guess one more bit per letter besides the ID and the port.
  bool caps_for_id = false;
  bool prefer_udp = false;
  milliseconds expire{10'000};      // idle TCP/TLS connections are closed after this
  int max_fails = 2;                // consecutive failures before an upstream is down (0: never)
  milliseconds health_interval{500};
  bool health_rd = true;            // no_rec clears RD on health probes
  wire::Name health_domain;         // "." by default
  Policy policy = Policy::random;
  size_t max_concurrent = 0;        // 0: unlimited
  // Queries in flight to any one upstream (every worker together); one at
  // its cap is passed over for the next, so a dead upstream ahead of live
  // ones holds no more than this many queries. The last candidate is asked
  // anyway. 0: unlimited.
  size_t max_per_upstream = 0;
  TlsSettings tls;
  std::vector<uint16_t> next_rcodes;  // these upstream rcodes go to the next forward
  bool next_on_nodata = false;        // so does an empty NOERROR
  std::vector<uint16_t> failover_rcodes;  // these upstream rcodes make us try our next upstream
  bool failfast_all_unhealthy = false;    // every upstream down: SERVFAIL at once, no random pick
  int max_connect_attempts = 0;           // upstream tries per query (0: one per upstream)
  std::vector<ResolverAddress> resolvers;  // `resolver`: for host-name targets (else the system's)
  bool forward_follows = false;       // another forward of the block comes next (set by setup)
  milliseconds try_timeout{2'000};    // one upstream attempt
  milliseconds total_timeout{5'000};  // the whole query
};

// Parses one `forward` directive occurrence at the cursor (throws corefile::Error).
Config parse_config(corefile::TokenCursor& c);

// `IP`, `IP:port`, `[v6]:port`, `dns://...`, `tls://...`, `https://IP[:port][/path]`;
// nullopt if invalid.
std::optional<UpstreamAddress> parse_upstream(std::string_view text);
// Nameserver lines of a resolv.conf-style file (empty if unreadable).
std::vector<std::string> read_resolv_conf(const std::string& path);

}  // namespace skycore::plugins::forward
