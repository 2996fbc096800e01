#include "plugins/kubernetes/kubeconfig.h"

#include <Poco/Base64Decoder.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace skycore::plugins::kubernetes {
namespace {

// A YAML (or JSON) value, as much of it as a kubeconfig uses. (A mapping
// entry is a struct of its own: std::pair<std::string, Node> needs Node
// complete, which clang with libstdc++ enforces.)
struct Node {
  struct Entry;
  std::string scalar;
  std::vector<Entry> map;
  std::vector<Node> seq;
  const Node* get(const std::string& key) const;
  std::string text(const std::string& key) const {
    const Node* n = get(key);
    return n ? n->scalar : std::string();
  }
};
struct Node::Entry {
  std::string key;
  Node value;
};
const Node* Node::get(const std::string& key) const {
  for (const auto& [k, v] : map)
    if (k == key) return &v;
  return nullptr;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("cannot read '{}'", path));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// --- a block-style YAML subset: mappings, sequences, plain and quoted scalars.

struct Line {
  size_t indent;
  std::string text;
  size_t number;
};

class Yaml {
 public:
  Yaml(const std::string& text, std::string file) : file_(std::move(file)) {
    std::istringstream in(text);
    std::string raw;
    size_t number = 0;
    while (std::getline(in, raw)) {
      ++number;
      if (!raw.empty() && raw.back() == '\r') raw.pop_back();
      size_t indent = raw.find_first_not_of(' ');
      if (indent == std::string::npos) continue;
      if (raw[indent] == '\t') throw error(number, "tabs are not allowed for indentation");
      std::string t = raw.substr(indent);
      if (t[0] == '#' || t == "---" || t == "...") continue;
      lines_.push_back({indent, t, number});
    }
  }

  Node parse() {
    if (lines_.empty()) return {};
    Node n = block(lines_[0].indent);
    if (pos_ < lines_.size()) throw error(lines_[pos_].number, "unexpected indentation");
    return n;
  }

 private:
  std::runtime_error error(size_t line, const std::string& what) const {
    return std::runtime_error(fmt::format("{}:{}: {}", file_, line, what));
  }

  Node block(size_t indent) {
    Node n;
    if (lines_[pos_].text.rfind("- ", 0) == 0 || lines_[pos_].text == "-") {
      while (pos_ < lines_.size() && lines_[pos_].indent == indent &&
             (lines_[pos_].text.rfind("- ", 0) == 0 || lines_[pos_].text == "-")) {
        Line& l = lines_[pos_];
        std::string rest = l.text == "-" ? "" : l.text.substr(2);
        size_t skip = rest.find_first_not_of(' ');
        if (skip == std::string::npos) {
          ++pos_;
          n.seq.push_back(pos_ < lines_.size() && lines_[pos_].indent > indent ? block(lines_[pos_].indent) : Node{});
          continue;
        }
        // "- key: value" opens a mapping whose first line is this one.
        l.indent = indent + 2 + skip;
        l.text = rest.substr(skip);
        if (is_mapping_line(l.text)) {
          n.seq.push_back(block(l.indent));
        } else {
          n.seq.push_back(Node{scalar(l.text, l.number), {}, {}});
          ++pos_;
        }
      }
      return n;
    }
    while (pos_ < lines_.size() && lines_[pos_].indent == indent) {
      const Line l = lines_[pos_];
      if (!is_mapping_line(l.text)) throw error(l.number, "expected 'key: value'");
      size_t colon = key_end(l.text);
      std::string key = unquote(l.text.substr(0, colon), l.number);
      std::string rest = l.text.substr(colon + 1);
      size_t start = rest.find_first_not_of(' ');
      ++pos_;
      if (start == std::string::npos || rest[start] == '#') {
        // The value is the indented block below (a sequence may sit at the key's indent).
        if (pos_ < lines_.size() &&
            (lines_[pos_].indent > indent ||
             (lines_[pos_].indent == indent && lines_[pos_].text.rfind("- ", 0) == 0)))
          n.map.push_back({key, block(lines_[pos_].indent)});
        else
          n.map.push_back({key, Node{}});
      } else {
        std::string value = scalar(rest.substr(start), l.number);
        // A long plain value folded onto more-indented lines (as go-yaml
        // writes a GKE user's installHint): joined with single spaces.
        while (pos_ < lines_.size() && lines_[pos_].indent > indent) {
          const std::string& more = lines_[pos_].text;
          if (rest[start] == '"' || rest[start] == '\'' || more.rfind("- ", 0) == 0 || is_mapping_line(more))
            throw error(lines_[pos_].number, "unexpected indentation");
          value += " " + more;
          ++pos_;
        }
        n.map.push_back({key, Node{value, {}, {}}});
      }
    }
    return n;
  }

  static size_t key_end(const std::string& t) {
    if (!t.empty() && (t[0] == '"' || t[0] == '\'')) {
      size_t close = t.find(t[0], 1);
      return close == std::string::npos ? std::string::npos : t.find(':', close);
    }
    for (size_t i = 0; i < t.size(); ++i)
      if (t[i] == ':' && (i + 1 == t.size() || t[i + 1] == ' ')) return i;
    return std::string::npos;
  }
  static bool is_mapping_line(const std::string& t) { return key_end(t) != std::string::npos; }

  std::string unquote(std::string s, size_t line) const {
    while (!s.empty() && s.back() == ' ') s.pop_back();
    if (s.size() >= 2 && s.front() == '\'' && s.back() == '\'') {
      std::string out;
      for (size_t i = 1; i + 1 < s.size(); ++i) {
        out += s[i];
        if (s[i] == '\'' && s[i + 1] == '\'') ++i;  // '' is one quote
      }
      return out;
    }
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') {
      std::string out;
      for (size_t i = 1; i + 1 < s.size(); ++i) {
        if (s[i] == '\\' && i + 2 < s.size()) {
          char c = s[++i];
          out += c == 'n' ? '\n' : c == 't' ? '\t' : c;
        } else {
          out += s[i];
        }
      }
      return out;
    }
    if (!s.empty() && (s.front() == '"' || s.front() == '\'')) throw error(line, "unclosed quote");
    return s;
  }

  std::string scalar(std::string s, size_t line) const {
    if (!s.empty() && (s[0] == '"' || s[0] == '\'')) {
      // A quoted scalar ends at its closing quote; a comment may follow.
      size_t i = 1;
      for (; i < s.size(); ++i) {
        if (s[0] == '"' && s[i] == '\\') {
          ++i;
        } else if (s[i] == s[0]) {
          if (s[0] == '\'' && i + 1 < s.size() && s[i + 1] == '\'') {
            ++i;  // '' inside single quotes
            continue;
          }
          break;
        }
      }
      if (i >= s.size()) throw error(line, "unclosed quote");
      std::string rest = s.substr(i + 1);
      size_t more = rest.find_first_not_of(' ');
      if (more != std::string::npos && rest[more] != '#') throw error(line, "text after a quoted value");
      return unquote(s.substr(0, i + 1), line);
    }
    if (!s.empty()) {
      if (auto hash = s.find(" #"); hash != std::string::npos) s = s.substr(0, hash);  // a comment
      if (s == "|" || s == ">" || s == "|-" || s == ">-")
        throw error(line, "block scalars (| and >) are not supported in a kubeconfig");
    }
    return unquote(s, line);
  }

  std::vector<Line> lines_;
  size_t pos_ = 0;
  std::string file_;
};

// JSON kubeconfigs map onto the same Node.
Node from_json(const Poco::Dynamic::Var& v) {
  Node n;
  if (v.type() == typeid(Poco::JSON::Object::Ptr)) {
    auto o = v.extract<Poco::JSON::Object::Ptr>();
    for (const auto& [k, val] : *o) n.map.push_back({k, from_json(val)});
  } else if (v.type() == typeid(Poco::JSON::Array::Ptr)) {
    auto a = v.extract<Poco::JSON::Array::Ptr>();
    for (size_t i = 0; i < a->size(); ++i) n.seq.push_back(from_json(a->get(i)));
  } else if (!v.isEmpty()) {
    n.scalar = v.convert<std::string>();
  }
  return n;
}

// Read through the istream, not its buffer: Poco's decoder throws
// DataFormatException at a character outside the alphabet, which read()
// turns into badbit (an exception out of a string being built from
// istreambuf_iterators leaked it). Bad or empty data is a runtime_error.
std::string unbase64(const std::string& s, const std::string& what, const std::string& path) {
  std::istringstream in(s);
  Poco::Base64Decoder dec(in);
  std::string out;
  char buf[4096];
  while (dec.read(buf, sizeof buf) || dec.gcount() > 0) out.append(buf, static_cast<size_t>(dec.gcount()));
  if (dec.bad() || out.empty()) throw std::runtime_error(fmt::format("{}: {} is not base64", path, what));
  return out;
}

const Node* named(const Node* list, const std::string& name) {
  if (!list) return nullptr;
  for (const auto& item : list->seq)
    if (item.text("name") == name) return &item;
  return nullptr;
}

}  // namespace

ApiServer read_kubeconfig(const std::string& path, const std::string& context) {
  const std::string text = read_file(path);
  Node root;
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '{') {
    try {
      root = from_json(Poco::JSON::Parser().parse(text));
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("{}: not valid JSON ({})", path, e.what()));
    }
  } else {
    root = Yaml(text, path).parse();
  }
  const auto dir = std::filesystem::absolute(path).parent_path();
  auto resolve = [&](const std::string& p) { return std::filesystem::path(p).is_absolute() ? p : (dir / p).string(); };

  std::string ctx_name = context.empty() ? root.text("current-context") : context;
  if (ctx_name.empty()) throw std::runtime_error(fmt::format("{}: no current-context and none given", path));
  const Node* ctx = named(root.get("contexts"), ctx_name);
  if (!ctx || !ctx->get("context")) throw std::runtime_error(fmt::format("{}: no context '{}'", path, ctx_name));
  const std::string cluster_name = ctx->get("context")->text("cluster");
  const std::string user_name = ctx->get("context")->text("user");
  const Node* cluster = named(root.get("clusters"), cluster_name);
  if (!cluster || !cluster->get("cluster"))
    throw std::runtime_error(fmt::format("{}: context '{}' names cluster '{}', which is not there", path, ctx_name, cluster_name));
  const Node& c = *cluster->get("cluster");

  std::string why;
  auto server = parse_server_url(c.text("server"), why);
  if (!server) throw std::runtime_error(fmt::format("{}: cluster '{}': {}", path, cluster_name, why));
  if (!c.text("certificate-authority-data").empty())
    server->ca_pem = unbase64(c.text("certificate-authority-data"), "certificate-authority-data", path);
  else if (!c.text("certificate-authority").empty())
    server->ca_pem = read_file(resolve(c.text("certificate-authority")));
  server->skip_verify = c.text("insecure-skip-tls-verify") == "true";

  if (!user_name.empty()) {
    const Node* user = named(root.get("users"), user_name);
    if (!user) throw std::runtime_error(fmt::format("{}: context '{}' names user '{}', which is not there", path, ctx_name, user_name));
    const Node* u = user->get("user");
    if (u) {
      if (u->get("exec") || u->get("auth-provider"))
        throw std::runtime_error(fmt::format("{}: user '{}': exec and auth-provider credentials are not supported; use a token or a client certificate", path, user_name));
      if (!u->text("client-certificate-data").empty())
        server->cert_pem = unbase64(u->text("client-certificate-data"), "client-certificate-data", path);
      else if (!u->text("client-certificate").empty())
        server->cert_pem = read_file(resolve(u->text("client-certificate")));
      if (!u->text("client-key-data").empty())
        server->key_pem = unbase64(u->text("client-key-data"), "client-key-data", path);
      else if (!u->text("client-key").empty())
        server->key_pem = read_file(resolve(u->text("client-key")));
      server->token = u->text("token");
      if (!u->text("tokenFile").empty()) server->token_file = resolve(u->text("tokenFile"));
      if (server->cert_pem.empty() != server->key_pem.empty())
        throw std::runtime_error(fmt::format("{}: user '{}': a client certificate needs its key and the other way round", path, user_name));
    }
  }
  return *server;
}

ApiServer in_cluster_config() {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (!host || !*host || !port || !*port)
    throw std::runtime_error("no endpoint or kubeconfig given, and not in a cluster (KUBERNETES_SERVICE_HOST/PORT unset)");
  std::string h = host;
  std::string url = "https://" + (h.find(':') != std::string::npos ? "[" + h + "]" : h) + ":" + port;
  std::string why;
  auto server = parse_server_url(url, why);
  if (!server) throw std::runtime_error(why);
  const std::string sa = "/var/run/secrets/kubernetes.io/serviceaccount/";
  server->token_file = sa + "token";
  if (!std::filesystem::exists(server->token_file)) throw std::runtime_error("in-cluster: " + server->token_file + " is missing");
  server->ca_pem = read_file(sa + "ca.crt");
  return *server;
}

}  // namespace skycore::plugins::kubernetes
