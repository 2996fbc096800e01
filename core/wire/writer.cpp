#include "core/wire/writer.h"

#include "core/wire/record.h"

#include <algorithm>
#include <cstring>

#include "core/wire/header.h"
#include "core/wire/reader.h"

namespace skycore::wire {
namespace {
constexpr size_t kCountAt[] = {6, 8, 10};  // ANCOUNT, NSCOUNT, ARCOUNT
}

void MessageWriter::reset(std::span<uint8_t> buf, size_t limit) {
  buf_ = buf;
  limit_ = std::min(limit, buf.size());
  pos_ = 0;
  reserved_ = 0;
  overflow_ = false;
  truncated_ = false;
  assigned_ = false;
  has_opt_ = false;
  section_ = Section::answer;
  compression_.clear();
}

void MessageWriter::start_response(const Query& q, std::span<const uint8_t> query_packet) {
  const size_t keep = reserved_;  // a reserve (the core's, for OPT) outlives a fresh start
  reset(buf_, limit_);
  reserved_ = keep;
  if (limit_ < kHeaderSize) { overflow_ = true; return; }
  std::memset(buf_.data(), 0, kHeaderSize);
  store16(&buf_[0], q.id);
  // RD and CD mean something only in a QUERY; other opcodes get them clear.
  const uint16_t copied = q.opcode == opcode::QUERY ? (q.flags & (flag::RD | flag::CD)) : 0;
  uint16_t f = flag::QR | copied | uint16_t(q.opcode & 0x0F) << 11;
  store16(&buf_[2], f);
  pos_ = kHeaderSize;
  if (q.has_question && room(q.qname.size() + 4)) {
    // The parsed qname keeps the client's case (0x20), so echo that.
    put_name(q.qname, false);
    compression_.add(kHeaderSize);
    // Suffixes of the qname are reachable too.
    auto w = q.qname.wire();
    for (size_t i = w[0] + 1; i < w.size() && w[i] != 0; i += w[i] + 1) compression_.add(kHeaderSize + i);
    put16(q.qtype);
    put16(q.qclass);
    store16(&buf_[4], 1);
  }
}

bool MessageWriter::start_query(uint16_t id, uint16_t flags, const Name& qname, uint16_t qtype,
                                uint16_t qclass) {
  reset(buf_, limit_);
  if (!room(kHeaderSize + qname.size() + 4)) return false;
  std::memset(buf_.data(), 0, kHeaderSize);
  store16(&buf_[0], id);
  store16(&buf_[2], flags);
  store16(&buf_[4], 1);
  pos_ = kHeaderSize;
  put_name(qname, true);
  put16(qtype);
  put16(qclass);
  return true;
}

void MessageWriter::set_rcode(uint16_t rc) {
  if (pos_ < kHeaderSize) return;
  buf_[3] = static_cast<uint8_t>((buf_[3] & 0xF0) | (rc & 0x0F));
}

uint16_t MessageWriter::rcode() const { return pos_ < kHeaderSize ? 0 : buf_[3] & 0x0F; }

void MessageWriter::set_flag(uint16_t f, bool on) {
  if (pos_ < kHeaderSize) return;
  uint16_t cur = load16(&buf_[2]);
  store16(&buf_[2], on ? (cur | f) : (cur & ~f));
  if (f == flag::TC) truncated_ = on;
}

void MessageWriter::put8(uint8_t v) {
  if (!room(1)) { overflow_ = true; return; }
  buf_[pos_++] = v;
}
void MessageWriter::put16(uint16_t v) {
  if (!room(2)) { overflow_ = true; return; }
  store16(&buf_[pos_], v);
  pos_ += 2;
}
void MessageWriter::put32(uint32_t v) {
  if (!room(4)) { overflow_ = true; return; }
  store32(&buf_[pos_], v);
  pos_ += 4;
}
void MessageWriter::put_bytes(std::span<const uint8_t> b) {
  if (!room(b.size())) { overflow_ = true; return; }
  if (!b.empty()) std::memcpy(&buf_[pos_], b.data(), b.size());
  pos_ += b.size();
}

void MessageWriter::put_name(const Name& n, bool compress) {
  auto w = n.wire();
  size_t i = 0;
  while (w[i] != 0) {
    if (compress) {
      if (uint16_t at = compression_.find(data(), n, i)) {
        put16(static_cast<uint16_t>(0xC000 | at));
        return;
      }
      if (!overflow_) compression_.add(pos_);
    }
    put_bytes(w.subspan(i, w[i] + 1));
    i += w[i] + 1;
  }
  put8(0);
}

bool MessageWriter::begin(Section s, const Name& owner, uint16_t type, uint16_t cls, uint32_t ttl,
                          Mark& m) {
  // Sections are append-only and in order; a TC'd message takes no more.
  if (pos_ < kHeaderSize || s < section_ || (truncated_ && type != rrtype::OPT)) return false;
  section_ = s;
  m = {pos_, compression_.count()};
  overflow_ = false;
  put_name(owner, true);
  put16(type);
  put16(cls);
  put32(ttl);
  put16(0);  // rdlength, patched in finish()
  rdata_at_ = pos_;
  return true;
}

bool MessageWriter::finish(Section s, const Mark& m) {
  if (overflow_ || pos_ - rdata_at_ > 0xFFFF) {
    pos_ = m.pos;
    compression_.truncate(m.compression);
    overflow_ = false;
    if (s != Section::additional) set_flag(flag::TC);
    return false;
  }
  store16(&buf_[rdata_at_ - 2], static_cast<uint16_t>(pos_ - rdata_at_));
  size_t at = kCountAt[static_cast<size_t>(s)];
  store16(&buf_[at], static_cast<uint16_t>(load16(&buf_[at]) + 1));
  return true;
}

bool MessageWriter::add_a(Section s, const Name& owner, uint32_t ttl, std::span<const uint8_t, 4> ip) {
  Mark m;
  if (!begin(s, owner, rrtype::A, rrclass::IN, ttl, m)) return false;
  put_bytes(ip);
  return finish(s, m);
}

bool MessageWriter::add_aaaa(Section s, const Name& owner, uint32_t ttl,
                             std::span<const uint8_t, 16> ip) {
  Mark m;
  if (!begin(s, owner, rrtype::AAAA, rrclass::IN, ttl, m)) return false;
  put_bytes(ip);
  return finish(s, m);
}

bool MessageWriter::add_name_rr(Section s, const Name& owner, uint16_t type, uint32_t ttl,
                                const Name& target) {
  Mark m;
  if (!begin(s, owner, type, rrclass::IN, ttl, m)) return false;
  put_name(target, true);
  return finish(s, m);
}

bool MessageWriter::add_mx(Section s, const Name& owner, uint32_t ttl, uint16_t pref,
                           const Name& exchange) {
  Mark m;
  if (!begin(s, owner, rrtype::MX, rrclass::IN, ttl, m)) return false;
  put16(pref);
  put_name(exchange, true);
  return finish(s, m);
}

bool MessageWriter::add_srv(Section s, const Name& owner, uint32_t ttl, uint16_t prio,
                            uint16_t weight, uint16_t port, const Name& target) {
  Mark m;
  if (!begin(s, owner, rrtype::SRV, rrclass::IN, ttl, m)) return false;
  put16(prio);
  put16(weight);
  put16(port);
  put_name(target, false);
  return finish(s, m);
}

bool MessageWriter::add_txt(Section s, const Name& owner, uint32_t ttl,
                            std::span<const std::string_view> txt, uint16_t cls) {
  Mark m;
  if (!begin(s, owner, rrtype::TXT, cls, ttl, m)) return false;
  for (std::string_view t : txt) {
    do {  // an empty string is still one (empty) character-string
      size_t n = std::min<size_t>(t.size(), 255);
      put8(static_cast<uint8_t>(n));
      put_bytes({reinterpret_cast<const uint8_t*>(t.data()), n});
      t.remove_prefix(n);
    } while (!t.empty());
  }
  return finish(s, m);
}

bool MessageWriter::add_soa(Section s, const Name& owner, uint32_t ttl, const Name& mname,
                            const Name& rname, uint32_t serial, uint32_t refresh, uint32_t retry,
                            uint32_t expire, uint32_t minimum) {
  Mark m;
  if (!begin(s, owner, rrtype::SOA, rrclass::IN, ttl, m)) return false;
  put_name(mname, true);
  put_name(rname, true);
  for (uint32_t v : {serial, refresh, retry, expire, minimum}) put32(v);
  return finish(s, m);
}

bool MessageWriter::add_opaque(Section s, const Name& owner, uint16_t type, uint16_t cls,
                               uint32_t ttl, std::span<const uint8_t> rdata) {
  Mark m;
  if (!begin(s, owner, type, cls, ttl, m)) return false;
  put_bytes(rdata);
  return finish(s, m);
}

bool MessageWriter::begin_record(Section s, const Name& owner, uint16_t type, uint16_t cls,
                                 uint32_t ttl) {
  return begin(s, owner, type, cls, ttl, open_);
}

bool MessageWriter::end_record() { return finish(section_, open_); }

void MessageWriter::rollback_record() {
  pos_ = open_.pos;
  compression_.truncate(open_.compression);
  overflow_ = false;
}

bool MessageWriter::add_opt(uint16_t udp_size, uint8_t ext_rcode, bool do_bit,
                            std::span<const uint8_t> options) {
  reserved_ = 0;
  uint32_t ttl = uint32_t(ext_rcode) << 24 | (do_bit ? 0x8000u : 0u);  // version 0
  Mark m;
  if (!begin(Section::additional, Name(), rrtype::OPT, udp_size, ttl, m)) return false;
  put_bytes(options);
  has_opt_ = finish(Section::additional, m);
  return has_opt_;
}

void MessageWriter::remove_opt() {
  if (!has_opt_) return;
  pos_ = wire::remove_opt({buf_.data(), pos_});
  has_opt_ = false;
}

}  // namespace skycore::wire
