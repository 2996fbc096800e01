// What a plugin that answers from service data (kubernetes, skydns-registry,
// and the ones to come: k8s_external, etcd) implements: look-ups only, no
// wire format. ServiceAnswerer (service_answerer.h) runs the query through
// it and RecordBuilder (record_builder.h) writes the records, as CoreDNS's
// plugin/backend.go and backend_lookup.go split the work.
#pragma once
#include <span>
#include <string_view>
#include <vector>

#include "core/plugin/ip_bytes.h"
#include "core/plugin/request.h"
#include "core/wire/name.h"

namespace skycore {

// One thing a name stands for. Which fields matter depends on the question:
//  A/AAAA   the addresses of the asked family, owned by the query name;
//  SRV/MX   target (with port, priority, weight), and the target's
//           addresses in the additional section;
//  TXT      text;  PTR  target.
// Entries point into the backend's snapshot, which outlives the answer.
struct ServiceEntry {
  wire::Name target;
  std::span<const IpBytes> addrs;  // see addresses()
  IpBytes addr;                    // a single address held here (use_addr)
  bool use_addr = false;
  std::string_view text;
  uint32_t ttl = 0;
  uint16_t port = 0;
  uint16_t priority = 0;
  uint16_t weight = 0;  // 0: unset, counts as 100 (one SRV weight rule: record_builder.h)
  // `weight` is the SRV weight as it is: the backend shared it among more
  // entries than it passed on (see records_that_fit).
  bool weight_final = false;
  bool mail = false;    // may answer MX
  // The name is an alias of `target` (a Kubernetes ExternalName): CNAME
  // whatever the type, and the target's records through the server's chain.
  bool alias = false;
  // An address question that no entry answers with an address gets one
  // CNAME to this entry's target (CoreDNS etcd records with a host name).
  bool cname_fallback = false;

  std::span<const IpBytes> addresses() const { return use_addr ? std::span<const IpBytes>(&addr, 1) : addrs; }
};

// What a backend looks up, for a name inside one of its zones.
struct ServiceQuery {
  const Request& req;
  const wire::Name& zone;                  // the longest of the plugin's zones (lowercased)
  std::span<const std::string_view> labels;  // above the zone, left to right, lowercased
  uint16_t qtype;
};

// At most this many answer records fit in the reply (each takes at least
// 19 bytes), so a backend with thousands of matches need not make an entry
// for each: the rest would be cut off with TC anyway.
inline size_t records_that_fit(const ServiceQuery& q) { return q.req.response.limit() / 19 + 1; }

enum class Lookup : uint8_t {
  found,     // the name exists (entries may be empty: NODATA)
  nxdomain,  // no such name (fallthrough applies)
};

class ServiceBackend {
 public:
  virtual ~ServiceBackend() = default;
  // False while the backend has nothing trustworthy to answer from yet: every
  // name in its zones gets SERVFAIL (the first Kubernetes sync).
  virtual bool ready() const { return true; }
  // False when "not found" may be wrong (serving before a full sync): such a
  // name gets SERVFAIL rather than an NXDOMAIN a client would cache.
  virtual bool complete() const { return true; }
  // The type answered for `qtype` (SkyDNS answers ANY with SRV).
  virtual uint16_t answer_type(uint16_t qtype) const { return qtype; }
  // Entries for the name and type. Appends to `out` (cleared by the caller),
  // which keeps its capacity across queries: no allocation once warm.
  // q.req.worker indexes per-worker state (a snapshot pointer).
  virtual Lookup services(const ServiceQuery& q, std::vector<ServiceEntry>& out) = 0;
  // True if PTR questions in reverse zones are answered by reverse().
  virtual bool answers_reverse() const { return false; }
  // Names whose address is `ip`, as entries with a target.
  virtual Lookup reverse(const ServiceQuery&, const IpBytes&, std::vector<ServiceEntry>&) {
    return Lookup::nxdomain;
  }
  // The SOA serial of the zone and the TTL of the zone's own records (SOA,
  // NS, and the SOA's minimum in negative answers).
  virtual uint32_t serial(const ServiceQuery& q) const = 0;
  virtual uint32_t min_ttl(const ServiceQuery& q) const = 0;
};

}  // namespace skycore
