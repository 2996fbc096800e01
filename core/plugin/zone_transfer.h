// Zone transfers (AXFR, RFC 5936) of zones that plugins answer from data
// (kubernetes, k8s_external): a source writes the zone's records into a
// TransferWriter, which packs them into messages of at most 500 records
// or 64 KiB; the transfer plugin sends them over the client's TCP stream.
// Transfers are rare and whole: this allocates freely.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "core/plugin/request.h"
#include "core/wire/name.h"
#include "core/wire/writer.h"

namespace skycore {

class TransferWriter {
 public:
  explicit TransferWriter(const Request& req) : req_(req) { start(); }
  // Appends one record written by `write` (a MessageWriter call adding it
  // to the answer section); a record that does not fit starts a new
  // message. False if it fits in no message at all.
  bool add(const std::function<bool(wire::MessageWriter&)>& write);
  // Records past the first `n` are dropped (IXFR's "up to date": the SOA alone).
  void keep_only(size_t n) { keep_ = n; }
  // The messages, the last one included (empty ones dropped).
  std::vector<std::vector<uint8_t>> finish();
  const Request& request() const { return req_; }

 private:
  void start();
  void close_current();
  const Request& req_;
  std::vector<std::vector<uint8_t>> done_;
  std::vector<uint8_t> buf_;
  wire::MessageWriter w_;
  size_t records_ = 0;
  size_t total_ = 0, keep_ = SIZE_MAX;
};

class ZoneTransferSource {
 public:
  virtual ~ZoneTransferSource() = default;
  // Whether this plugin answers `zone` (lowercased) and can transfer it.
  virtual bool transfers(const wire::Name& zone) const = 0;
  // The zone's SOA serial, for IXFR's "up to date" answer.
  virtual uint32_t transfer_serial(const wire::Name& zone) const = 0;
  // Every record of `zone`, SOA first and last (RFC 5936 2.2).
  virtual void transfer(const wire::Name& zone, TransferWriter& out) const = 0;
};

}  // namespace skycore
