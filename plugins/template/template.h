// template: answers from templates for names that match a zone, a class, a
// type and a regular expression (CoreDNS's template). Each `template`
// directive of a block is one template of one plugin, tried in order; the
// first that matches answers. A template whose zone, class and type fit but
// whose expressions do not match answers SERVFAIL unless it falls through.
#pragma once
#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <prometheus/metric_family.h>

#include "core/plugin/fallthrough.h"
#include "core/plugin/per_worker.h"
#include "core/plugin/plugin.h"
#include "core/plugin/worker_regex.h"
#include "core/wire/name.h"
#include "plugins/template/go_template.h"
#include "plugins/template/rr_text.h"

namespace skycore::plugins::template_ {

struct Match {
  std::shared_ptr<const WorkerRegex> re;
  std::vector<std::pair<std::string, int>> named;  // named groups -> index
};

struct Template {
  uint16_t qclass = 0, qtype = 0;  // ANY (255) matches all
  std::vector<wire::Name> zones;
  std::vector<Match> matches;  // none: every name
  std::vector<GoTemplate> answer, additional, authority;
  uint16_t rcode = 0;
  bool ederror = false;
  uint16_t ede_code = 0;
  std::string ede_reason;
  Fallthrough fall;
  bool uses_groups = false;  // some RR reads .Match / .Group
  bool may_chase = false;    // an answer line may be a CNAME (then A/AAAA follow it)
};

class TemplatePlugin final : public Plugin {
 public:
  TemplatePlugin(std::vector<Template> templates, size_t workers);
  std::string_view name() const override { return "template"; }
  asio::awaitable<Result> serve(Request& req, Next next) override;

  // skycore_template_{matches,template_failures,rr_failures}_total.
  void collect(std::vector<prometheus::MetricFamily>& out, const std::string& server) const;

 private:
  struct Counters {
    std::vector<WorkerCounter> matches, template_failures, rr_failures;  // per template
  };
  // Everything one answer works with, outside the coroutine frame: the
  // worker's own for answers that never wait, a copy of its own for one
  // that follows a CNAME through the chain (it waits, and the worker serves
  // other queries meanwhile).
  struct Scratch {
    std::string name, zone, rendered;
    char remote[64] = {};
    char cls[16] = {}, type[16] = {};
    std::array<re2::StringPiece, 32> groups{};
    int ngroups = 0;
    const Match* which = nullptr;
    const wire::Name* matched_zone = nullptr;
    RrHead head;
  };
  struct Worker {
    Scratch scratch;
    Counters counters;
  };
  enum class Outcome { matched, no_match, servfail };
  Outcome match(const Template& t, const Request& req, Scratch& s) const;
  asio::awaitable<Result> answer(Request& req, size_t index, Scratch& s, bool chase) const;

  std::vector<Template> templates_;
  std::vector<wire::Name> zones_;  // every template's zones
  mutable PerWorker<Worker> workers_;
};

}  // namespace skycore::plugins::template_
