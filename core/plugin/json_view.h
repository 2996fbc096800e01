// A JSON value read in place: the text is checked once (JsonView::parse),
// then members and elements are found by scanning it, with no document and
// no allocation beyond the strings asked for. Kubernetes list pages and
// watch events are read this way: a Poco document of a 500-item page cost
// most of a first sync's CPU and left its heap fragmented.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/plugin/json_reader.h"

namespace skycore {

class JsonView {
 public:
  JsonView() = default;  // absent
  // The one value that is the whole of `text` (which must outlive the
  // view); nullopt with why if it is not valid JSON.
  static std::optional<JsonView> parse(std::string_view text, std::string& why);

  bool present() const { return !t_.empty(); }
  bool is_object() const { return present() && t_[0] == '{'; }
  bool is_array() const { return present() && t_[0] == '['; }
  bool is_string() const { return present() && t_[0] == '"'; }
  bool is_null() const { return present() && t_[0] == 'n'; }

  // An object's member `key` (the last, if repeated); absent if there is
  // none or this is not an object.
  JsonView operator[](std::string_view key) const;
  // Several members in one scan: out[i] is member keys[i] (as operator[]).
  void members(std::span<const std::string_view> keys, JsonView* out) const;
  void members(std::initializer_list<std::string_view> keys, JsonView* out) const {
    members(std::span<const std::string_view>(keys.begin(), keys.size()), out);
  }
  // f(element) for each element of an array (nothing otherwise).
  template <typename F>
  void for_each(F&& f) const {
    if (!is_array()) return;
    JsonReader r(t_, 1);
    r.skip_space();
    if (r.consume(']')) return;
    while (true) {
      r.skip_space();
      const size_t start = r.pos();
      r.skip_trusted();
      f(JsonView(t_.substr(start, r.pos() - start)));
      r.skip_space();
      if (!r.consume(',')) return;
    }
  }
  // A string's value, unescaped; empty for anything else.
  std::string text() const;
  std::optional<bool> boolean() const;
  // An integral number (no fraction or exponent) within int64.
  std::optional<int64_t> integer() const;
  std::string_view raw() const { return t_; }

 private:
  explicit JsonView(std::string_view t) : t_(t) {}
  std::string_view t_;
};

}  // namespace skycore
