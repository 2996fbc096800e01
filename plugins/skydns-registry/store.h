// Where registrations live between restarts. append() returns only once the
// change is durable: the API acknowledges after it, so nothing acknowledged
// is lost (the file store fsyncs its journal).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "plugins/skydns-registry/service.h"

namespace skycore::plugins::skydns_registry {

struct Change {
  enum Kind { put, remove } kind = put;
  Service service;  // for remove only the uuid matters
};

class Store {
 public:
  virtual ~Store() = default;
  // Everything stored, as of the last durable change (expired ones included:
  // the registry drops them).
  virtual std::vector<Service> load() = 0;
  // Makes one change durable; throws std::runtime_error if it cannot.
  virtual void append(const Change& c) = 0;
  // The whole current state, to compact a journal; optional.
  virtual void compact(const std::vector<Service>& all) {}
};

class MemoryStore final : public Store {
 public:
  std::vector<Service> load() override { return {}; }
  void append(const Change&) override {}
};

// An append-only journal of JSON lines in PATH, fsynced per change and
// rewritten (write + fsync + rename) when it grows past a few times the live
// state. A torn last line (kill -9 mid-write) is ignored on load.
std::unique_ptr<Store> make_file_store(const std::string& path);

}  // namespace skycore::plugins::skydns_registry
