// skycore's entry point: flags, Corefile, server start-up, signals.
#include <fmt/format.h>
#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/app/flags.h"
#include "core/plugin/json_text.h"
#include "core/plugin/plugin_log.h"
#include "core/app/supervisor.h"
#include "core/app/version.h"
#include "core/corefile/error.h"
#include "core/corefile/parser.h"
#include "core/plugin/setup.h"
#include "core/server/server.h"

using namespace skycore;

namespace {

// CoreDNS's banner: one line per zone key, then the version. As JSON, one
// object with the same facts.
void print_banner(const server::ServerPlan& plan) {
  std::string out;
  if (log_format() == LogFormat::json) {
    out = "{\"level\":\"info\",\"msg\":\"serving\",\"zones\":[";
    bool first = true;
    for (const auto& l : plan.listeners)
      for (const auto& k : l.zone_keys) {
        if (!first) out += ',';
        append_json_string(out, k);
        first = false;
      }
    out += "],\"version\":";
    append_json_string(out, fmt::format("skycore-{}", kVersion));
    out += ",\"build\":";
    append_json_string(out, kBuildDescription);
    out += "}\n";
  } else {
    for (const auto& l : plan.listeners)
      for (const auto& k : l.zone_keys) out += k + "\n";
    out += fmt::format("skycore-{}\n{}\n", kVersion, kBuildDescription);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
}

// A start-up error: "file:line: message" as it is, or as a JSON line.
void print_error(const char* what) {
  if (log_format() != LogFormat::json) {
    fmt::print(stderr, "{}\n", what);
    return;
  }
  std::string line = "{\"level\":\"fatal\",\"msg\":";
  append_json_string(line, what);
  line += "}\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}

// As CoreDNS: SIGUSR1 reloads the Corefile; SIGINT/SIGTERM stop (after the
// lameduck), SIGQUIT stops at once; SIGHUP and SIGUSR2 (CoreDNS's binary
// upgrade, which skycore does not do) are logged and ignored.
int serve_until_stopped(const sigset_t& set, app::Supervisor& sup, bool quiet) {
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGINT || sig == SIGTERM || sig == SIGQUIT) return sig;
    if (sig == SIGUSR1 && sup.reload() && !quiet) print_banner(sup.plan());  // as CoreDNS does
    if (sig == SIGUSR2 || sig == SIGHUP) {
      plugin_log("", LogLevel::info, "{} received and ignored", sig == SIGUSR2 ? "SIGUSR2" : "SIGHUP");
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  app::Flags flags;
  if (auto err = app::parse_flags(argc, argv, flags)) {
    fmt::print(stderr, "{}\n{}", *err, app::usage(argv[0]));
    return 2;
  }
  if (flags.log_json) set_log_format(LogFormat::json);
  if (flags.version) {
    fmt::print("skycore-{}\n{}\n", kVersion, kBuildDescription);
    return 0;
  }
  if (flags.plugins) {
    fmt::print("Server types:\n  dns\n\nPlugins (chain order):\n");
    for (const auto& p : compiled_plugins()) fmt::print("  dns.{}\n", p.name);
    return 0;
  }

  // A fixed mmap threshold: glibc otherwise raises it to the size of each
  // large block freed, after which list pages and journal reads of several
  // 100 KiB come from the arenas and leave holes between the long-lived
  // records (1.3 MB of RSS at 10,000 kubernetes Services).
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);

  // Block the stop signals before any thread starts so only sigwait sees them.
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2}) sigaddset(&set, s);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  app::Supervisor sup(flags);
  try {
    if (flags.validate) {
      auto config = app::load_config(flags);
      server::PlanOptions opts{flags.dns_port, true, server::usable_cpus(), nullptr, build_info()};
      server::build_plan(config, opts);
      if (!flags.quiet) fmt::print("{}: valid\n", flags.conf.empty() ? "Corefile" : flags.conf);
      return 0;
    }
    sup.start();
  } catch (const std::exception& e) {  // corefile::Error (file:line), a listener that cannot bind
    print_error(e.what());
    return 1;
  }

  if (!flags.pidfile.empty()) {
    std::ofstream(flags.pidfile) << getpid() << "\n";
  }
  if (!flags.quiet) print_banner(sup.plan());

  int sig = serve_until_stopped(set, sup, flags.quiet);
  if (!flags.quiet)
    plugin_log("", LogLevel::info, "{} received, shutting down",
               sig == SIGINT ? "SIGINT" : sig == SIGQUIT ? "SIGQUIT" : "SIGTERM");
  sup.stop(sig != SIGQUIT);
  if (!flags.pidfile.empty()) std::filesystem::remove(flags.pidfile);
  return 0;
}
