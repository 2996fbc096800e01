// Writing JSON text by hand where a document object would cost more than
// the work it describes (the registry answers and journals every write).
#pragma once
#include <cstdio>
#include <string>
#include <string_view>

namespace skycore {

// Appends `s` as a JSON string, quotes included: '"', '\\' and control
// characters are escaped; other bytes are copied as they are.
inline void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (u < 0x20 || u == 0x7f) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", u);
      out += esc;
    } else {
      out += c;
    }
  }
  out += '"';
}

// Appends `"key":` (a key that needs no escaping).
inline void append_json_key(std::string& out, std::string_view key) {
  out += '"';
  out += key;
  out += "\":";
}

}  // namespace skycore
