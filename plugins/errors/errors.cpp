#include "plugins/errors/errors.h"

#include <fmt/format.h>

#include <cstdio>

namespace skycore::plugins::errors {

std::string format_error(const Request& req, const Result& r) {
  const char* type = wire::type_name(req.query.qtype);
  return fmt::format("[ERROR] plugin/errors: {} {} {}: {}\n", r.rcode, req.query.qname.to_text(),
                     type ? std::string(type) : wire::type_to_string(req.query.qtype), r.error);
}

asio::awaitable<Result> Errors::serve(Request& req, Next next) {
  req.observe(this);
  return next(req);
}

void Errors::finished(const Request& req, const Result& r, const Finished&) {
  if (r.error.empty()) return;
  // Errors are the slow path; one fwrite keeps lines whole across workers.
  std::string line = format_error(req, r);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

}  // namespace skycore::plugins::errors
