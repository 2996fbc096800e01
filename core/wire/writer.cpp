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

namespace {
// End of the (single) question of `msg`, or the header's end if there is
// none or it does not fit in `limit`.
size_t question_end(std::span<const uint8_t> msg, size_t limit) {
  if (HeaderView{msg.data()}.qdcount() != 1) return kHeaderSize;
  WireReader r(msg, kHeaderSize);
  r.skip_name();
  r.skip(4);
  return r.ok() && r.pos() <= limit ? r.pos() : kHeaderSize;
}

// Writes into dst (capacity >= limit; may be msg's own buffer) the longest
// prefix of msg's whole records that fits in `limit` together with msg's
// OPT, then that OPT, and fixes the counts; TC is set when an answer or
// authority record had to go (losing additional records is not
// truncation, RFC 2181 9). A prefix keeps every compression target, since
// pointers only point backwards. 0 if msg's records cannot be walked.
size_t fit_records(std::span<const uint8_t> msg, uint8_t* dst, size_t limit) {
  HeaderView h{msg.data()};
  const size_t qend = question_end(msg, msg.size());
  if (qend > limit) return 0;
  const size_t counts[3] = {h.ancount(), h.nscount(), h.arcount()};
  // Find the OPT first: its room is reserved before any record is kept.
  WireReader r(msg, qend);
  size_t opt_at = 0, opt_len = 0;
  for (size_t s = 0; s < 3; ++s)
    for (size_t i = 0; i < counts[s]; ++i) {
      size_t start = r.pos();
      r.skip_name();
      uint16_t type = r.u16();
      r.skip(6);
      r.skip(r.u16());
      if (!r.ok()) return 0;
      if (s == 2 && type == rrtype::OPT) opt_at = start, opt_len = r.pos() - start;
    }
  if (qend + opt_len > limit) return 0;
  const size_t budget = limit - opt_len;
  size_t kept[3] = {0, 0, 0}, end = qend;
  bool cut = false;
  r = WireReader(msg, qend);
  for (size_t s = 0; s < 3 && !cut; ++s)
    for (size_t i = 0; i < counts[s]; ++i) {
      size_t start = r.pos();
      r.skip_name();
      r.skip(8);
      r.skip(r.u16());
      if (start == opt_at && opt_len) continue;  // re-added at the end
      if (r.pos() - (opt_at && opt_at < start ? opt_len : 0) > budget) {
        cut = true;
        break;
      }
      ++kept[s];
      end = r.pos();
    }
  // Bytes [qend, end) minus an OPT inside them (only when it was not last).
  std::memmove(dst, msg.data(), qend);
  size_t out = qend;
  if (opt_len && opt_at < end) {
    std::memmove(dst + out, msg.data() + qend, opt_at - qend);
    out += opt_at - qend;
    std::memmove(dst + out, msg.data() + opt_at + opt_len, end - opt_at - opt_len);
    out += end - opt_at - opt_len;
  } else {
    std::memmove(dst + out, msg.data() + qend, end - qend);
    out += end - qend;
  }
  if (opt_len) {
    std::memmove(dst + out, msg.data() + opt_at, opt_len);
    out += opt_len;
    ++kept[2];
  }
  store16(dst + 6, static_cast<uint16_t>(kept[0]));
  store16(dst + 8, static_cast<uint16_t>(kept[1]));
  store16(dst + 10, static_cast<uint16_t>(kept[2]));
  if (kept[0] < counts[0] || kept[1] < counts[1]) store16(dst + 2, HeaderView{dst}.flags() | flag::TC);
  return out;
}
}  // namespace

void MessageWriter::take_whole(size_t len, bool opt) {
  assigned_ = true;
  pos_ = len;
  has_opt_ = opt;
  section_ = Section::additional;  // appending to a taken message is only for OPT
  truncated_ = HeaderView{buf_.data()}.has(flag::TC);
}

void MessageWriter::keep_question_only(size_t qend) {
  assigned_ = true;
  has_opt_ = false;
  pos_ = qend;
  store16(&buf_[4], qend > kHeaderSize ? 1 : 0);
  store16(&buf_[6], 0);
  store16(&buf_[8], 0);
  store16(&buf_[10], 0);
  set_flag(flag::TC);
}

bool MessageWriter::adopt(size_t len) {
  if (len > buf_.size() || len < kHeaderSize || kHeaderSize > limit_) return false;
  // The reserve is for an OPT added later: a message with its own needs none.
  const bool opt = wire::has_opt({buf_.data(), len});
  const size_t keep_free = opt ? 0 : reserved_;
  if (len + keep_free <= limit_) {
    reset(buf_, limit_);
    take_whole(len, opt);
    reserved_ = keep_free;
    return true;
  }
  // Too big: keep the records that fit (and the OPT), in place, with TC.
  const size_t room = keep_free < limit_ ? limit_ - keep_free : 0;
  size_t qend = question_end({buf_.data(), len}, limit_);
  size_t fitted = fit_records({buf_.data(), len}, buf_.data(), room);
  reset(buf_, limit_);
  if (fitted) take_whole(fitted, opt);
  else keep_question_only(qend);
  reserved_ = keep_free;
  return true;
}

bool MessageWriter::assign(std::span<const uint8_t> msg) {
  const bool opt = wire::has_opt(msg);
  const size_t keep_free = opt ? 0 : reserved_;
  reset(buf_, limit_);
  reserved_ = keep_free;
  if (msg.size() < kHeaderSize || kHeaderSize > limit_) return false;
  if (msg.size() + keep_free <= limit_) {
    std::memcpy(buf_.data(), msg.data(), msg.size());
    take_whole(msg.size(), opt);
    return true;
  }
  // Too big: the records that fit (and the OPT), with TC, as CoreDNS does;
  // header and question only if the records cannot even be walked.
  const size_t room = keep_free < limit_ ? limit_ - keep_free : 0;
  if (size_t fitted = fit_records(msg, buf_.data(), room)) {
    take_whole(fitted, opt);
    return true;
  }
  size_t qend = question_end(msg, limit_);
  std::memcpy(buf_.data(), msg.data(), qend);
  keep_question_only(qend);
  return true;
}

}  // namespace skycore::wire
