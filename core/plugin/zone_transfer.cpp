#include "core/plugin/zone_transfer.h"

#include "core/wire/header.h"

namespace skycore {
namespace {
constexpr size_t kRecordsPerMessage = 500;  // as CoreDNS batches them
}

void TransferWriter::start() {
  buf_.assign(wire::kMaxMessage, 0);
  w_.reset(buf_, wire::kMaxMessage);
  w_.start_response(req_.query, req_.packet);
  w_.set_flag(wire::flag::AA);
  records_ = 0;
}

void TransferWriter::close_current() {
  if (records_ == 0) return;
  auto d = w_.data();
  done_.emplace_back(d.begin(), d.end());
}

bool TransferWriter::add(const std::function<bool(wire::MessageWriter&)>& write) {
  if (total_ >= keep_) return true;
  ++total_;
  if (records_ < kRecordsPerMessage && write(w_) && !w_.truncated()) {
    ++records_;
    return true;
  }
  w_.set_flag(wire::flag::TC, false);  // full, not truncated: the record goes in the next message
  close_current();
  start();
  if (!write(w_) || w_.truncated()) return false;
  ++records_;
  return true;
}

std::vector<std::vector<uint8_t>> TransferWriter::finish() {
  close_current();
  records_ = 0;
  return std::move(done_);
}

}  // namespace skycore
