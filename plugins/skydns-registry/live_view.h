// GET / on the API address: a read-only page of what the registry holds,
// following GET /skydns/events. One self-contained document (no external
// assets, no framework), so it works where the server runs, offline.
#pragma once
#include <string_view>

namespace skycore::plugins::skydns_registry {

std::string_view live_view_html();

}  // namespace skycore::plugins::skydns_registry
