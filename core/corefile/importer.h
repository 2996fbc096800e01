#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/corefile/parser.h"
#include "core/corefile/token_stream.h"

namespace skycore::corefile {

// Expands `import NAME|PATH|GLOB` by pushing the pasted tokens onto the
// parser's TokenStream, so they are read next in place of the import line.
// Knows the snippets defined so far and the files already lexed.
// Internal to the parser (not installed for plugins).
class Importer {
 public:
  Importer(TokenStream& in, const ParseOptions& options) : in_(in), options_(options) {}

  // Relative imports in tokens of `file` resolve against `dir`.
  void set_dir(const std::string& file, std::string dir) { dirs_[file] = std::move(dir); }

  bool has_snippet(const std::string& name) const { return snippets_.count(name) != 0; }
  void add_snippet(const std::string& name, std::vector<Token> body);

  // Call right after consuming the `import` token `imp`: reads its one
  // argument from the stream and pushes what it names. Throws Error for a
  // bad argument, a missing file, an unreadable file or an import cycle.
  void import(const Token& imp);

 private:
  void import_files(const Token& arg, const std::shared_ptr<const ImportOrigin>& parent);
  void push(const Token& arg, const std::string& id, TokenStream::Tokens tokens,
            const std::shared_ptr<const ImportOrigin>& parent);
  TokenStream::Tokens load(const Token& arg, const std::string& path);
  std::string dir_of(const std::string& file) const;

  TokenStream& in_;
  ParseOptions options_;
  std::map<std::string, TokenStream::Tokens> snippets_;
  std::map<std::string, TokenStream::Tokens> files_;  // path -> tokens, lexed once
  std::map<std::string, std::string> dirs_;           // token file -> import base dir
};

}  // namespace skycore::corefile
