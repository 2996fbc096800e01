// Builds a DNS message into a caller's buffer. Records are appended section
// by section (answer, authority, additional); a record that does not fit
// within the size limit is rolled back whole. Losing an answer or authority
// record sets TC (RFC 2181 9); losing an additional one does not.
#pragma once
#include <algorithm>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/wire/compression.h"
#include "core/wire/name.h"
#include "core/wire/query.h"
#include "core/wire/types.h"

namespace skycore::wire {

class MessageWriter {
 public:
  MessageWriter() = default;
  MessageWriter(std::span<uint8_t> buf, size_t limit) { reset(buf, limit); }

  // Targets `buf`, never writing past min(limit, buf.size()).
  void reset(std::span<uint8_t> buf, size_t limit);

  // Header for a response to `q`: its ID, opcode, RD and CD; QR set. The
  // question is copied verbatim from the query packet (keeps the client's case).
  // Space reserve()d stays reserved.
  void start_response(const Query& q, std::span<const uint8_t> query_packet);
  // Header + question for a query we originate (forward, health checks).
  bool start_query(uint16_t id, uint16_t flags, const Name& qname, uint16_t qtype,
                   uint16_t qclass);

  void set_rcode(uint16_t rc);  // the low 4 bits; extended bits travel in OPT
  void set_flag(uint16_t f, bool on = true);
  uint16_t rcode() const;
  bool truncated() const { return truncated_; }

  // Space kept back for a record added at the very end (the OPT record).
  void reserve(size_t n) { reserved_ += n; }
  void unreserve(size_t n) { reserved_ = n > reserved_ ? 0 : reserved_ - n; }

  // Typed appenders; false when the record did not fit (nothing written).
  bool add_a(Section s, const Name& owner, uint32_t ttl, std::span<const uint8_t, 4> ip);
  bool add_aaaa(Section s, const Name& owner, uint32_t ttl, std::span<const uint8_t, 16> ip);
  // CNAME, PTR, NS: a single (compressed) name as rdata.
  bool add_name_rr(Section s, const Name& owner, uint16_t type, uint32_t ttl, const Name& target);
  bool add_mx(Section s, const Name& owner, uint32_t ttl, uint16_t pref, const Name& exchange);
  // SRV targets are not compressed (RFC 2782).
  bool add_srv(Section s, const Name& owner, uint32_t ttl, uint16_t prio, uint16_t weight,
               uint16_t port, const Name& target);
  // Each string becomes one <character-string>; strings over 255 octets are split.
  bool add_txt(Section s, const Name& owner, uint32_t ttl, std::span<const std::string_view> txt,
               uint16_t cls = rrclass::IN);
  bool add_soa(Section s, const Name& owner, uint32_t ttl, const Name& mname, const Name& rname,
               uint32_t serial, uint32_t refresh, uint32_t retry, uint32_t expire,
               uint32_t minimum);
  // Any type with rdata as opaque bytes (RFC 3597); no name compression inside.
  bool add_opaque(Section s, const Name& owner, uint16_t type, uint16_t cls, uint32_t ttl,
                  std::span<const uint8_t> rdata);
  // OPT pseudo-record; call last. ext_rcode is the rcode's upper 8 bits;
  // `options` are whole option TLVs (code, length, data) for its rdata.
  bool add_opt(uint16_t udp_size, uint8_t ext_rcode, bool do_bit,
               std::span<const uint8_t> options = {});

  // A record of any type whose rdata is written piece by piece (copying a
  // message while names inside rdata change): begin_record, then rdata_*,
  // then end_record, which rolls the record back whole when it did not fit.
  bool begin_record(Section s, const Name& owner, uint16_t type, uint16_t cls, uint32_t ttl);
  void rdata_bytes(std::span<const uint8_t> b) { put_bytes(b); }
  void rdata_u16(uint16_t v) { put16(v); }
  void rdata_name(const Name& n, bool compress) { put_name(n, compress); }
  bool end_record();
  // Drops the record begin_record() started (its rdata turned out invalid).
  void rollback_record();

  // Whole-message replacement (a cached or upstream answer). A message
  // larger than the limit keeps the whole records that fit and its OPT, and
  // gets TC when an answer or authority record was left out: the same
  // truncation an answer built here gets. Space reserve()d stays free when
  // the message has no OPT of its own (it is for the OPT added at the end).
  bool assign(std::span<const uint8_t> msg);
  // Like assign() for a message already written into this writer's buffer
  // (e.g. an upstream reply received in place): no copy.
  bool adopt(size_t len);

  // True after assign(): the message came whole from elsewhere (cache,
  // upstream).
  bool assigned() const { return assigned_; }
  // Whether the message holds an OPT record (add_opt, or one in a message
  // taken whole); remove_opt() takes it out again.
  bool has_opt() const { return has_opt_; }
  void remove_opt();

  size_t size() const { return pos_; }
  std::span<const uint8_t> data() const { return {buf_.data(), pos_}; }
  std::span<uint8_t> mutable_data() { return {buf_.data(), pos_}; }
  size_t limit() const { return limit_; }
  // Lowers the limit (never below what is written): a plugin that shrinks
  // the client's buffer size (bufsize) before anything is answered.
  void lower_limit(size_t n) { limit_ = std::max(pos_, std::min(limit_, n)); }

 private:
  // One record under construction: overflow is tracked, not thrown.
  struct Mark { size_t pos; size_t compression; };
  bool begin(Section s, const Name& owner, uint16_t type, uint16_t cls, uint32_t ttl, Mark& m);
  bool finish(Section s, const Mark& m);
  void put8(uint8_t v);
  void put16(uint16_t v);
  void put32(uint32_t v);
  void put_bytes(std::span<const uint8_t> b);
  void put_name(const Name& n, bool compress);
  bool room(size_t n) const { return pos_ + n + reserved_ <= limit_; }
  void take_whole(size_t len, bool opt);  // the buffer holds a whole message of len bytes
  void keep_question_only(size_t qend);  // cut to header + question, TC set

  std::span<uint8_t> buf_;
  size_t limit_ = 0;
  size_t pos_ = 0;
  size_t reserved_ = 0;
  size_t rdata_at_ = 0;
  bool overflow_ = false;
  bool truncated_ = false;
  bool assigned_ = false;
  bool has_opt_ = false;
  Section section_ = Section::answer;
  Mark open_{0, 0};  // the record begin_record() started
  CompressionTable compression_;
};

}  // namespace skycore::wire
