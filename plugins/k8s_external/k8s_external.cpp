#include "plugins/k8s_external/k8s_external.h"

namespace skycore::plugins::k8s_external {
namespace {

ZoneSoaStyle style_for(const Config& cfg) {
  ZoneSoaStyle s;
  s.host = "ns1";
  s.apex = cfg.apex;
  s.refresh = 14400;
  s.retry = 3600;
  s.expire = 604800;
  return s;
}

}  // namespace

K8sExternal::K8sExternal(Config cfg, size_t workers)
    : cfg_(std::move(cfg)), answerer_("k8s_external", cfg_.zones, *this, cfg_.fallthrough, workers, style_for(cfg_)) {}

asio::awaitable<Result> K8sExternal::serve(Request& req, Next next) {
  if (!source_) co_return co_await next(req);
  co_return co_await answerer_.serve(req, next);
}

}  // namespace skycore::plugins::k8s_external
