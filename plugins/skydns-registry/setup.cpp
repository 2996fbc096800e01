#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "core/plugin/http_probe.h"
#include "core/plugin/zone_args.h"
#include "core/corefile/bounded_args.h"
#include "core/corefile/reverse_zone.h"
#include "core/plugin/setup.h"
#include "plugins/skydns-registry/etcd_store.h"
#include "plugins/skydns-registry/health_checker.h"
#include "plugins/skydns-registry/http_api.h"
#include "plugins/skydns-registry/skydns_registry.h"
#include "plugins/skydns-registry/token_file.h"
#include "plugins/skydns-registry/upkeep.h"

#include <map>
#include <mutex>

namespace skycore::plugins::skydns_registry {
namespace {

struct Options {
  std::vector<wire::Name> zones;
  std::string api = "127.0.0.1:8053";  // SkyDNS used 8080; CoreDNS's health plugin has it now
  std::string secret;
  std::vector<ApiToken> tokens;  // `token NAME SECRET { environments ...; read-only }`
  bool reads_open = false;       // `reads open`: GET needs no token
  std::string store = "file";
  std::string path = "skydns-registry.journal";
  std::vector<EtcdEndpoint> etcd;
  std::string prefix = "/skydns";
  std::string catalogue;  // services FILE.toml
  std::string file;
  int line = 0;
};

Options parse(SetupContext& ctx) {
  auto& c = ctx.cursor;
  Options o;
  while (c.next_once()) {
    o.file = c.file();
    o.line = c.line();
    o.zones = zone_args(c, "skydns-registry", c.remaining_args());
    while (c.next_block()) {
      std::string prop = c.val();
      static const char* kKnown[] = {"api", "secret", "token", "tokens", "reads", "store", "services"};
      if (std::find(std::begin(kKnown), std::end(kKnown), prop) == std::end(kKnown))
        throw c.unknown_property();  // before reading its arguments, so the name is right
      auto args = c.remaining_args();
      if (prop == "api") {
        if (args.size() != 1 || !valid_listen_address(args[0])) throw c.err("skydns-registry: api wants HOST:PORT");
        o.api = args[0];
      } else if (prop == "secret") {
        if (args.size() != 1) throw c.arg_err();
        o.secret = args[0];
      } else if (prop == "token") {
        if (args.size() != 2) throw c.err("skydns-registry: token wants NAME SECRET");
        ApiToken t{args[0], args[1], {}, false, true};
        if (t.secret.size() < 16) throw c.err(fmt::format("skydns-registry: token '{}': a secret of 16 characters at least", t.name));
        for (const auto& other : o.tokens)
          if (other.name == t.name) throw c.err(fmt::format("skydns-registry: token '{}' given twice", t.name));
        for (int n = c.nesting(); c.next_block(n);) {
          if (c.val() == "read-only") {
            if (c.next_arg()) throw c.arg_err();
            t.read_only = true;
          } else if (c.val() == "environments") {
            auto envs = c.remaining_args();
            if (envs.empty()) throw c.arg_err();
            for (auto e : envs) {
              for (auto& ch : e) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
              t.environments.push_back(e);
            }
          } else {
            throw c.unknown_property();
          }
        }
        o.tokens.push_back(std::move(t));
      } else if (prop == "tokens") {
        if (args.size() != 1) throw c.err("skydns-registry: tokens wants one FILE");
        std::vector<ApiToken> read;
        try {  // read now, so -validate reports a bad line with both places
          read = read_token_file(args[0]);
        } catch (const std::exception& e) {
          throw c.err(fmt::format("skydns-registry: tokens: {}", e.what()));
        }
        for (auto& t : read) {
          for (const auto& other : o.tokens)
            if (other.name == t.name) throw c.err(fmt::format("skydns-registry: token '{}' given twice", t.name));
          o.tokens.push_back(std::move(t));
        }
      } else if (prop == "reads") {
        if (args.size() != 1 || (args[0] != "open" && args[0] != "token"))
          throw c.err("skydns-registry: reads wants open or token");
        o.reads_open = args[0] == "open";
      } else if (prop == "store") {
        if (args.empty()) throw c.arg_err();
        o.store = args[0];
        if (o.store == "memory") {
          if (args.size() != 1) throw c.arg_err();
        } else if (o.store == "file") {
          if (args.size() > 2) throw c.arg_err();
          if (args.size() == 2) o.path = args[1];
          // Room for the ".tmp" sibling the journal is rewritten through.
          if (!corefile::plausible_path(o.path + ".tmp"))
            throw c.err(fmt::format("skydns-registry: store file: '{}' is not a usable path (too long)", o.path.substr(0, 80)));
          auto dir = std::filesystem::absolute(o.path).parent_path();
          if (!std::filesystem::is_directory(dir))  // reported on this line, not the block's end
            throw c.err(fmt::format("skydns-registry: directory '{}' does not exist", dir.string()));
        } else if (o.store == "etcd") {
          // store etcd ENDPOINT... [prefix PATH]
          for (size_t i = 1; i < args.size(); ++i) {
            if (args[i] == "prefix") {
              if (i + 2 != args.size() || args[i + 1].empty() || args[i + 1][0] != '/')
                throw c.err("skydns-registry: store etcd: prefix wants one path starting with '/', last on the line");
              o.prefix = args[++i];
              continue;
            }
            auto ep = parse_etcd_endpoint(args[i]);
            if (!ep) throw c.err(fmt::format("skydns-registry: '{}' is not an etcd endpoint (http://HOST:PORT)", args[i]));
            o.etcd.push_back(*ep);
          }
          if (o.etcd.empty()) o.etcd.push_back({"127.0.0.1", 2379});  // etcd's own default
        } else {
          throw c.err(fmt::format("skydns-registry: unknown store '{}'", o.store));
        }
      } else if (prop == "services") {
        if (args.size() != 1) throw c.arg_err();
        o.catalogue = args[0];
        try {  // checked now, so a bad catalogue stops start-up with both lines
          read_catalogue(o.catalogue, WallClock::now());
        } catch (const std::exception& e) {
          throw c.err(fmt::format("skydns-registry: services: {}", e.what()));
        }
      }
    }
  }
  // One secret, one scope: with two tokens sharing it, which one a request
  // is would depend on their order.
  std::vector<std::pair<std::string_view, std::string_view>> secrets;  // name, secret
  for (const auto& t : o.tokens) secrets.emplace_back(t.name, t.secret);
  if (!o.secret.empty()) secrets.emplace_back("secret", o.secret);
  for (size_t i = 0; i < secrets.size(); ++i)
    for (size_t j = i + 1; j < secrets.size(); ++j)
      if (secrets[i].second == secrets[j].second)
        throw c.err(fmt::format("skydns-registry: tokens '{}' and '{}' have the same secret: each wants its own",
                                secrets[i].first, secrets[j].first));
  if (o.zones.empty()) o.zones = block_zones(ctx);
  return o;
}

// What one registry runs besides answering: its store, HTTP API and upkeep
// thread. It is kept across reloads (SharedServices::keep, one per API
// address), so a reload never reopens the journal or rebinds the API port.
struct Core {
  std::string identity;  // store, API address, secret and catalogue, as configured
  std::string api_address;
  std::shared_ptr<Registry> registry;
  std::shared_ptr<HttpApi> api;
  std::unique_ptr<Upkeep> upkeep;
  std::unique_ptr<HealthChecker> checker;
  std::once_flag started;

  void start() {
    std::call_once(started, [this] {
      registry->start_watching();
      checker->start();
      api->start();
      upkeep->start();
    });
  }
  ~Core() {  // also for a Core whose making failed half-way
    if (checker) checker->stop();
    if (upkeep) upkeep->stop();
    if (api) api->stop();
    if (registry) registry->stop_watching();
  }
};

std::string identity_of(const Options& o) {
  std::string store = o.store == "file" ? "file " + std::filesystem::absolute(o.path).string() : o.store;
  for (const auto& e : o.etcd) store += fmt::format(" {}:{}", e.host, e.port);
  if (o.store == "etcd") store += " prefix " + o.prefix;
  std::string tokens = o.reads_open ? "reads open" : "reads token";
  for (const auto& t : o.tokens) {
    tokens += fmt::format(" {}={}{}", t.name, t.secret, t.read_only ? " ro" : "");
    for (const auto& e : t.environments) tokens += "," + e;
  }
  return fmt::format("{}|{}|{}|{}|{}", store, o.api, o.secret, o.catalogue, tokens);
}

std::shared_ptr<Core> make_core(const Options& o) {
  auto core = std::make_shared<Core>();
  core->identity = identity_of(o);
  core->api_address = o.api;
  try {
    std::unique_ptr<Store> store;
    if (o.store == "memory") store = std::make_unique<MemoryStore>();
    else if (o.store == "etcd") store = make_etcd_store({o.etcd, o.prefix, o.zones.front()});
    else store = make_file_store(o.path);
    core->registry = std::make_shared<Registry>(std::move(store));
    core->registry->load(WallClock::now());
  } catch (const std::exception& e) {  // an unreadable journal must not start half empty
    throw corefile::Error(o.file, o.line, fmt::format("skydns-registry: {}", e.what()));
  }
  if (!o.catalogue.empty()) core->registry->set_catalogue(read_catalogue(o.catalogue, WallClock::now()));
  std::vector<ApiToken> tokens = o.tokens;
  if (!o.secret.empty()) tokens.push_back({"secret", o.secret, {}, false, false});  // SkyDNS's one shared secret
  core->api = std::make_shared<HttpApi>(*core->registry, o.api, ApiAuth(std::move(tokens), o.reads_open));
  core->registry->on_removed([weak = std::weak_ptr<HttpApi>(core->api)](const Service& s) {
    if (auto a = weak.lock()) a->notify_removed(s);
  });
  core->registry->on_health([weak = std::weak_ptr<HttpApi>(core->api)](const Service& s) {
    if (auto a = weak.lock()) a->notify_health(s);
  });
  core->upkeep = std::make_unique<Upkeep>(core->registry, o.catalogue);
  std::shared_ptr<HealthShare> share;  // servers sharing etcd share check results too
  if (o.store == "etcd") share = std::make_shared<HealthShare>(o.etcd, etcd_zone_path(o.prefix + "-health", o.zones.front()));
  core->checker = std::make_unique<HealthChecker>(core->registry, std::move(share));
  return core;
}

// The core outlives configurations, and so do its counters: one persistent
// collector per API address reports whichever core serves it now (one per
// generation would count the same checks again after every reload). The
// collector runs under the metrics hub's lock, so it reads a slot of its own
// rather than SharedServices' kept objects, whose lock is taken before the
// hub's at reload.
void publish_metrics(SetupContext& ctx, const std::string& api, const std::shared_ptr<Core>& core) {
  struct Slot {
    std::mutex mu;
    std::weak_ptr<Core> core;
  };
  static std::mutex slots_mu;
  static std::map<std::pair<const SharedServices*, std::string>, std::shared_ptr<Slot>> slots;
  std::shared_ptr<Slot> slot;
  bool created = false;
  {
    std::lock_guard lock(slots_mu);
    auto& s = slots[{ctx.shared, api}];
    if (!s) {
      s = std::make_shared<Slot>();
      created = true;
    }
    slot = s;
  }
  {
    std::lock_guard lock(slot->mu);
    slot->core = core;
  }
  if (created)
    ctx.shared->metrics.add_persistent([slot](std::vector<prometheus::MetricFamily>& out) {
      std::shared_ptr<Core> c;
      {
        std::lock_guard lock(slot->mu);
        c = slot->core.lock();
      }
      if (c) c->checker->collect(out);
    });
}

}  // namespace

// Syntax: skydns-registry [ZONES...] { api ADDR; secret TOKEN; reads open|token;
//   token NAME SECRET { environments ENV...; read-only }; tokens FILE;
//   store memory | file PATH | etcd ENDPOINT... [prefix /skydns]; services FILE.toml }
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  Options o = parse(ctx);
  if (ctx.validate_only) {
    return std::make_unique<SkydnsRegistry>(o.zones, std::make_shared<Registry>(std::make_unique<MemoryStore>()),
                                            ctx.workers);
  }
  std::shared_ptr<Core> core;
  if (ctx.shared) {
    // One core per API address (its port can be bound once) and per journal
    // (two stores on one file would corrupt it); a reload may not change
    // what a running core was made from.
    const std::string journal_key =
        o.store == "file" ? "skydns-registry journal " + std::filesystem::absolute(o.path).string() : "";
    if (!journal_key.empty())
      if (auto owner = ctx.shared->find_kept<Core>(journal_key); owner && owner->api_address != o.api)
        throw corefile::Error(o.file, o.line,
                              fmt::format("skydns-registry: the journal {} is used by the API on {}; changing "
                                          "that needs a restart", o.path, owner->api_address));
    const std::string core_key = "skydns-registry api " + o.api;
    core = ctx.shared->keep<Core>(core_key, [&] { return make_core(o); });
    if (core->identity != identity_of(o))
      throw corefile::Error(o.file, o.line,
                            fmt::format("skydns-registry: the API on {} runs with another store, secret, tokens or "
                                        "services file; changing those needs a restart", o.api));
    if (!journal_key.empty()) ctx.shared->keep<Core>(journal_key, [&] { return core; });
    publish_metrics(ctx, o.api, core);
  } else {
    core = make_core(o);
  }
  auto plugin = std::make_unique<SkydnsRegistry>(o.zones, core->registry, ctx.workers, core);
  ctx.on_startup.push_back([core] { core->start(); });
  return plugin;
}

}  // namespace skycore::plugins::skydns_registry
