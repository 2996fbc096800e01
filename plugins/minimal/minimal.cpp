#include "plugins/minimal/minimal.h"

#include "core/wire/header.h"
#include "core/wire/message_copy.h"

namespace skycore::plugins::minimal {
namespace {

// Keeps the answer section and an OPT record, nothing else.
class AnswerOnly final : public wire::RecordEdits {
 public:
  bool keep(wire::Section s, size_t, uint16_t type) override {
    return s == wire::Section::answer || (s == wire::Section::additional && type == wire::rrtype::OPT);
  }
};

}  // namespace

asio::awaitable<Result> Minimal::serve(Request& req, Next next) {
  Result r = co_await next(req);
  auto msg = req.response.data();
  if (!r.answered || msg.size() < wire::kHeaderSize) co_return r;
  wire::HeaderView h{msg.data()};
  if (h.rcode() != wire::rcode::NOERROR || h.ancount() == 0 || (h.nscount() == 0 && h.arcount() == 0)) co_return r;
  auto& buf = scratch_[req.worker];
  if (buf.empty()) buf.resize(wire::kMaxMessage);
  wire::MessageWriter out(buf, buf.size());
  AnswerOnly edits;
  if (wire::copy_message(msg, req.query, req.packet, out, edits)) req.response.assign(out.data());
  co_return r;
}

}  // namespace skycore::plugins::minimal
