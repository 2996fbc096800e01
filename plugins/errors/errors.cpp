#include "plugins/errors/errors.h"

#include <fmt/format.h>

#include <cstdio>

#include "core/corefile/duration.h"

namespace skycore::plugins::errors {

std::string format_error(const Request& req, const Result& r) {
  const char* type = wire::type_name(req.query.qtype);
  return fmt::format("[ERROR] plugin/errors: {} {} {}: {}\n", r.rcode, req.query.qname.to_text(),
                     type ? std::string(type) : wire::type_to_string(req.query.qtype), r.error);
}

Errors::Errors(std::vector<Consolidate> patterns) {
  for (auto& c : patterns) {
    auto p = std::make_unique<Pattern>();
    p->cfg = std::move(c);
    patterns_.push_back(std::move(p));
  }
}

void Errors::start() {
  for (size_t i = 0; i < patterns_.size(); ++i) {
    auto& p = *patterns_[i];
    if (p.task) continue;
    p.task = std::make_unique<PeriodicTask>("errors", p.cfg.period, [this, i] { flush(i); });
    p.task->start();
  }
}

void Errors::stop() {
  for (auto& p : patterns_)
    if (p->task) p->task->stop();
}

void Errors::flush(size_t i) {
  auto& p = *patterns_[i];
  if (uint64_t n = p.count.exchange(0))
    plugin_log("errors", p.cfg.level, "{} errors like '{}' occurred in last {}", n, p.cfg.text,
               corefile::format_duration(p.cfg.period));
}

asio::awaitable<Result> Errors::serve(Request& req, Next next) {
  req.observe(this);
  return next(req);
}

void Errors::finished(const Request& req, const Result& r, const Finished&) {
  if (r.error.empty()) return;
  // Errors are the slow path; one fwrite keeps lines whole across workers.
  std::string line = format_error(req, r);
  // As CoreDNS: the message is matched without the "[ERROR] plugin/errors: "
  // prefix, and the first pattern that matches takes it.
  std::string_view message(line);
  message.remove_prefix(sizeof("[ERROR] plugin/errors: ") - 1);
  message.remove_suffix(1);
  for (auto& p : patterns_)
    if (RE2::PartialMatch(message, *p->cfg.re)) {
      p->count.fetch_add(1, std::memory_order_relaxed);
      return;
    }
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

}  // namespace skycore::plugins::errors
