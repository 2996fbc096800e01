// Copying a whole message record by record into a MessageWriter while a
// caller changes names, TTLs or which records stay (rewrite's answer side).
// Names inside rdata are decompressed and re-compressed against the new
// message, so a changed name never leaves a pointer dangling. Not for the
// hot path of every query: only messages someone has to change.
#pragma once
#include <cstdint>
#include <span>

#include "core/wire/name.h"
#include "core/wire/query.h"
#include "core/wire/types.h"
#include "core/wire/writer.h"

namespace skycore::wire {

// The edits a copy makes. Defaults change nothing.
class RecordEdits {
 public:
  virtual ~RecordEdits() = default;
  // Whether the record (its position in the answer section for an answer)
  // is copied at all.
  virtual bool keep(Section, size_t /*index*/, uint16_t /*type*/) { return true; }
  virtual void owner(Name&) {}
  // The name a record points at: the target of CNAME, DNAME, NS, PTR, MX,
  // SRV and a SOA's primary server (other names in rdata are copied as they are).
  virtual void value(Name&, uint16_t /*type*/) {}
  virtual void ttl(uint32_t&) {}
  // Called once before the first answer record, to put records in front.
  virtual void before_answers(MessageWriter&) {}
  // Called once after the last kept answer record, to append records.
  virtual void after_answers(MessageWriter&) {}
};

// Writes `msg` into `out` (already reset to a buffer and limit): the header
// flags and rcode of `msg`, the question of `question`/`query_packet`,
// then every record with `edits` applied. OPT records are copied untouched.
// False when `msg` cannot be walked (nothing sensible was written).
bool copy_message(std::span<const uint8_t> msg, const Query& question,
                  std::span<const uint8_t> query_packet, MessageWriter& out, RecordEdits& edits);

// Appends the answer records of `msg` to `out`'s answer section (records
// that do not fit are left out, as any add). False when `msg` cannot be walked.
bool append_answers(std::span<const uint8_t> msg, MessageWriter& out);

}  // namespace skycore::wire
