#include "core/plugin/record_builder.h"

#include <algorithm>
#include <array>

#include "core/plugin/zone_soa.h"
#include "core/wire/header.h"
#include "core/wire/reader.h"
#include "core/wire/record.h"

namespace skycore {

uint16_t srv_weight(uint64_t weight, uint64_t sum_of_priority) {
  if (sum_of_priority == 0) return 100;
  return static_cast<uint16_t>(std::clamp<uint64_t>(weight * 100 / sum_of_priority, 1, 100));
}

namespace {

void add_address(wire::MessageWriter& w, wire::Section sec, const wire::Name& owner, uint32_t ttl,
                 const IpBytes& ip) {
  if (ip.v6) w.add_aaaa(sec, owner, ttl, ip.v6_bytes());
  else w.add_a(sec, owner, ttl, ip.v4_bytes());
}

uint64_t weight_of(const ServiceEntry& e) { return e.weight ? e.weight : 100; }

// Sum of weights per priority. Answers rarely use more than two priorities;
// past 16 distinct ones the rest count as unset (weight 100, as one entry).
class PrioritySums {
 public:
  void add(uint16_t prio, uint64_t w) {
    if (auto* s = find(prio)) *s += w;
    else if (n_ < sums_.size()) sums_[n_++] = {prio, w};
  }
  uint64_t sum(uint16_t prio) const {
    for (size_t i = 0; i < n_; ++i)
      if (sums_[i].first == prio) return sums_[i].second;
    return 0;
  }

 private:
  uint64_t* find(uint16_t prio) {
    for (size_t i = 0; i < n_; ++i)
      if (sums_[i].first == prio) return &sums_[i].second;
    return nullptr;
  }
  std::array<std::pair<uint16_t, uint64_t>, 16> sums_{};
  size_t n_ = 0;
};

}  // namespace

void RecordBuilder::add_soa(wire::Section section, const wire::Name& owner) {
  add_zone_soa(req_.response, section, owner, zone_, ttl_, serial_, ttl_, style_);
}

void RecordBuilder::nodata() { add_soa(wire::Section::authority, zone_); }

void RecordBuilder::nxdomain() {
  req_.response.set_rcode(wire::rcode::NXDOMAIN);
  add_soa(wire::Section::authority, zone_);
}

void RecordBuilder::apex() {
  auto& w = req_.response;
  const uint16_t qtype = req_.query.qtype;
  if (qtype == wire::rrtype::SOA) {
    add_soa(wire::Section::answer, req_.query.qname);
  } else if (qtype == wire::rrtype::NS) {
    w.add_name_rr(wire::Section::answer, req_.query.qname, wire::rrtype::NS, ttl_, zone_ns_name(zone_, style_));
    add_ns_address(w, wire::Section::additional, zone_, req_.local_addr, ttl_, qtype, style_);
  } else {
    nodata();
  }
}

void RecordBuilder::ns_target() {
  if (!add_ns_address(req_.response, wire::Section::answer, zone_, req_.local_addr, ttl_, req_.query.qtype, style_))
    nodata();
}

void RecordBuilder::addresses(uint16_t qtype, std::span<const ServiceEntry> entries) {
  auto& w = req_.response;
  const bool v6 = qtype == wire::rrtype::AAAA;
  bool any = false;
  for (const auto& e : entries)
    for (const IpBytes& ip : e.addresses())
      if (ip.v6 == v6) {
        add_address(w, wire::Section::answer, req_.query.qname, e.ttl, ip);
        any = true;
      }
  if (any) return;
  // No address: one CNAME to a named host (never to the name itself), which
  // the client's resolver follows.
  for (const auto& e : entries)
    if (e.cname_fallback && !e.target.equals_ignore_case(req_.query.qname)) {
      w.add_name_rr(wire::Section::answer, req_.query.qname, wire::rrtype::CNAME, e.ttl, e.target);
      return;
    }
}

void RecordBuilder::services(uint16_t qtype, std::span<const ServiceEntry> entries) {
  auto& w = req_.response;
  const bool mx = qtype == wire::rrtype::MX;
  PrioritySums sums;
  if (!mx)
    for (const auto& e : entries) sums.add(e.priority, weight_of(e));
  for (const auto& e : entries) {
    bool fit = true;
    if (mx) {
      if (e.mail) fit = w.add_mx(wire::Section::answer, req_.query.qname, e.ttl, e.priority, e.target);
    } else {
      uint16_t weight = e.weight_final ? e.weight : srv_weight(weight_of(e), sums.sum(e.priority));
      fit = w.add_srv(wire::Section::answer, req_.query.qname, e.ttl, e.priority, weight, e.port, e.target);
    }
    if (!fit) break;  // TC is set: the client asks again over TCP
  }
  // Sections are written in order: every answer first, then the targets'
  // addresses (pointless in a truncated reply).
  if (w.truncated()) return;
  for (const auto& e : entries) {
    if (mx && !e.mail) continue;
    for (const IpBytes& ip : e.addresses()) add_address(w, wire::Section::additional, e.target, e.ttl, ip);
  }
}

void RecordBuilder::answer(uint16_t qtype, std::span<const ServiceEntry> entries) {
  auto& w = req_.response;
  const auto alias = std::find_if(entries.begin(), entries.end(), [](const ServiceEntry& e) { return e.alias; });
  if (alias != entries.end()) {
    w.add_name_rr(wire::Section::answer, req_.query.qname, wire::rrtype::CNAME, alias->ttl, alias->target);
    return;
  }
  switch (qtype) {
    case wire::rrtype::A:
    case wire::rrtype::AAAA: addresses(qtype, entries); break;
    case wire::rrtype::SRV:
    case wire::rrtype::MX: services(qtype, entries); break;
    case wire::rrtype::TXT:
      for (const auto& e : entries)
        if (!e.text.empty()) {
          std::string_view text[] = {e.text};
          w.add_txt(wire::Section::answer, req_.query.qname, e.ttl, text);
        }
      break;
    case wire::rrtype::PTR:
      for (const auto& e : entries)
        w.add_name_rr(wire::Section::answer, req_.query.qname, wire::rrtype::PTR, e.ttl, e.target);
      break;
    default: break;
  }
  if (wire::HeaderView{w.data().data()}.ancount() == 0) nodata();
}

asio::awaitable<void> chase_alias(Request& req, const wire::Name& target, uint16_t qtype) {
  if (qtype == wire::rrtype::CNAME || !req.resolver) co_return;
  auto reply = co_await req.resolver->resolve(req, target, qtype);
  wire::ParsedMessage m;
  if (reply.empty() || !wire::parse_message(reply, m)) co_return;
  auto& w = req.response;
  for (const auto& rr : m.records) {
    if (rr.section != wire::Section::answer) continue;
    if (rr.type == wire::rrtype::A && rr.rdlength == 4) {
      w.add_a(wire::Section::answer, rr.owner, rr.ttl, std::span<const uint8_t, 4>(&reply[rr.rdata_offset], 4));
    } else if (rr.type == wire::rrtype::AAAA && rr.rdlength == 16) {
      w.add_aaaa(wire::Section::answer, rr.owner, rr.ttl, std::span<const uint8_t, 16>(&reply[rr.rdata_offset], 16));
    } else if (rr.type == wire::rrtype::CNAME) {
      wire::WireReader r(reply, rr.rdata_offset);
      wire::Name t;
      r.name(t);
      if (r.ok()) w.add_name_rr(wire::Section::answer, rr.owner, wire::rrtype::CNAME, rr.ttl, t);
    }
  }
}

}  // namespace skycore
