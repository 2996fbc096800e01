#include <fmt/format.h>

#include <filesystem>

#include "core/plugin/setup.h"
#include "plugins/tls/server_context.h"

namespace skycore::plugins::tls {
namespace {

ClientAuth parse_client_auth(corefile::TokenCursor& c) {
  const std::string& v = c.val();
  if (v == "nocert") return ClientAuth::nocert;
  if (v == "request") return ClientAuth::request;
  if (v == "require") return ClientAuth::require;
  if (v == "verify_if_given") return ClientAuth::verify_if_given;
  if (v == "require_and_verify") return ClientAuth::require_and_verify;
  throw c.err(fmt::format("tls: client_auth '{}': nocert, request, require, verify_if_given or require_and_verify", v));
}

}  // namespace

// Syntax (CoreDNS's): tls CERT KEY [CA] { client_auth nocert|request|require|verify_if_given|require_and_verify }
// Once per block. Relative paths are relative to the Corefile's directory
// when the file exists there, else to the working directory.
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  ServerTls tls;
  if (!c.next_once()) return nullptr;
  const int line = c.line();
  auto args = c.remaining_args();
  if (args.size() < 2 || args.size() > 3) throw c.arg_err();
  auto resolve = [&](const std::string& f) {
    std::filesystem::path p(f);
    if (p.is_absolute()) return f;
    std::error_code ec;
    auto beside = std::filesystem::path(c.file()).parent_path() / p;
    return std::filesystem::exists(beside, ec) ? beside.string() : f;
  };
  tls.cert = resolve(args[0]);
  tls.key = resolve(args[1]);
  if (args.size() == 3) tls.ca = resolve(args[2]);
  while (c.next_block()) {
    if (c.val() != "client_auth") throw c.unknown_property();
    if (!c.next_arg()) throw c.arg_err();
    tls.client_auth = parse_client_auth(c);
    if (c.next_arg()) throw c.arg_err();
  }
  if ((tls.client_auth == ClientAuth::verify_if_given || tls.client_auth == ClientAuth::require_and_verify) &&
      tls.ca.empty())
    throw corefile::Error(c.file(), line, "tls: client_auth that verifies needs a CA");
  c.next_once();  // a second `tls` in the block is an error
  try {
    ctx.settings.tls = make_server_context(tls);  // read now, so -validate checks the files
  } catch (const std::exception& e) {
    throw corefile::Error(c.file(), line, e.what());
  }
  return nullptr;  // configures the listeners; not part of the query path
}

}  // namespace skycore::plugins::tls
