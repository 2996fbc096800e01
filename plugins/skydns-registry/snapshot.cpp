#include "plugins/skydns-registry/snapshot.h"
#include "plugins/skydns-registry/snapshot_builder.h"

#include <asio/ip/address.hpp>

#include <cstring>

namespace skycore::plugins::skydns_registry {

bool make_pattern(std::span<const std::string_view> labels, Pattern& out) {
  out = Pattern{};
  // RFC 2782's `_<port>._<proto>.` in front names a port (the protocol is
  // the port's business, not the registry's: either label is accepted).
  if (labels.size() >= 3 && labels[0].size() > 1 && labels[0][0] == '_' &&
      (labels[1] == "_tcp" || labels[1] == "_udp")) {
    out.port_name = labels[0].substr(1);
    labels = labels.subspan(2);
  }
  // `<tag>.tag.` selects by tag; "tag" as the second label is reserved.
  if (labels.size() >= 3 && labels[1] == "tag") {
    if (labels[0] != "*" && labels[0] != "any") out.tag = labels[0];
    labels = labels.subspan(2);
  }
  if (labels.size() > kPositions) return false;
  size_t first = kPositions - labels.size();
  for (size_t i = 0; i < labels.size(); ++i) {
    std::string_view l = labels[i];
    out.at[first + i] = (l == "*" || l == "any") ? std::string_view() : l;
  }
  return true;
}

EntryPtr make_entry(Service s) {
  Labels l = labels_of(s);
  std::string env_service = l.environment + "/" + l.service;
  std::string host_wire;
  asio::error_code ec;
  auto a = asio::ip::make_address(s.host, ec);
  if (ec) {
    if (auto n = wire::Name::from_text(s.host)) {  // normalise() checked it
      auto w = n->wire();
      host_wire.assign(reinterpret_cast<const char*>(w.data()), w.size());
    }
  }
  auto e = std::make_shared<Entry>(s, l.host, l.version, env_service, host_wire);
  if (!ec) {
    e->ip = true;
    e->v6 = a.is_v6();
    if (a.is_v4()) {
      auto b = a.to_v4().to_bytes();
      std::memcpy(e->addr.data(), b.data(), 4);
    } else {
      auto b = a.to_v6().to_bytes();
      std::memcpy(e->addr.data(), b.data(), 16);
    }
  }
  return e;
}

namespace {
template <typename T>
const std::shared_ptr<const T>& empty_piece() {
  static const auto piece = std::make_shared<const T>();
  return piece;
}
}  // namespace

Snapshot::Snapshot() : records_(empty_piece<RecordList>()) {}

Snapshot::Snapshot(std::vector<EntryPtr> entries, std::vector<RecordPtr> records) {
  SnapshotBuilder b;
  for (auto& e : entries) {
    std::string uuid(e->service.uuid());
    b.set(uuid, std::move(e));
  }
  b.set_records(std::move(records));
  *this = *b.build();
}

namespace {
// The first element of a hash-sorted shard with `hash`, for a key that
// `is(ptr)` recognises (equal hashes are rare but possible).
template <typename Shard, typename Is>
auto find_hashed(const Shard& shard, uint64_t hash, Is is) -> decltype(shard.front().ptr.get()) {
  auto it = std::lower_bound(shard.begin(), shard.end(), hash,
                             [](const auto& h, uint64_t want) { return h.hash < want; });
  for (; it != shard.end() && it->hash == hash; ++it)
    if (is(*it->ptr)) return it->ptr.get();
  return nullptr;
}
}  // namespace

const Group* Snapshot::group(std::string_view env, std::string_view svc) const {
  // Composite key on the stack: no allocation per query.
  char key[130];
  if (env.size() + svc.size() + 1 > sizeof key) return nullptr;
  std::memcpy(key, env.data(), env.size());
  key[env.size()] = '/';
  std::memcpy(key + env.size() + 1, svc.data(), svc.size());
  return group_by_key(std::string_view(key, env.size() + 1 + svc.size()));
}

const Group* Snapshot::group_by_key(std::string_view k) const {
  uint64_t h = key_hash(k);
  return find_hashed(groups_[shard_of(h)], h, [k](const Group& g) { return g.front()->env_service() == k; });
}

const Entry* Snapshot::by_uuid(std::string_view uuid) const {
  uint64_t h = key_hash(uuid);
  return find_hashed(uuids_[shard_of(h)], h, [uuid](const Entry& e) { return e.service.uuid() == uuid; });
}

}  // namespace skycore::plugins::skydns_registry
