#include "plugins/autopath/autopath.h"

#include <cstring>

#include "core/wire/header.h"
#include "core/wire/message_copy.h"
#include "core/wire/reader.h"

namespace skycore::plugins::autopath {

struct AutoPath::InFlight {
  InFlight() {
    first.reserve(wire::kMaxMessage);
    scratch.resize(wire::kMaxMessage);
  }
  SearchPath path;                // the client's, when a source supplies it
  wire::Name qname, qname_lower;  // the question as asked
  std::vector<uint8_t> first;     // the reply to it, returned when every name fails
  std::vector<uint8_t> scratch;   // an answer being rebuilt with its CNAME
};

namespace {

// `prefix` (the first `len` wire bytes of a name: its leading labels)
// followed by `suffix`; false when that is longer than a name may be.
bool join(const wire::Name& prefix, size_t len, const wire::Name& suffix, wire::Name& out) {
  if (len + suffix.size() > wire::kMaxNameLength) return false;
  uint8_t buf[wire::kMaxNameLength];
  std::memcpy(buf, prefix.wire().data(), len);
  std::memcpy(buf + len, suffix.wire().data(), suffix.size());
  out = wire::Name::from_wire_unchecked({buf, len + suffix.size()});
  return true;
}

// As CoreDNS's cnamer: the first answer record whose owner is not the name
// asked gets a CNAME in front of the answer, from the name asked to that
// owner, with that record's TTL. False when there is none (no answer, or
// the answer already owned by the name asked).
bool alias_target(std::span<const uint8_t> msg, const wire::Name& asked, wire::Name& target, uint32_t& ttl) {
  if (msg.size() < wire::kHeaderSize) return false;
  wire::HeaderView h{msg.data()};
  wire::WireReader r(msg, wire::kHeaderSize);
  r.skip_questions(h.qdcount());
  for (uint16_t i = 0; i < h.ancount() && r.ok(); ++i) {
    r.name(target);
    r.skip(4);  // type, class
    ttl = r.u32();
    uint16_t rdlength = r.u16();
    r.skip(rdlength);
    if (r.ok() && !target.equals_ignore_case(asked)) return true;
  }
  return false;
}

class AliasFirst final : public wire::RecordEdits {
 public:
  AliasFirst(const wire::Name& owner, const wire::Name& target, uint32_t ttl)
      : owner_(owner), target_(target), ttl_(ttl) {}
  void before_answers(wire::MessageWriter& out) override {
    if (!out.begin_record(wire::Section::answer, owner_, wire::rrtype::CNAME, wire::rrclass::IN, ttl_)) return;
    out.rdata_name(target_, true);
    out.end_record();
  }

 private:
  const wire::Name& owner_;
  const wire::Name& target_;
  uint32_t ttl_;
};

}  // namespace

AutoPath::AutoPath(std::vector<wire::Name> zones, SearchPath fixed, size_t workers)
    : zones_(std::move(zones)), fixed_(std::move(fixed)), workers_(workers), successes_(workers) {}

AutoPath::~AutoPath() = default;

asio::awaitable<Result> AutoPath::serve(Request& req, Next next) {
  // Lookups the server makes for itself (an ExternalName's target) are for
  // absolute names: never completed.
  bool mine = req.depth == 0;
  if (mine) {
    mine = false;
    for (const auto& z : zones_) mine |= req.query.qname_lower.is_subdomain_of(z);
  }
  if (!mine) co_return co_await next(req);
  QueryLease<InFlight> lease(workers_[req.worker].free);
  lease.get().path.count = 0;
  co_return co_await walk(req, next, lease.get());
}

asio::awaitable<Result> AutoPath::walk(Request& req, Next next, InFlight& st) const {
  const SearchPath* path = &fixed_;
  if (source_) {
    if (!source_->search_path(req, st.path)) co_return co_await next(req);
    path = &st.path;
  }
  // Only a name below the list's first domain is a search-list expansion
  // (CoreDNS also takes the domain itself, then fails it with SERVFAIL).
  if (path->count == 0) co_return co_await next(req);
  const wire::Name& first = path->names[0];
  if (!req.query.qname_lower.is_subdomain_of(first) || req.query.qname_lower.size() == first.size())
    co_return co_await next(req);

  st.qname = req.query.qname;
  st.qname_lower = req.query.qname_lower;
  const size_t base = st.qname.size() - first.size();  // wire bytes of the labels the client typed
  static const wire::Name kRoot;
  Result first_res;
  bool have_first = false;
  for (size_t i = 0; i <= path->count; ++i) {
    if (i > 0) {
      const wire::Name& suffix = i < path->count ? path->names[i] : kRoot;
      if (!join(st.qname, base, suffix, req.query.qname)) continue;
      req.query.qname_lower = req.query.qname;
      req.query.qname_lower.lowercase();
      req.response.start_response(req.query, req.packet);
    }
    Result res = co_await next(req);
    const bool found = res.answered && req.response.rcode() != wire::rcode::NXDOMAIN;
    if (i == 0) {
      if (found) {
        successes_[req.worker].add();
        co_return res;  // the name as asked exists: nothing to complete
      }
      first_res = res;
      have_first = res.answered;
      if (have_first) st.first.assign(req.response.data().begin(), req.response.data().end());
      continue;
    }
    if (!found) continue;

    req.query.qname = st.qname;
    req.query.qname_lower = st.qname_lower;
    wire::Name target;
    uint32_t ttl = 0;
    const bool alias = alias_target(req.response.data(), st.qname, target, ttl);
    wire::MessageWriter out(st.scratch, st.scratch.size());
    AliasFirst edits(st.qname, target, ttl);
    wire::RecordEdits none;
    if (!wire::copy_message(req.response.data(), req.query, req.packet, out,
                            alias ? static_cast<wire::RecordEdits&>(edits) : none))
      continue;  // a reply we cannot walk would show the other name: try on
    req.response.assign(out.data());
    successes_[req.worker].add();
    co_return res;
  }
  // Nothing better: the reply to the question as asked.
  req.query.qname = st.qname;
  req.query.qname_lower = st.qname_lower;
  req.response.start_response(req.query, req.packet);
  if (have_first) req.response.assign(st.first);
  co_return first_res;
}

}  // namespace skycore::plugins::autopath
