#include "core/corefile/parser.h"

#include <fmt/format.h>

#include <map>
#include <memory>

#include "core/corefile/env_subst.h"
#include "core/corefile/import_files.h"
#include "core/corefile/lexer.h"
#include "core/corefile/token_stream.h"

namespace skycore::corefile {

namespace {

bool is_word(const Token& t, std::string_view w) { return !t.quoted && t.text == w; }

Error error_at(const Token& t, std::string msg) { return Error(t.file, t.line, std::move(msg)); }

// Turns the token stream into server blocks. Structure follows CoreDNS's
// Caddy v1 parser: keys, then a { } body of directives, one per line, each
// owning the rest of its line plus any { } block that opens on it.
class Parser {
 public:
  explicit Parser(const ParseOptions& options) : options_(options), in_(options.max_tokens) {}

  Config run(std::string_view text, const std::string& filename, const std::string& base_dir,
             const std::string& origin_id) {
    dirs_[filename] = base_dir;
    auto tokens = std::make_shared<const std::vector<Token>>(
        tokenize(substitute_env(text), filename));
    in_.push(tokens, std::make_shared<const ImportOrigin>(ImportOrigin{origin_id, nullptr}));
    while (const Token* t = in_.peek()) {
      // A top-level import may bring in whole server blocks or snippets.
      if (is_word(*t, "import")) {
        import(in_.next());
      } else {
        parse_block();
      }
    }
    return std::move(config_);
  }

 private:
  Error eof_error(std::string_view what) const {
    return error_at(in_.last(), fmt::format("Unexpected EOF{}", what));
  }

  void parse_block() {
    ServerBlock block;
    if (!read_keys(block)) return;
    const Token& first = block.key_tokens.front();
    if (block.key_tokens.size() == 1 && first.text.size() >= 2 && first.text.front() == '(' &&
        first.text.back() == ')') {
      define_snippet(first);
      return;
    }
    block.file = first.file;
    block.line = first.line;
    add_zone_keys(block);

    // Without '{' the block runs to the end of the input, as Caddy allows
    // for a single-block file ("example.org\nwhoami").
    const Token* t = in_.peek();
    bool braced = t != nullptr && is_open_brace(*t);
    if (braced) in_.next();
    parse_body(block, braced, in_.last_origin().get());
    config_.blocks.push_back(std::move(block));
  }

  // Keys end at '{' or at the end of their line, unless a trailing comma
  // promises another key on the next line. False when the input ends with
  // nothing but empty "" keys, which Caddy ignores.
  bool read_keys(ServerBlock& block) {
    bool expecting = false;
    while (const Token* t = in_.peek()) {
      if (is_open_brace(*t)) {
        if (expecting) {
          throw error_at(*t, "Expected another key but had '{' - check for extra comma");
        }
        if (block.key_tokens.empty()) throw error_at(*t, "Unexpected '{': server block has no keys");
        return true;
      }
      if (!block.key_tokens.empty() && !expecting && in_.peek_starts_line()) return true;
      if (is_close_brace(*t)) throw error_at(*t, "Unexpected '}' because no matching opening brace");
      expecting = split_keys(in_.next(), block.key_tokens);
    }
    if (expecting) throw eof_error("");
    return !block.key_tokens.empty();
  }

  // "a,b," gives keys a and b and returns true: another key must follow.
  static bool split_keys(const Token& tok, std::vector<Token>& out) {
    if (tok.quoted) {
      if (!tok.text.empty()) out.push_back(tok);  // Caddy skips a typed ""
      return false;
    }
    size_t start = 0;
    while (start <= tok.text.size()) {
      size_t comma = tok.text.find(',', start);
      if (comma == std::string::npos) comma = tok.text.size();
      if (comma > start) {
        Token key = tok;
        key.text = tok.text.substr(start, comma - start);
        out.push_back(std::move(key));
      }
      start = comma + 1;
    }
    return !tok.text.empty() && tok.text.back() == ',';
  }

  void add_zone_keys(ServerBlock& block) {
    for (const Token& key : block.key_tokens) {
      for (ZoneKey& zone : parse_zone_key(key)) {
        std::string id = zone.transport + "://" + to_string(zone);
        auto [it, fresh] = seen_keys_.emplace(id, key);
        if (!fresh) {
          throw error_at(key, fmt::format("duplicate zone '{}': cannot serve it multiple times "
                                          "(already a key at {}:{})",
                                          to_string(zone), it->second.file, it->second.line));
        }
        block.keys.push_back(std::move(zone));
      }
    }
  }

  // A snippet's body is kept as raw tokens; imports in it are expanded
  // each time it is pasted, so it may use snippets defined after it.
  void define_snippet(const Token& key) {
    std::string name = key.text.substr(1, key.text.size() - 2);
    const Token* t = in_.peek();
    if (t == nullptr) throw eof_error("");
    if (!is_open_brace(*t)) {
      throw error_at(*t, fmt::format("Unexpected token '{}', expecting '{{' after snippet '{}'",
                                     t->text, key.text));
    }
    if (snippets_.count(name) != 0) {
      throw error_at(key, fmt::format("redeclaration of previously declared snippet {}", name));
    }
    Token open = in_.next();
    auto body = std::make_shared<std::vector<Token>>();
    int depth = 1;
    while (in_.peek() != nullptr) {
      Token tok = in_.next();
      if (is_close_brace(tok) && --depth == 0) {
        snippets_.emplace(name, std::move(body));
        return;
      }
      if (is_open_brace(tok)) ++depth;
      body->push_back(std::move(tok));
    }
    throw eof_error(fmt::format(": snippet '{}' opened at line {} is not closed", name, open.line));
  }

  void parse_body(ServerBlock& block, bool braced, const ImportOrigin* open_origin) {
    const Token open = in_.last();
    std::string open_at = fmt::format(": block opened at {}:{} is not closed", open.file, open.line);
    while (const Token* t = in_.peek()) {
      if (is_close_brace(*t)) {
        Token close = in_.next();
        if (!braced) throw error_at(close, "Unexpected '}' because no matching opening brace");
        check_same_paste(open, open_origin, close);
        return;
      }
      if (is_open_brace(*t)) {
        throw error_at(*t, "Unexpected '{': a block must open on the line of its directive");
      }
      Token name = in_.next();
      name.line_start = true;  // separates two pastes of one snippet
      if (is_word(name, "import")) {
        import(name);
      } else {
        parse_directive(block, std::move(name));
      }
    }
    if (braced) throw eof_error(open_at);
  }

  // Takes the rest of the line and a { } block opening on it, any depth.
  // A '}' at depth 0 ends the directive and the server block, so one-line
  // blocks like ". { whoami }" work.
  void parse_directive(ServerBlock& block, Token name) {
    Directive d{name.text, {std::move(name)}};
    // Open braces with the paste they came from, innermost last.
    std::vector<std::pair<Token, const ImportOrigin*>> open;
    while (const Token* t = in_.peek()) {
      bool starts = in_.peek_starts_line();
      if (open.empty() && (starts || is_close_brace(*t))) break;
      if (starts && is_word(*t, "import")) {
        import(in_.next());
        continue;
      }
      d.tokens.push_back(in_.next());
      const Token& tok = d.tokens.back();
      if (is_open_brace(tok)) {
        open.emplace_back(tok, in_.last_origin().get());
      } else if (is_close_brace(tok)) {
        check_same_paste(open.back().first, open.back().second, tok);
        open.pop_back();
      }
    }
    if (!open.empty()) {
      throw eof_error(fmt::format(": block of '{}' opened at {}:{} is not closed", d.name,
                                  open.front().first.file, open.front().first.line));
    }
    block.directives.push_back(std::move(d));
  }

  // A '}' must close a '{' of the same file or snippet paste: an imported
  // file that is not balanced on its own would otherwise silently end the
  // block that imported it.
  void check_same_paste(const Token& open, const ImportOrigin* open_origin, const Token& close) {
    if (in_.last_origin().get() == open_origin) return;
    throw error_at(close, fmt::format("Unexpected '}}': the '{{' at {}:{} it would close is in "
                                      "another file or import",
                                      open.file, open.line));
  }

  // `import NAME` pastes a snippet, `import PATH` the tokens of files.
  void import(const Token& imp) {
    const Token* t = in_.peek();
    if (t == nullptr || in_.peek_starts_line() || is_open_brace(*t) || is_close_brace(*t)) {
      throw error_at(imp, "Wrong argument count or unexpected line ending after 'import'");
    }
    Token arg = in_.next();
    if (arg.text.empty()) throw error_at(arg, "Import requires a non-empty filepath");
    if (const Token* extra = in_.peek();
        extra != nullptr && !in_.peek_starts_line() && !is_close_brace(*extra)) {
      throw error_at(*extra, "Import takes only one argument (glob pattern or file)");
    }
    auto parent = in_.last_origin();
    if (auto it = snippets_.find(arg.text); it != snippets_.end()) {
      push_import(arg, "snippet " + arg.text, it->second, parent);
      return;
    }
    import_files(arg, parent);
  }

  void import_files(const Token& arg, const std::shared_ptr<const ImportOrigin>& parent) {
    bool wild = has_wildcard(arg.text);
    std::vector<std::string> paths;
    if (options_.allow_file_imports) paths = expand_import(arg, arg.text, dir_of(arg.file));
    if (paths.empty() && !wild) {
      // A bare word is most likely a snippet name used before its definition.
      bool word = arg.text.find('/') == std::string::npos;
      throw error_at(arg, fmt::format("File to import not found: {}{}", arg.text,
                                      word ? " (and no snippet of that name is defined above)"
                                           : ""));
    }
    // Pushed last-first so the first match is read first.
    for (auto it = paths.rbegin(); it != paths.rend(); ++it) {
      push_import(arg, "file " + canonical_path(*it), load(arg, *it), parent);
    }
  }

  void push_import(const Token& arg, const std::string& id, TokenStream::Tokens tokens,
                   const std::shared_ptr<const ImportOrigin>& parent) {
    if (parent->contains(id)) {
      throw error_at(arg, fmt::format("Import cycle: '{}' ends up importing itself", arg.text));
    }
    in_.push(std::move(tokens), std::make_shared<const ImportOrigin>(ImportOrigin{id, parent}));
  }

  // Files are lexed once, however often a glob or snippet brings them in.
  TokenStream::Tokens load(const Token& arg, const std::string& path) {
    if (auto it = files_.find(path); it != files_.end()) return it->second;
    std::string text = read_corefile(path, arg.file, arg.line);
    auto tokens = std::make_shared<const std::vector<Token>>(tokenize(substitute_env(text), path));
    dirs_[path] = directory_of(path);
    files_.emplace(path, tokens);
    return tokens;
  }

  std::string dir_of(const std::string& file) const {
    auto it = dirs_.find(file);
    return it != dirs_.end() ? it->second : directory_of(file);
  }

  ParseOptions options_;
  TokenStream in_;
  Config config_;
  std::map<std::string, TokenStream::Tokens> snippets_;
  std::map<std::string, TokenStream::Tokens> files_;
  std::map<std::string, std::string> dirs_;  // token file -> where its imports resolve
  std::map<std::string, Token> seen_keys_;   // "dns://zone:port" -> first key token
};

}  // namespace

Config parse_string(std::string_view text, const std::string& filename,
                    const std::string& base_dir, const ParseOptions& options) {
  // Identify the text by the file it claims to be, so a file that imports
  // the main Corefile back is caught as a cycle.
  std::string path = filename.starts_with('/') || base_dir.empty() ? filename
                                                                   : base_dir + "/" + filename;
  return Parser(options).run(text, filename, base_dir, "file " + canonical_path(path));
}

Config parse_file(const std::string& path, const ParseOptions& options) {
  std::string text = read_corefile(path, path, 0);
  return Parser(options).run(text, path, directory_of(path), "file " + canonical_path(path));
}

}  // namespace skycore::corefile
