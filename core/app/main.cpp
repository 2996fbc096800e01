// skycore's entry point: flags, Corefile, server start-up, signals.
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/app/flags.h"
#include "core/app/version.h"
#include "core/corefile/error.h"
#include "core/corefile/parser.h"
#include "core/plugin/setup.h"
#include "core/server/server.h"

using namespace skycore;

namespace {

// Without -conf and without ./Corefile, CoreDNS serves whoami on every name.
corefile::Config load_config(const app::Flags& flags) {
  if (!flags.conf.empty()) return corefile::parse_file(flags.conf);
  if (std::filesystem::exists("Corefile")) return corefile::parse_file("Corefile");
  return corefile::parse_string(". {\n    whoami\n}\n", "Corefile", ".");
}

void print_banner(const server::ServerPlan& plan) {
  std::string out;
  for (const auto& l : plan.listeners)
    for (const auto& k : l.zone_keys) out += k + "\n";
  out += fmt::format("skycore-{}\n{}\n", kVersion, kBuildDescription);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
}

int wait_for_stop_signal(const sigset_t& set) {
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGINT || sig == SIGTERM) return sig;
    // SIGHUP/SIGUSR1 are reserved for reload (not implemented yet): ignore.
  }
}

}  // namespace

int main(int argc, char** argv) {
  app::Flags flags;
  if (auto err = app::parse_flags(argc, argv, flags)) {
    fmt::print(stderr, "{}\n{}", *err, app::usage(argv[0]));
    return 2;
  }
  if (flags.version) {
    fmt::print("skycore-{}\n{}\n", kVersion, kBuildDescription);
    return 0;
  }
  if (flags.plugins) {
    fmt::print("Server types:\n  dns\n\nPlugins (chain order):\n");
    for (const auto& p : compiled_plugins()) fmt::print("  dns.{}\n", p.name);
    return 0;
  }

  // Block the stop signals before any thread starts so only sigwait sees them.
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGUSR1}) sigaddset(&set, s);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<server::Server> srv;
  try {
    auto config = load_config(flags);
    server::PlanOptions opts{flags.dns_port, flags.validate, server::usable_cpus()};
    auto plan = server::build_plan(config, opts);
    if (flags.validate) {
      if (!flags.quiet) fmt::print("{}: valid\n", flags.conf.empty() ? "Corefile" : flags.conf);
      return 0;
    }
    srv = std::make_unique<server::Server>(std::move(plan), opts.workers);
    srv->start();
  } catch (const corefile::Error& e) {
    fmt::print(stderr, "{}\n", e.what());
    return 1;
  } catch (const std::exception& e) {  // a listener that cannot bind, and the like
    fmt::print(stderr, "{}\n", e.what());
    return 1;
  }

  if (!flags.pidfile.empty()) {
    std::ofstream(flags.pidfile) << getpid() << "\n";
  }
  if (!flags.quiet) print_banner(srv->plan());

  int sig = wait_for_stop_signal(set);
  if (!flags.quiet) fmt::print("[INFO] {} received, shutting down\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  srv->stop();
  if (!flags.pidfile.empty()) std::filesystem::remove(flags.pidfile);
  return 0;
}
