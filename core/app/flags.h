// Command-line flags, spelled as CoreDNS spells them (Go's flag package:
// -name value, -name=value, --name; booleans take no value).
#pragma once
#include <optional>
#include <string>

namespace skycore::app {

struct Flags {
  std::string conf;          // -conf; empty = ./Corefile if present, else the default
  uint16_t dns_port = 53;    // -dns.port: port for keys that name none
  bool plugins = false;      // -plugins: list directives in chain order, exit
  bool version = false;      // -version
  bool quiet = false;        // -quiet: no start-up banner
  bool validate = false;     // -validate: parse + setup, no sockets; exit 0/1
  std::string pidfile;       // -pidfile
  bool log_json = false;     // -log-format json|text: process and default query log lines
};

// Fills `out` or returns an error message (the caller prints usage, exits 2).
std::optional<std::string> parse_flags(int argc, char** argv, Flags& out);
std::string usage(const char* argv0);

}  // namespace skycore::app
