#include "core/plugin/json_view.h"

#include <charconv>

namespace skycore {

std::optional<JsonView> JsonView::parse(std::string_view text, std::string& why) {
  JsonReader r(text);
  r.skip_space();
  const size_t start = r.pos();
  if (r.at_end()) {
    why = "empty";
    return std::nullopt;
  }
  if (!r.skip_value(0)) {
    why = std::string(r.why()) + " at offset " + std::to_string(r.pos());
    return std::nullopt;
  }
  const size_t end = r.pos();
  r.skip_space();
  if (!r.at_end()) {
    why = "text after the value at offset " + std::to_string(r.pos());
    return std::nullopt;
  }
  return JsonView(text.substr(start, end - start));
}

JsonView JsonView::operator[](std::string_view key) const {
  JsonView found;
  members({key}, &found);
  return found;
}

void JsonView::members(std::span<const std::string_view> keys, JsonView* out) const {
  for (size_t k = 0; k < keys.size(); ++k) out[k] = JsonView();
  if (!is_object()) return;
  JsonReader r(t_, 1);
  std::string unescaped;
  r.skip_space();
  if (r.consume('}')) return;
  while (true) {
    r.skip_space();
    const size_t at = r.pos();
    std::string_view name = r.raw_string_trusted();
    if (name.find('\\') != std::string_view::npos) {  // an escaped key: compare its value
      JsonReader(t_, at).string(unescaped);
      name = unescaped;
    }
    r.skip_space();
    r.consume(':');
    r.skip_space();
    const size_t start = r.pos();
    r.skip_trusted();
    size_t k = 0;
    for (std::string_view key : keys) {
      if (name == key) out[k] = JsonView(t_.substr(start, r.pos() - start));  // the last of repeats wins
      ++k;
    }
    r.skip_space();
    if (!r.consume(',')) return;
  }
}

std::string JsonView::text() const {
  std::string out;
  if (is_string()) JsonReader(t_).string(out);
  return out;
}

std::optional<bool> JsonView::boolean() const {
  if (t_ == "true") return true;
  if (t_ == "false") return false;
  return std::nullopt;
}

std::optional<int64_t> JsonView::integer() const {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(t_.data(), t_.data() + t_.size(), v);
  if (ec != std::errc() || end != t_.data() + t_.size()) return std::nullopt;
  return v;
}

}  // namespace skycore
