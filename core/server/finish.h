// The one place a response is completed, run once by the core after the
// chain returns: the bare rcode when nobody answered, the OPT record (ours
// for an EDNS client when the message has none; none for a client without
// EDNS), truncation already done by the writer's reserve. Plugins never add
// or strip OPT. Then the observers hear what goes out.
#pragma once
#include "core/plugin/request.h"
#include "core/plugin/result.h"

namespace skycore::server {

Finished finish(Request& req, const Result& r);
void notify_observers(const Request& req, const Result& r, const Finished& f);

}  // namespace skycore::server
