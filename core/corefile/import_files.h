#pragma once

#include <string>
#include <vector>

#include "core/corefile/token.h"

namespace skycore::corefile {

// File-system side of `import PATH`. Errors are reported at `at`, the
// import's argument token.

// Whether PATH is a glob pattern (contains '*', '?' or '[').
bool has_wildcard(const std::string& pattern);

// Expands PATH (relative to `dir`, the importing file's directory; `dir` is
// taken literally) with glob(3): the matches, sorted, possibly none. A path
// without wildcards gives itself if it exists. Wildcards are allowed only in
// the last path component: a pattern like /*/*/* would walk the whole disk
// at config time.
std::vector<std::string> expand_import(const Token& at, const std::string& pattern,
                                       const std::string& dir);

// Reads a Corefile-syntax file: regular files only (never a FIFO or
// /dev/stdin, which would hang start-up), at most 16 MiB. Errors are
// reported at err_file:err_line ("Could not read PATH: why").
std::string read_corefile(const std::string& path, const std::string& err_file, int err_line);

// A stable identity for cycle detection: the canonical path when it exists.
std::string canonical_path(const std::string& path);

// The directory relative imports in `path` are resolved against.
std::string directory_of(const std::string& path);

}  // namespace skycore::corefile
