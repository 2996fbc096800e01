// The hosts(5) format as CoreDNS reads it, and reading the file from disk.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/wire/name.h"
#include "plugins/hosts/hosts_table.h"

namespace skycore::plugins::hosts {

struct ParseOptions {
  std::span<const wire::Name> zones;  // names outside all of them are dropped
  bool reverse = true;                // also map addresses back to names (PTR)
};

// A host name as a hosts file writes it, lowercased and fully qualified;
// nullopt when it is not a domain name.
std::optional<wire::Name> host_name(std::string_view text);

// One entry: an address and its names. Returns false, adding nothing, for
// what CoreDNS skips: fewer than two fields or an address that does not
// parse. Names that are not domain names or lie outside the zones are
// dropped one by one.
bool add_entry(HostsTable& table, std::span<const std::string_view> fields,
               const ParseOptions& opt);

// Parses hosts-file text: '#' starts a comment anywhere on a line, fields
// are separated by blanks, lines that do not parse are skipped (as CoreDNS).
HostsTable parse_hosts(std::string_view text, const ParseOptions& opt);

// What identifies one version of the file: CoreDNS re-reads when either changes.
struct FileStamp {
  int64_t mtime_ns = 0;
  int64_t size = -1;
  bool operator==(const FileStamp&) const = default;
};

// The outcome of looking at the file: unchanged since `known`, read whole
// (text and the stamp of the file that was read), or unreadable.
struct FileRead {
  enum class Status { changed, unchanged, failed };
  Status status = Status::failed;
  std::string text;
  FileStamp stamp;
  std::string error;  // "cannot read 'PATH': reason" when failed
  int err_no = 0;
};

// Opens `path` and reads it unless its stamp equals `known`. Never throws.
FileRead read_if_changed(const std::string& path, const FileStamp& known);

}  // namespace skycore::plugins::hosts
