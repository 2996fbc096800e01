#include "core/corefile/importer.h"

#include <fmt/format.h>

#include "core/corefile/env_subst.h"
#include "core/corefile/error.h"
#include "core/corefile/import_files.h"
#include "core/corefile/lexer.h"

namespace skycore::corefile {

namespace {

Error error_at(const Token& t, std::string msg) { return Error(t.file, t.line, std::move(msg)); }

}  // namespace

void Importer::add_snippet(const std::string& name, std::vector<Token> body) {
  snippets_[name] = std::make_shared<const std::vector<Token>>(std::move(body));
}

void Importer::import(const Token& imp) {
  const Token* t = in_.peek();
  if (t == nullptr || in_.peek_starts_line() || is_open_brace(*t) || is_close_brace(*t)) {
    throw error_at(imp, "Wrong argument count or unexpected line ending after 'import'");
  }
  Token arg = in_.next();
  if (arg.text.empty()) throw error_at(arg, "Import requires a non-empty filepath");
  // A '}' may follow on the line: ". { import common }".
  if (const Token* extra = in_.peek();
      extra != nullptr && !in_.peek_starts_line() && !is_close_brace(*extra)) {
    throw error_at(*extra, "Import takes only one argument (glob pattern or file)");
  }
  // Snippet names win over files, as in CoreDNS.
  auto parent = in_.last_origin();
  if (auto it = snippets_.find(arg.text); it != snippets_.end()) {
    push(arg, "snippet " + arg.text, it->second, parent);
    return;
  }
  import_files(arg, parent);
}

void Importer::import_files(const Token& arg, const std::shared_ptr<const ImportOrigin>& parent) {
  std::vector<std::string> paths;
  if (options_.allow_file_imports) paths = expand_import(arg, arg.text, dir_of(arg.file));
  if (paths.empty() && !has_wildcard(arg.text)) {
    // A bare word is most likely a snippet used before (or without) its definition.
    bool word = arg.text.find('/') == std::string::npos;
    throw error_at(arg, fmt::format("File to import not found: {}{}", arg.text,
                                    word ? " (and no snippet of that name is defined above)" : ""));
  }
  // Pushed last-first so the first match is read first.
  for (auto it = paths.rbegin(); it != paths.rend(); ++it) {
    push(arg, "file " + canonical_path(*it), load(arg, *it), parent);
  }
}

void Importer::push(const Token& arg, const std::string& id, TokenStream::Tokens tokens,
                    const std::shared_ptr<const ImportOrigin>& parent) {
  if (parent->contains(id)) {
    throw error_at(arg, fmt::format("Import cycle: '{}' ends up importing itself", arg.text));
  }
  in_.push(std::move(tokens), std::make_shared<const ImportOrigin>(ImportOrigin{id, parent}));
}

TokenStream::Tokens Importer::load(const Token& arg, const std::string& path) {
  if (auto it = files_.find(path); it != files_.end()) return it->second;
  std::string text = read_corefile(path, arg.file, arg.line);
  auto tokens = std::make_shared<const std::vector<Token>>(tokenize(substitute_env(text), path));
  dirs_[path] = directory_of(path);
  files_.emplace(path, tokens);
  return tokens;
}

std::string Importer::dir_of(const std::string& file) const {
  auto it = dirs_.find(file);
  return it != dirs_.end() ? it->second : directory_of(file);
}

}  // namespace skycore::corefile
