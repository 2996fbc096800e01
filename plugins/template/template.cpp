#include "plugins/template/template.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <cstring>

#include "core/plugin/metrics.h"
#include "core/plugin/qname.h"
#include "core/wire/header.h"
#include "core/wire/message_copy.h"

namespace skycore::plugins::template_ {
namespace {

void mnemonic(char (&out)[16], const char* name, const char* prefix, uint16_t v) {
  if (name) fmt::format_to_n(out, sizeof out - 1, "{}", name).out[0] = 0;
  else fmt::format_to_n(out, sizeof out - 1, "{}{}", prefix, v).out[0] = 0;
}

void remote_text(const asio::ip::address& a, char (&out)[64]) {
  out[0] = 0;
  if (a.is_v4()) {
    auto b = a.to_v4().to_bytes();
    inet_ntop(AF_INET, b.data(), out, sizeof out);
  } else {
    auto b = a.to_v6().to_bytes();
    inet_ntop(AF_INET6, b.data(), out, sizeof out);
  }
}

}  // namespace

TemplatePlugin::TemplatePlugin(std::vector<Template> templates, size_t workers)
    : templates_(std::move(templates)), workers_(workers) {
  for (const auto& t : templates_) zones_.insert(zones_.end(), t.zones.begin(), t.zones.end());
  for (size_t i = 0; i < workers_.size(); ++i) {
    auto& c = workers_[static_cast<uint16_t>(i)].counters;
    c.matches = std::vector<WorkerCounter>(templates_.size());
    c.template_failures = std::vector<WorkerCounter>(templates_.size());
    c.rr_failures = std::vector<WorkerCounter>(templates_.size());
    workers_[static_cast<uint16_t>(i)].scratch.rendered.reserve(512);
  }
}

TemplatePlugin::Outcome TemplatePlugin::match(const Template& t, const Request& req, Scratch& s) const {
  const auto& q = req.query;
  s.matched_zone = longest_zone(t.zones, q.qname_lower);
  if (!s.matched_zone) return Outcome::no_match;
  if (t.qclass != wire::rrclass::ANY && q.qclass != wire::rrclass::ANY && q.qclass != t.qclass) return Outcome::no_match;
  if (t.qtype != wire::rrtype::ANY && q.qtype != wire::rrtype::ANY && q.qtype != t.qtype) return Outcome::no_match;
  const re2::StringPiece name(s.name);
  s.which = nullptr;
  if (t.matches.empty()) {  // CoreDNS's default `.*`: group 0 is the whole name
    s.groups[0] = name;
    s.ngroups = 1;
    return Outcome::matched;
  }
  for (const auto& m : t.matches) {
    const RE2& re = m.re->at(req.worker);
    if (!t.uses_groups) {
      // A test without groups runs on RE2's DFA: no allocation.
      if (!RE2::PartialMatch(name, re)) continue;
      s.ngroups = 0;
    } else {
      s.ngroups = std::min<int>(re.NumberOfCapturingGroups() + 1, int(s.groups.size()));
      if (!re.Match(name, 0, name.size(), RE2::UNANCHORED, s.groups.data(), s.ngroups)) continue;
    }
    s.which = &m;
    return Outcome::matched;
  }
  return t.fall.covers(q.qname_lower) ? Outcome::no_match : Outcome::servfail;
}

asio::awaitable<Result> TemplatePlugin::serve(Request& req, Next next) {
  const auto& q = req.query;
  if (!longest_zone(zones_, q.qname_lower)) co_return co_await next(req);
  Worker& w = workers_[req.worker];
  Scratch& s = w.scratch;
  q.qname_lower.to_text(s.name);
  for (size_t i = 0; i < templates_.size(); ++i) {
    const Template& t = templates_[i];
    switch (match(t, req, s)) {
      case Outcome::no_match: continue;
      case Outcome::servfail: co_return Result::unanswered(name(), wire::rcode::SERVFAIL);
      case Outcome::matched: break;
    }
    w.counters.matches[i].add();
    if (t.rcode == wire::rcode::SERVFAIL) co_return Result::unanswered(name(), wire::rcode::SERVFAIL);
    const bool chase = t.may_chase && req.resolver &&
                       (q.qtype == wire::rrtype::A || q.qtype == wire::rrtype::AAAA);
    if (!chase) co_return co_await answer(req, i, s, false);
    // Following a CNAME waits: this answer keeps its own copy of the text.
    auto own = std::make_unique<Scratch>();
    q.qname_lower.to_text(own->name);
    match(t, req, *own);
    co_return co_await answer(req, i, *own, true);
  }
  co_return co_await next(req);
}

asio::awaitable<Result> TemplatePlugin::answer(Request& req, size_t index, Scratch& s, bool chase) const {
  const Template& t = templates_[index];
  const auto& q = req.query;
  mnemonic(s.cls, wire::class_name(q.qclass != wire::rrclass::ANY ? q.qclass : t.qclass), "CLASS",
           q.qclass != wire::rrclass::ANY ? q.qclass : t.qclass);
  mnemonic(s.type, wire::type_name(q.qtype != wire::rrtype::ANY ? q.qtype : t.qtype), "TYPE",
           q.qtype != wire::rrtype::ANY ? q.qtype : t.qtype);
  remote_text(req.remote_addr, s.remote);
  s.matched_zone->to_text(s.zone);
  TemplateData d;
  d.name = s.name;
  d.zone = s.zone;
  d.cls = s.cls;
  d.type = s.type;
  d.remote = s.remote;
  d.regex = s.which ? std::string_view(s.which->re->pattern()) : std::string_view(".*");
  d.groups = s.groups.data();
  d.group_count = s.ngroups;
  d.named = s.which ? &s.which->named : nullptr;
  d.id = q.id;

  auto& w = req.response;
  w.set_flag(wire::flag::AA);
  w.set_rcode(t.rcode);
  const std::vector<GoTemplate>* sections[3] = {&t.answer, &t.authority, &t.additional};
  const wire::Section which[3] = {wire::Section::answer, wire::Section::authority, wire::Section::additional};
  for (int sec = 0; sec < 3; ++sec) {
    for (const auto& rr : *sections[sec]) {
      s.rendered.clear();
      if (!rr.render(d, s.rendered)) {
        workers_[req.worker].counters.template_failures[index].add();
        co_return Result::unanswered(name(), wire::rcode::SERVFAIL,
                                     "template: executing '" + rr.text() + "' failed");
      }
      RrStatus st = write_rr(s.rendered, which[sec], w, s.head);
      if (st == RrStatus::invalid) {
        workers_[req.worker].counters.rr_failures[index].add();
        co_return Result::unanswered(name(), wire::rcode::SERVFAIL,
                                     "template: invalid resource record '" + s.rendered + "'");
      }
      if (chase && sec == 0 && st == RrStatus::written && s.head.type == wire::rrtype::CNAME) {
        // As CoreDNS: an A/AAAA question also gets what the target resolves to.
        auto reply = co_await req.resolver->resolve(req, s.head.target, q.qtype);
        if (reply.size() >= wire::kHeaderSize) wire::append_answers(reply, w);
      }
    }
  }
  if (t.ederror && q.edns.present) {
    // RFC 8914: option 15, INFO-CODE then EXTRA-TEXT.
    std::string& o = s.rendered;
    o.clear();
    size_t len = 2 + t.ede_reason.size();
    for (uint16_t v : {uint16_t(15), uint16_t(len), t.ede_code}) {
      o.push_back(char(v >> 8));
      o.push_back(char(v & 0xFF));
    }
    o.append(t.ede_reason);
    w.add_opt(wire::kDefaultUdpCap, 0, q.edns.do_bit,
              {reinterpret_cast<const uint8_t*>(o.data()), o.size()});
  }
  co_return Result::written(name(), t.rcode);
}

void TemplatePlugin::collect(std::vector<prometheus::MetricFamily>& out, const std::string& server) const {
  auto matches = counter_family("skycore_template_matches_total", "Counter of template regex matches.");
  auto tfail = counter_family("skycore_template_template_failures_total", "Counter of go template failures.");
  auto rrfail = counter_family("skycore_template_rr_failures_total", "Counter of mis-templated RRs.");
  for (size_t i = 0; i < templates_.size(); ++i) {
    const auto& t = templates_[i];
    auto sum = [&](auto member) {
      return double(workers_.sum([&](const Worker& w) { return (w.counters.*member)[i].get(); }));
    };
    std::vector<prometheus::ClientMetric::Label> labels{
        {"server", server}, {"zone", t.zones.empty() ? "." : t.zones.front().to_text()}, {"view", ""},
        {"class", wire::class_to_string(t.qclass)}, {"type", wire::type_to_string(t.qtype)}};
    add_value(matches, labels, sum(&Counters::matches));
    auto with = [&](const char* section) {
      auto l = labels;
      l.push_back({"section", section});
      l.push_back({"template", std::to_string(i)});
      return l;
    };
    add_value(tfail, with("any"), sum(&Counters::template_failures));
    add_value(rrfail, with("any"), sum(&Counters::rr_failures));
  }
  for (auto* f : {&matches, &tfail, &rrfail}) {
    sum_duplicate_series(*f);
    out.push_back(std::move(*f));
  }
}

}  // namespace skycore::plugins::template_
