// The core's part of answering one query: validate, dispatch to a zone's
// chain, and make sure exactly one well-formed response (or none, for
// packets that must be dropped) is left in req.response.
#pragma once
#include <asio/awaitable.hpp>

#include "core/plugin/request.h"
#include "core/server/zone_table.h"

namespace skycore::server {

// The EDNS buffer size skycore advertises and caps client sizes at.
inline constexpr uint16_t kEdnsSize = wire::kDefaultUdpCap;

// On return, req.response.size() == 0 means "send nothing".
asio::awaitable<void> handle_query(Request& req, const ZoneTable& zones);

}  // namespace skycore::server
