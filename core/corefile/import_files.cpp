#include "core/corefile/import_files.h"

#include <fmt/format.h>
#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <fstream>

#include "core/corefile/error.h"

namespace skycore::corefile {

namespace {

constexpr size_t kMaxFileSize = 16 << 20;
constexpr std::string_view kWildcards = "*?[";

// RAII for glob_t, which owns its match list.
class GlobResult {
 public:
  GlobResult() = default;
  GlobResult(const GlobResult&) = delete;
  GlobResult& operator=(const GlobResult&) = delete;
  ~GlobResult() { globfree(&g_); }
  glob_t* get() { return &g_; }

 private:
  glob_t g_{};
};

}  // namespace

bool has_wildcard(const std::string& pattern) {
  return pattern.find_first_of(kWildcards) != std::string::npos;
}

std::vector<std::string> expand_import(const Token& at, const std::string& pattern,
                                       const std::string& dir) {
  bool absolute = pattern.front() == '/';
  std::string prefix = absolute || dir.empty() ? "" : dir + "/";
  if (!has_wildcard(pattern)) {
    std::string path = prefix + pattern;
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) return {};
    return {path};
  }
  size_t slash = pattern.rfind('/');
  if (slash != std::string::npos && pattern.find_first_of(kWildcards) < slash) {
    throw Error(at.file, at.line,
                fmt::format("Glob pattern may use wildcards only in the file name: {}", pattern));
  }
  // The directory is literal, even if its name happens to contain '[' or '*'.
  std::string path;
  for (char c : prefix) {
    if (c == '*' || c == '?' || c == '[' || c == '\\') path += '\\';
    path += c;
  }
  path += pattern;

  GlobResult g;
  int rc = glob(path.c_str(), 0, nullptr, g.get());
  std::vector<std::string> out;
  if (rc == 0) {
    for (size_t i = 0; i < g.get()->gl_pathc; ++i) out.emplace_back(g.get()->gl_pathv[i]);
  } else if (rc != GLOB_NOMATCH) {
    throw Error(at.file, at.line, fmt::format("Failed to use import pattern {}", pattern));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string read_corefile(const std::string& path, const std::string& err_file, int err_line) {
  auto fail = [&](std::string_view why) {
    return Error(err_file, err_line, fmt::format("Could not read {}: {}", path, why));
  };
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) throw fail("file not found");
  if (!S_ISREG(st.st_mode)) throw fail("not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw fail("cannot open");
  // Sizes from stat() can lie (procfs), so the cap is enforced while reading.
  std::string text;
  char buf[64 * 1024];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxFileSize) throw fail("file too large");
  }
  if (in.bad()) throw fail("read failed");
  return text;
}

std::string canonical_path(const std::string& path) {
  char buf[PATH_MAX];
  if (realpath(path.c_str(), buf) != nullptr) return buf;
  return path;
}

std::string directory_of(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace skycore::corefile
