#pragma once

#include <stdexcept>
#include <string>

namespace skycore::corefile {

// Setup-time error (exceptions are fine here: this is config time, never the
// data path). what() is "file:line: message", the form editors jump to.
class Error : public std::runtime_error {
 public:
  Error(std::string file, int line, std::string msg);

  const std::string& file() const { return file_; }
  int line() const { return line_; }  // 0 only when no line applies (unreadable file)
  const std::string& message() const { return message_; }

 private:
  std::string file_;
  int line_;
  std::string message_;
};

}  // namespace skycore::corefile
