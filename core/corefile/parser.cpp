#include "core/corefile/parser.h"

#include <fmt/format.h>

#include <map>
#include <memory>

#include "core/corefile/env_subst.h"
#include "core/corefile/import_files.h"
#include "core/corefile/importer.h"
#include "core/corefile/lexer.h"
#include "core/corefile/token_stream.h"

namespace skycore::corefile {

namespace {

bool is_word(const Token& t, std::string_view w) { return !t.quoted && t.text == w; }

Error error_at(const Token& t, std::string msg) { return Error(t.file, t.line, std::move(msg)); }

// Held, not just compared by address: a freed origin's address can be reused.
using Origin = std::shared_ptr<const ImportOrigin>;

// Turns the token stream into server blocks. Structure follows CoreDNS's
// Caddy v1 parser: keys, then a { } body of directives, one per line, each
// owning the rest of its line plus any { } block that opens on it.
class Parser {
 public:
  explicit Parser(const ParseOptions& options) : in_(options.max_tokens), importer_(in_, options) {}

  Config run(std::string_view text, const std::string& filename, const std::string& base_dir,
             const std::string& origin_id) {
    importer_.set_dir(filename, base_dir);
    auto tokens =
        std::make_shared<const std::vector<Token>>(tokenize(substitute_env(text), filename));
    in_.push(tokens, std::make_shared<const ImportOrigin>(ImportOrigin{origin_id, nullptr}));
    while (const Token* t = in_.peek()) {
      // A top-level import may bring in whole server blocks or snippets.
      if (is_word(*t, "import")) {
        importer_.import(in_.next());
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
    parse_body(block, braced, in_.last_origin());
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
        if (block.key_tokens.empty())
          throw error_at(*t, "Unexpected '{': server block has no keys");
        return true;
      }
      if (!block.key_tokens.empty() && !expecting && in_.peek_starts_line()) return true;
      if (is_close_brace(*t))
        throw error_at(*t, "Unexpected '}' because no matching opening brace");
      expecting = split_keys(in_.next(), block.key_tokens);
    }
    if (expecting) throw eof_error("");
    return !block.key_tokens.empty();
  }

  // As Caddy: a trailing comma means another key follows (maybe on the next
  // line) and is dropped; any other comma stays in the key, where zone
  // validation refuses it (",." is not the root zone, "a,b.org" not two).
  static bool split_keys(const Token& tok, std::vector<Token>& out) {
    if (tok.quoted) {
      if (!tok.text.empty()) out.push_back(tok);  // Caddy skips a typed ""
      return false;
    }
    bool another = !tok.text.empty() && tok.text.back() == ',';
    Token key = tok;
    if (another) key.text.pop_back();
    if (!key.text.empty()) out.push_back(std::move(key));
    return another;
  }

  // The same zone twice in one block's keys is an error here; in two blocks
  // it is fine when their `bind` addresses do not overlap, which only the
  // server plan can tell (bind is a directive).
  void add_zone_keys(ServerBlock& block) {
    seen_keys_.clear();
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
    if (importer_.has_snippet(name)) {
      throw error_at(key, fmt::format("redeclaration of previously declared snippet {}", name));
    }
    Token open = in_.next();
    std::vector<Token> body;
    int depth = 1;
    while (in_.peek() != nullptr) {
      Token tok = in_.next();
      if (is_close_brace(tok) && --depth == 0) {
        importer_.add_snippet(name, std::move(body));
        return;
      }
      if (is_open_brace(tok)) ++depth;
      body.push_back(std::move(tok));
    }
    throw eof_error(fmt::format(": snippet '{}' opened at line {} is not closed", name, open.line));
  }

  void parse_body(ServerBlock& block, bool braced, Origin open_origin) {
    const Token open = in_.last();
    std::string open_at =
        fmt::format(": block opened at {}:{} is not closed", open.file, open.line);
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
      if (is_word(name, "import")) {
        importer_.import(name);
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
    std::vector<std::pair<Token, Origin>> open;
    while (const Token* t = in_.peek()) {
      bool starts = in_.peek_starts_line();
      if (open.empty() && (starts || is_close_brace(*t))) break;
      if (starts && is_word(*t, "import")) {
        importer_.import(in_.next());
        continue;
      }
      d.tokens.push_back(in_.next());
      const Token& tok = d.tokens.back();
      if (is_open_brace(tok)) {
        open.emplace_back(tok, in_.last_origin());
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
  void check_same_paste(const Token& open, const Origin& open_origin, const Token& close) {
    if (in_.last_origin() == open_origin) return;
    throw error_at(close, fmt::format("Unexpected '}}': the '{{' at {}:{} it would close is in "
                                      "another file or import",
                                      open.file, open.line));
  }

  TokenStream in_;
  Importer importer_;
  Config config_;
  std::map<std::string, Token> seen_keys_;  // "dns://zone:port" -> first key token, in one block
};

}  // namespace

Config parse_string(std::string_view text, const std::string& filename, const std::string& base_dir,
                    const ParseOptions& options) {
  // Identify the text by the file it claims to be, so a file that imports
  // the main Corefile back is caught as a cycle.
  std::string path =
      filename.starts_with('/') || base_dir.empty() ? filename : base_dir + "/" + filename;
  return Parser(options).run(text, filename, base_dir, "file " + canonical_path(path));
}

Config parse_file(const std::string& path, const ParseOptions& options) {
  std::string text = read_corefile(path, path, 0);
  return Parser(options).run(text, path, directory_of(path), "file " + canonical_path(path));
}

}  // namespace skycore::corefile
