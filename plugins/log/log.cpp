#include "plugins/log/log.h"

#include <array>
#include <chrono>

#include "core/wire/header.h"
#include "core/wire/reader.h"

namespace skycore::plugins::log {

uint8_t classify(const Request& req, const Finished& o) {
  if (o.rcode == wire::rcode::NXDOMAIN) return kDenial;
  if (o.rcode != wire::rcode::NOERROR) return kError;
  auto msg = req.response.data();
  if (msg.size() < wire::kHeaderSize) return kDenial;
  wire::HeaderView h{msg.data()};
  if (h.ancount() > 0) return kSuccess;
  if (h.nscount() == 0) return kDenial;
  // No answer: a delegation (NS in authority) is success, else NODATA.
  wire::WireReader r(msg, wire::kHeaderSize);
  r.skip_questions(h.qdcount());
  r.skip_name();
  return r.u16() == wire::rrtype::NS && r.ok() ? kSuccess : kDenial;
}

Log::Log(std::vector<Rule> rules, std::shared_ptr<LineSink> sink)
    : rules_(std::move(rules)), sink_(std::move(sink)) {}

asio::awaitable<Result> Log::serve(Request& req, Next next) {
  // A lookup a plugin makes on a client's behalf (an ExternalName target)
  // is not a query anyone sent: CoreDNS logs client queries only.
  if (req.depth == 0) req.observe(this);
  return next(req);
}

void Log::finished(const Request& req, const Result&, const Finished& o) {
  for (const auto& rule : rules_) {
    bool match = false;
    for (const auto& n : rule.names) match |= req.query.qname_lower.is_subdomain_of(n);
    if (!match) continue;
    if (!o.sent || !(classify(req, o) & rule.classes)) break;  // nothing went out: nothing to log
    std::array<char, 1024> line;
    size_t n = render(rule.format, req, o, line);
    sink_->push(req.worker, {line.data(), n});
    break;  // the first matching rule decides, as in CoreDNS
  }
}

}  // namespace skycore::plugins::log
