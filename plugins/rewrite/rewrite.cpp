#include "plugins/rewrite/rewrite.h"

#include <algorithm>
#include <cstring>

#include "core/wire/header.h"
#include "core/wire/message_copy.h"
#include "core/wire/reader.h"

namespace skycore::plugins::rewrite {

namespace {

uint16_t option_code(const Edns0Rule& e) {
  switch (e.option) {
    case Edns0Rule::Option::nsid: return 3;
    case Edns0Rule::Option::subnet: return 8;
    case Edns0Rule::Option::local: break;
  }
  return e.code;
}

void restore(Request& req, const InFlight& st) {
  req.query.qname = st.qname;
  req.query.qname_lower = st.qname_lower;
  req.query.qtype = st.qtype;
  req.query.qclass = st.qclass;
}

// `n` rewritten by a pattern over its lowercased text; unchanged when the
// pattern does not match or makes no legal name.
void rewrite_name(wire::Name& n, const NamePattern& p, uint16_t worker, std::string& text, std::string& out) {
  wire::Name lower = n;
  lower.lowercase();
  lower.to_text(text);
  if (!p.rewrite(text, worker, out)) return;
  if (auto r = wire::Name::from_text(out)) n = *r;
}

// A name equal to `after`, or under it, mapped onto `before` (CoreDNS's
// remap for exact rules and `answer auto`).
void remap(wire::Name& n, const wire::Name& after, const wire::Name& before) {
  if (!n.is_subdomain_of(after)) return;
  const size_t prefix = n.size() - after.size();
  if (prefix + before.size() > wire::kMaxNameLength) return;
  std::array<uint8_t, wire::kMaxNameLength> bytes;
  std::memcpy(bytes.data(), n.wire().data(), prefix);
  std::memcpy(bytes.data() + prefix, before.wire().data(), before.size());
  n = wire::Name::from_wire_unchecked({bytes.data(), prefix + before.size()});
}

// The answer side of the rules that fired, record by record.
class AnswerEdits final : public wire::RecordEdits {
 public:
  AnswerEdits(const InFlight& st, uint16_t worker, std::string& text, std::string& out, int cname_at,
              const wire::Name& cname_target, std::span<const uint8_t> cname_answers)
      : st_(st), worker_(worker), text_(text), out_(out), cname_at_(cname_at),
        cname_target_(cname_target), cname_answers_(cname_answers) {}

  bool keep(wire::Section s, size_t i, uint16_t) override {
    in_answer_ = s == wire::Section::answer;
    index_ = i;
    return cname_at_ < 0 || !in_answer_ || i <= size_t(cname_at_);
  }
  void owner(wire::Name& n) override { names(n, false); }
  void value(wire::Name& n, uint16_t type) override {
    if (in_answer_ && cname_at_ >= 0 && index_ == size_t(cname_at_) && type == wire::rrtype::CNAME)
      n = cname_target_;
    names(n, true);
  }
  void ttl(uint32_t& ttl) override {
    for (auto f = st_.fired.rbegin(); f != st_.fired.rend(); ++f)
      if (f->rule->field == Field::ttl) ttl = std::clamp(ttl, f->rule->ttl_min, f->rule->ttl_max);
  }
  void after_answers(wire::MessageWriter& w) override {
    if (!cname_answers_.empty()) wire::append_answers(cname_answers_, w);
  }

 private:
  void names(wire::Name& n, bool value) {
    for (auto f = st_.fired.rbegin(); f != st_.fired.rend(); ++f) {
      const Rule& r = *f->rule;
      if (r.field != Field::name) continue;
      for (auto a = r.answers.rbegin(); a != r.answers.rend(); ++a)
        if (a->value == value) rewrite_name(n, a->pattern, worker_, text_, out_);
      if (r.auto_answer) remap(n, f->after, f->before);
    }
  }

  const InFlight& st_;
  uint16_t worker_;
  std::string& text_;
  std::string& out_;
  int cname_at_;
  const wire::Name& cname_target_;
  std::span<const uint8_t> cname_answers_;
  bool in_answer_ = false;
  size_t index_ = 0;
};

// The first CNAME in the answer whose target a fired cname rule rewrites:
// its index and new target, or -1.
int find_cname(std::span<const uint8_t> msg, const InFlight& st, uint16_t worker, std::string& text,
               std::string& out, wire::Name& target) {
  if (msg.size() < wire::kHeaderSize) return -1;
  wire::HeaderView h{msg.data()};
  wire::WireReader r(msg, wire::kHeaderSize);
  r.skip_questions(h.qdcount());
  for (uint16_t i = 0; i < h.ancount() && r.ok(); ++i) {
    r.skip_name();
    uint16_t type = r.u16();
    r.skip(6);
    uint16_t len = r.u16();
    size_t end = r.pos() + len;
    if (type == wire::rrtype::CNAME) {
      wire::Name t;
      r.name(t);
      if (!r.ok()) return -1;
      t.lowercase();
      t.to_text(text);
      for (const auto& f : st.fired) {
        if (f.rule->field != Field::cname || !f.rule->pattern.rewrite(text, worker, out)) continue;
        if (auto n = wire::Name::from_text(out)) {
          target = *n;
          return i;
        }
      }
    }
    if (r.pos() > end) return -1;
    r.skip(end - r.pos());
  }
  return -1;
}

}  // namespace

Rewrite::Rewrite(std::vector<Rule> rules, size_t workers) : rules_(std::move(rules)), workers_(workers) {
  for (const auto& r : rules_)
    if (r.field == Field::edns0) option_codes_.push_back(option_code(r.edns0));
}

Rewrite::Applied Rewrite::apply(const Rule& r, Request& req, InFlight& st, Worker& w) const {
  auto& q = req.query;
  switch (r.field) {
    case Field::name: {
      q.qname_lower.to_text(w.text);
      if (!r.pattern.rewrite(w.text, req.worker, w.out)) return Applied::ignored;
      auto n = wire::Name::from_text(w.out);
      if (!n || w.out.empty() || w.out.back() != '.') return Applied::invalid;
      Fired f{&r, q.qname, *n};
      q.qname = *n;
      q.qname_lower = *n;
      q.qname_lower.lowercase();
      if (r.has_response_side()) st.fired.push_back(f);
      return Applied::done;
    }
    case Field::type:
      if (q.qtype != r.from) return Applied::ignored;
      q.qtype = r.to;
      return Applied::done;
    case Field::cls:
      if (q.qclass != r.from) return Applied::ignored;
      q.qclass = r.to;
      return Applied::done;
    case Field::ttl:
    case Field::rcode:
      q.qname_lower.to_text(w.text);
      if (!r.pattern.matches(w.text, req.worker)) return Applied::ignored;
      st.fired.push_back({&r, {}, {}});
      return Applied::done;
    case Field::cname:
      st.fired.push_back({&r, {}, {}});
      return Applied::done;
    case Field::edns0: return st.options.apply(r.edns0, req) ? Applied::done : Applied::ignored;
  }
  return Applied::ignored;
}

asio::awaitable<Result> Rewrite::serve(Request& req, Next next) {
  Worker& w = workers_[req.worker];
  QueryLease<InFlight> lease(w.free);
  InFlight& st = lease.get();
  st.fired.clear();
  st.fired.reserve(rules_.size());  // once: capacity stays with the pooled state
  st.options.clear();
  st.qname = req.query.qname;
  st.qname_lower = req.query.qname_lower;
  st.qtype = req.query.qtype;
  st.qclass = req.query.qclass;
  if (!option_codes_.empty())
    st.options.take_client(req.packet, [this](uint16_t code) {
      return std::find(option_codes_.begin(), option_codes_.end(), code) != option_codes_.end();
    });

  bool fired = false, options_changed = false;
  for (const Rule& r : rules_) {
    Applied a = apply(r, req, st, w);
    if (a == Applied::invalid) {
      std::string bad = w.out;
      restore(req, st);
      co_return Result::unanswered(name(), wire::rcode::SERVFAIL, "rewrite: invalid name after rewrite: " + bad);
    }
    if (a != Applied::done) continue;
    fired = true;
    options_changed |= r.field == Field::edns0;
    if (r.stop) break;
  }
  if (!fired) co_return co_await next(req);

  const bool question_changed = !(req.query.qname.wire().size() == st.qname.size() &&
                                  std::equal(st.qname.wire().begin(), st.qname.wire().end(),
                                             req.query.qname.wire().begin())) ||
                                req.query.qtype != st.qtype || req.query.qclass != st.qclass;
  if (question_changed) req.response.start_response(req.query, req.packet);
  if (options_changed) req.edns_options = st.options.bytes();
  Result res = co_await next(req);
  req.edns_options = {};
  restore(req, st);
  if (!question_changed && st.fired.empty()) co_return res;
  if (!res.answered) {
    for (auto f = st.fired.rbegin(); f != st.fired.rend(); ++f)
      if (f->rule->field == Field::rcode && res.rcode == f->rule->from) res.rcode = f->rule->to;
    co_return res;
  }
  co_await rewrite_answer(req, st, res);
  co_return res;
}

asio::awaitable<void> Rewrite::rewrite_answer(Request& req, InFlight& st, Result& res) const {
  wire::Name target;
  std::vector<uint8_t> cname_reply;
  int cname_at = -1;
  {
    Worker& w = workers_[req.worker];
    cname_at = find_cname(req.response.data(), st, req.worker, w.text, w.out, target);
  }
  if (cname_at >= 0 && req.resolver) cname_reply = co_await req.resolver->resolve(req, target, st.qtype);
  std::span<const uint8_t> cname_answers;
  if (cname_reply.size() >= wire::kHeaderSize) cname_answers = cname_reply;

  Worker& w = workers_[req.worker];  // the same worker: a coroutine resumes where it started
  if (w.scratch.empty()) w.scratch.resize(wire::kMaxMessage);
  wire::MessageWriter out(w.scratch, w.scratch.size());
  AnswerEdits edits(st, req.worker, w.text, w.out, cname_at, target, cname_answers);
  if (!wire::copy_message(req.response.data(), req.query, req.packet, out, edits)) {
    // An answer we cannot walk would show the rewritten name: fail instead.
    req.response.start_response(req.query, req.packet);
    req.response.set_rcode(wire::rcode::SERVFAIL);
    res = Result::written(name(), wire::rcode::SERVFAIL);
    co_return;
  }
  uint16_t rcode = out.rcode();
  for (auto f = st.fired.rbegin(); f != st.fired.rend(); ++f)
    if (f->rule->field == Field::rcode && rcode == f->rule->from) rcode = f->rule->to;
  if (rcode != out.rcode()) {
    out.set_rcode(rcode);
    res.rcode = rcode;
  }
  req.response.assign(out.data());
}

}  // namespace skycore::plugins::rewrite
