#include "plugins/hosts/hosts_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace skycore::plugins::hosts {
namespace {

bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

bool in_zones(const wire::Name& name, std::span<const wire::Name> zones) {
  for (const auto& z : zones)
    if (name.is_subdomain_of(z)) return true;
  return false;
}

std::string failure(const std::string& path, int err_no) {
  return "cannot read '" + path + "': " + std::strerror(err_no);
}

}  // namespace

std::optional<wire::Name> host_name(std::string_view text) {
  auto n = wire::Name::from_text(text);
  if (n) n->lowercase();
  return n;
}

bool add_entry(HostsTable& table, std::span<const std::string_view> fields,
               const ParseOptions& opt) {
  if (fields.size() < 2) return false;
  auto addr = parse_address(fields[0]);
  if (!addr) return false;
  for (auto text : fields.subspan(1)) {
    auto name = host_name(text);
    if (name && in_zones(*name, opt.zones)) table.add(*name, *addr, opt.reverse);
  }
  return true;
}

HostsTable parse_hosts(std::string_view text, const ParseOptions& opt) {
  HostsTable table;
  std::vector<std::string_view> fields;
  while (!text.empty()) {
    size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    line = line.substr(0, line.find('#'));
    fields.clear();
    for (size_t i = 0; i < line.size();) {
      while (i < line.size() && blank(line[i])) ++i;
      size_t start = i;
      while (i < line.size() && !blank(line[i])) ++i;
      if (i > start) fields.push_back(line.substr(start, i - start));
    }
    add_entry(table, fields, opt);
  }
  return table;
}

FileRead read_if_changed(const std::string& path, const FileStamp& known) {
  FileRead r;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    r.err_no = errno;
    r.error = failure(path, r.err_no);
    return r;
  }
  // The stamp of the file we opened, taken before reading: an edit during
  // the read changes it again, so the next check reads the file once more.
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    r.err_no = errno;
  } else if (S_ISDIR(st.st_mode)) {
    r.err_no = EISDIR;
  } else {
    r.stamp = {int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
               int64_t(st.st_size)};
    if (r.stamp == known) {
      ::close(fd);
      r.status = FileRead::Status::unchanged;
      return r;
    }
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0) {
        r.text.append(buf, size_t(n));
      } else if (n == 0) {
        r.status = FileRead::Status::changed;
        break;
      } else if (errno != EINTR) {
        r.err_no = errno;
        break;
      }
    }
  }
  ::close(fd);
  if (r.status == FileRead::Status::failed) r.error = failure(path, r.err_no);
  return r;
}

}  // namespace skycore::plugins::hosts
