#include "plugins/kubernetes/kubernetes.h"

#include <fmt/format.h>

#include <malloc.h>

#include <cstdio>

#include "core/plugin/srv_weight.h"
#include "core/plugin/zone_soa.h"
#include "core/wire/header.h"
#include "core/wire/reader.h"
#include "core/wire/record.h"

namespace skycore::plugins::kubernetes {
namespace {

constexpr std::string_view kDnsVersion = "1.1.0";  // the spec this plugin follows

void log(const char* level, const std::string& what) {
  std::fprintf(stdout, "[%s] plugin/kubernetes: %s\n", level, what.c_str());
  std::fflush(stdout);
}

// `zone` with a relative name ("svc1.testns.svc") in front of it.
bool join(const wire::Name& zone, std::string_view rel, wire::Name& out) {
  out = zone;
  while (!rel.empty()) {
    auto dot = rel.rfind('.');
    std::string_view label = dot == std::string_view::npos ? rel : rel.substr(dot + 1);
    if (!out.prepend_label(label)) return false;
    rel = dot == std::string_view::npos ? std::string_view() : rel.substr(0, dot);
  }
  return true;
}

bool is_reverse(const wire::Name& zone) {
  static const wire::Name v4 = *wire::Name::from_text("in-addr.arpa.");
  static const wire::Name v6 = *wire::Name::from_text("ip6.arpa.");
  return zone.is_subdomain_of(v4) || zone.is_subdomain_of(v6);
}

// The address a full reverse name stands for: 4 labels under in-addr.arpa
// or 32 nibbles under ip6.arpa; nullopt for anything else.
std::optional<Ip> reverse_ip(std::span<const std::string_view> labels_to_root) {
  auto n = labels_to_root.size();
  auto digits = [](std::string_view s, int base, unsigned& v) {
    if (s.empty() || s.size() > 3) return false;
    v = 0;
    for (char c : s) {
      int d = c >= '0' && c <= '9' ? c - '0' : (base == 16 && c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
      if (d < 0) return false;
      v = v * base + static_cast<unsigned>(d);
    }
    return true;
  };
  Ip ip;
  if (n == 6 && labels_to_root[4] == "in-addr" && labels_to_root[5] == "arpa") {
    for (int i = 0; i < 4; ++i) {
      unsigned v;
      if (!digits(labels_to_root[3 - i], 10, v) || v > 255 || (labels_to_root[3 - i].size() > 1 && labels_to_root[3 - i][0] == '0'))
        return std::nullopt;
      ip.bytes[i] = static_cast<uint8_t>(v);
    }
    return ip;
  }
  if (n == 34 && labels_to_root[32] == "ip6" && labels_to_root[33] == "arpa") {
    ip.v6 = true;
    for (int i = 0; i < 32; ++i) {
      unsigned v;
      if (labels_to_root[31 - i].size() != 1 || !digits(labels_to_root[31 - i], 16, v)) return std::nullopt;
      ip.bytes[i / 2] |= static_cast<uint8_t>(i % 2 == 0 ? v << 4 : v);
    }
    return ip;
  }
  return std::nullopt;
}

// "1-2-3-4" (or IPv6 with dashes for colons) as a pod name carries it.
std::optional<Ip> undashed(std::string_view label) {
  std::string s(label);
  bool v6 = std::count(s.begin(), s.end(), '-') != 3;
  std::replace(s.begin(), s.end(), '-', v6 ? ':' : '.');
  auto ip = parse_ip(s);
  if (ip && ip->v6 != v6) return std::nullopt;
  return ip;
}

void add_ip(Request& req, wire::Section sec, const wire::Name& owner, uint32_t ttl, const Ip& ip) {
  if (ip.v6) req.response.add_aaaa(sec, owner, ttl, std::span<const uint8_t, 16>(ip.bytes.data(), 16));
  else req.response.add_a(sec, owner, ttl, std::span<const uint8_t, 4>(ip.bytes.data(), 4));
}

}  // namespace

Kubernetes::Kubernetes(Config cfg, size_t workers)
    : cfg_(std::move(cfg)), views_(std::max<size_t>(workers, 1)), snapshot_(std::make_shared<const Snapshot>()) {
  cluster_zone_ = cfg_.zones.front();
  for (const auto& z : cfg_.zones)
    if (!is_reverse(z)) {
      cluster_zone_ = z;
      break;
    }
  informers_.push_back(std::make_unique<Informer>(cfg_.server, services_resource(cfg_.labels), cache_));
  informers_.push_back(std::make_unique<Informer>(cfg_.server, namespaces_resource(), cache_));
  if (!cfg_.noendpoints)
    informers_.push_back(std::make_unique<Informer>(cfg_.server, endpoint_slices_resource(), cache_));
  if (cfg_.pods == PodMode::verified)
    informers_.push_back(std::make_unique<Informer>(cfg_.server, pods_resource(), cache_));
  resources_ = informers_.size();
  cfg_.build.pods_verified = cfg_.pods == PodMode::verified;
}

Kubernetes::~Kubernetes() { stop(); }

void Kubernetes::start() {
  started_ = std::chrono::steady_clock::now();
  started_flag_ = true;
  builder_ = std::thread([this] { build_loop(); });
  for (auto& i : informers_) i->start();
}

void Kubernetes::stop() {
  for (auto& i : informers_) i->stop();
  {
    std::lock_guard lock(cache_.mutex());
    stopping_ = true;
  }
  cache_.wake();
  if (builder_.joinable()) builder_.join();
}

bool Kubernetes::ready() const {
  if (synced_) return true;
  return started_flag_ && std::chrono::steady_clock::now() - started_ >= cfg_.startup_timeout;
}

void Kubernetes::build_loop() {
  bool warned = false;
  while (true) {
    std::shared_ptr<const Snapshot> next;
    size_t lists = 0;
    bool got = cache_.wait_and_read(stopping_, std::chrono::milliseconds(200), [&](const Objects& objects, size_t n) {
      lists = n;
      next = std::make_shared<const Snapshot>(objects, cfg_.build);
    });
    {
      std::lock_guard lock(cache_.mutex());
      if (stopping_) return;
    }
    if (got) {
      std::atomic_store(&snapshot_, next);
      version_.fetch_add(1, std::memory_order_release);
      // Parsing a large list leaves much freed heap behind; glibc keeps it
      // unless asked. Rebuilds are rare, so returning it costs little.
      malloc_trim(0);
      if (!synced_ && lists >= resources_) {
        synced_ = true;
        log("INFO", fmt::format("synced with {} ({} names)", cfg_.server.describe(), next->size()));
      }
    }
    if (!synced_ && !warned && ready()) {
      warned = true;
      log("WARNING", fmt::format("starting to serve before the first sync with {} (startup_timeout)",
                                 cfg_.server.describe()));
    }
    // Coalesce bursts: a batch of watch events becomes one rebuild.
    if (got) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

const Snapshot& Kubernetes::view(uint16_t worker) {
  WorkerView& v = views_[worker < views_.size() ? worker : 0];
  uint64_t current = version_.load(std::memory_order_acquire);
  if (current != v.version) {
    v.snapshot = std::atomic_load(&snapshot_);
    v.version = current;
  }
  return *v.snapshot;
}

bool Kubernetes::falls_through(const wire::Name& qname) const {
  if (!cfg_.fallthrough) return false;
  if (cfg_.fallthrough_zones.empty()) return true;
  for (const auto& z : cfg_.fallthrough_zones)
    if (qname.is_subdomain_of(z)) return true;
  return false;
}

asio::awaitable<Result> Kubernetes::serve(Request& req, Next next) {
  const wire::Name* zone = nullptr;
  for (const auto& z : cfg_.zones)
    if (req.query.qname_lower.is_subdomain_of(z) && (!zone || z.size() > zone->size())) zone = &z;
  if (!zone) co_return co_await next(req);

  auto& w = req.response;
  if (!ready()) {  // before the first sync an answer would be a lie
    w.set_rcode(wire::rcode::SERVFAIL);
    co_return Result::written(name(), wire::rcode::SERVFAIL);
  }
  const Snapshot& snap = view(req.worker);
  const uint16_t qtype = req.query.qtype;
  const wire::Name& qname = req.query.qname;
  const uint32_t ttl = cfg_.ttl;
  w.set_flag(wire::flag::AA);

  const auto serial = static_cast<uint32_t>(version_.load(std::memory_order_relaxed));
  auto add_soa = [&] { add_zone_soa(w, wire::Section::authority, *zone, *zone, ttl, serial, ttl); };
  auto nodata = [&] {
    add_soa();
    return Result::written(name(), wire::rcode::NOERROR);
  };

  // Labels of the name, left to right (views into the lowercased name).
  // A name has at most 127 labels (255 bytes), so every label fits: no
  // index below can run past the array, whatever a client sends.
  std::array<std::string_view, 128> all;
  auto wire_name = req.query.qname_lower.wire();
  const size_t count = std::min(req.query.qname_lower.label_count(), all.size());
  for (size_t i = 0, k = 0; k < count; ++k, i += wire_name[i] + 1)
    all[k] = {reinterpret_cast<const char*>(&wire_name[i + 1]), wire_name[i]};
  const size_t above = count - zone->label_count();
  if (above == 0) {  // the apex: SOA and NS, NODATA for the rest
    if (qtype == wire::rrtype::SOA) {
      add_zone_soa(w, wire::Section::answer, qname, *zone, ttl, serial, ttl);
      co_return Result::written(name(), wire::rcode::NOERROR);
    }
    if (qtype == wire::rrtype::NS) {
      w.add_name_rr(wire::Section::answer, qname, wire::rrtype::NS, ttl, zone_ns_name(*zone));
      add_ns_address(w, wire::Section::additional, *zone, req.local_addr, ttl, qtype);
      co_return Result::written(name(), wire::rcode::NOERROR);
    }
    co_return nodata();
  }
  bool found = false;

  if (is_reverse(*zone)) {
    if (auto ip = reverse_ip(std::span(all.data(), count))) {
      if (const auto* names = snap.reverse(*ip)) {
        found = true;
        if (qtype == wire::rrtype::PTR) {
          wire::Name target;
          for (const auto& n : *names)
            if (join(cluster_zone_, n, target)) w.add_name_rr(wire::Section::answer, qname, wire::rrtype::PTR, ttl, target);
        } else {
          co_return nodata();
        }
      }
    }
  } else {
    // The name relative to the zone, as text: "svc1.testns.svc".
    char buf[256];
    size_t len = 0;
    for (size_t k = 0; k < above && k < count; ++k) {
      if (k) buf[len++] = '.';
      std::memcpy(buf + len, all[k].data(), all[k].size());
      len += all[k].size();
    }
    std::string_view rel(buf, len);

    if (rel == "dns-version") {
      if (qtype != wire::rrtype::TXT) co_return nodata();
      std::string_view txt[] = {kDnsVersion};
      w.add_txt(wire::Section::answer, qname, ttl, txt);
      co_return Result::written(name(), wire::rcode::NOERROR);
    }
    if (rel == "ns.dns") {  // the apex NS's target: this server's own address, as CoreDNS
      if (!add_ns_address(w, wire::Section::answer, *zone, req.local_addr, ttl, qtype)) co_return nodata();
      co_return Result::written(name(), wire::rcode::NOERROR);
    }

    const Node* node = snap.find(rel);
    // kube2sky's names: <svc>.<ns>.<zone> answers as <svc>.<ns>.svc.<zone>.
    if (!node && cfg_.legacy_service_names && above >= 2 && len + 4 < sizeof buf &&
        snap.has_namespace(all[above - 1])) {
      std::memcpy(buf + len, ".svc", 4);
      node = snap.find(std::string_view(buf, len + 4));
    }
    if (!node && above == 3 && all[2] == "pod" && cfg_.pods == PodMode::insecure) {
      if (auto ip = undashed(all[0])) {  // insecure: any address the name carries
        if ((qtype == wire::rrtype::A && !ip->v6) || (qtype == wire::rrtype::AAAA && ip->v6)) {
          add_ip(req, wire::Section::answer, qname, ttl, *ip);
          co_return Result::written(name(), wire::rcode::NOERROR);
        }
        co_return nodata();
      }
    }
    if (node) {
      found = true;
      if (!node->cname.empty()) {
        auto target = wire::Name::from_text(node->cname);
        if (target) {
          w.add_name_rr(wire::Section::answer, qname, wire::rrtype::CNAME, ttl, *target);
          if (qtype != wire::rrtype::CNAME && req.resolver) {
            // The target's records, through this server's own chain (forward, cache...).
            auto reply = co_await req.resolver->resolve(req, *target, qtype);
            wire::ParsedMessage m;
            if (!reply.empty() && wire::parse_message(reply, m)) {
              for (const auto& rr : m.records) {
                if (rr.section != wire::Section::answer) continue;
                if (rr.type == wire::rrtype::A && rr.rdlength == 4)
                  w.add_a(wire::Section::answer, rr.owner, rr.ttl, std::span<const uint8_t, 4>(&reply[rr.rdata_offset], 4));
                else if (rr.type == wire::rrtype::AAAA && rr.rdlength == 16)
                  w.add_aaaa(wire::Section::answer, rr.owner, rr.ttl, std::span<const uint8_t, 16>(&reply[rr.rdata_offset], 16));
                else if (rr.type == wire::rrtype::CNAME) {
                  wire::WireReader r(reply, rr.rdata_offset);
                  wire::Name t;
                  r.name(t);
                  if (r.ok()) w.add_name_rr(wire::Section::answer, rr.owner, wire::rrtype::CNAME, rr.ttl, t);
                }
              }
            }
          }
        }
      } else if (qtype == wire::rrtype::A || qtype == wire::rrtype::AAAA) {
        for (const Ip& ip : node->addrs)
          if (ip.v6 == (qtype == wire::rrtype::AAAA)) add_ip(req, wire::Section::answer, qname, ttl, ip);
      } else if (qtype == wire::rrtype::SRV && !node->srvs.empty()) {
        // As CoreDNS: priority 0, the weight shared equally (never 0).
        auto weight = srv_equal_weight(node->srvs.size());
        wire::Name target;
        for (const Srv& s : node->srvs)
          if (join(*zone, s.target, target)) w.add_srv(wire::Section::answer, qname, ttl, 0, weight, s.port, target);
        for (const Srv& s : node->srvs)
          if (join(*zone, s.target, target))
            for (const Ip& ip : s.addrs) add_ip(req, wire::Section::additional, target, ttl, ip);
      }
    } else if (snap.is_empty_non_terminal(rel)) {
      co_return nodata();
    }
  }
  if (found) {
    if (wire::HeaderView{w.data().data()}.ancount() == 0) add_soa();  // NODATA
    co_return Result::written(name(), wire::rcode::NOERROR);
  }
  if (falls_through(req.query.qname_lower)) co_return co_await next(req);
  if (!synced_) {
    // Serving after startup_timeout without a sync: a name not found may
    // well exist, and pods would cache an NXDOMAIN (as CoreDNS: SERVFAIL).
    w.set_rcode(wire::rcode::SERVFAIL);
    co_return Result::written(name(), wire::rcode::SERVFAIL);
  }
  w.set_rcode(wire::rcode::NXDOMAIN);
  add_soa();
  co_return Result::written(name(), wire::rcode::NXDOMAIN);
}

}  // namespace skycore::plugins::kubernetes
