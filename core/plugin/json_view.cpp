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
  if (!is_object()) return {};
  JsonView found;
  JsonReader r(t_, 1);
  std::string name;
  r.skip_space();
  if (r.consume('}')) return found;
  while (true) {
    r.skip_space();
    r.string(name);
    r.skip_space();
    r.consume(':');
    r.skip_space();
    const size_t start = r.pos();
    r.skip_value(0);
    if (name == key) found = JsonView(t_.substr(start, r.pos() - start));
    r.skip_space();
    if (!r.consume(',')) return found;
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
