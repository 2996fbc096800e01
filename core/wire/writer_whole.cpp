// MessageWriter taking a whole message from elsewhere (a cached or an
// upstream answer): assign() and adopt(), with the same truncation rules as
// an answer built record by record (see writer.h).
#include <algorithm>
#include <cstring>

#include "core/wire/header.h"
#include "core/wire/reader.h"
#include "core/wire/record.h"
#include "core/wire/writer.h"

namespace skycore::wire {

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
