// The registry's commit path: a change is acknowledged, published to DNS
// and shown by GET only once the store has made it durable; changes queued
// meanwhile share one sync; a change the store could not make durable is
// undone and reported.
#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "plugins/skydns-registry/registry.h"

using namespace skycore::plugins::skydns_registry;
using namespace std::chrono_literals;

namespace {
Service svc(const std::string& uuid, const std::string& host, uint32_t ttl = 30) {
  Service s;
  s.uuid = uuid;
  s.name = "db";
  s.environment = "prod";
  s.region = "east";
  s.host = host;
  s.port = 80;
  s.ttl = ttl;
  s.version = "1";
  REQUIRE_FALSE(normalise(s));
  return s;
}

// A store whose group commit the test drives: write() hands out tickets,
// sync() blocks until the test opens the gate, and tickets the test names
// fail as a full disk would.
struct GateStore final : Store {
  std::mutex mu;
  std::condition_variable cv;
  uint64_t issued = 0, released = 0;
  std::set<uint64_t> failing;
  std::vector<uint64_t> syncs;  // the ticket of each sync() call
  bool waiting = false;         // a sync() is blocked in the gate

  std::vector<Service> load() override { return {}; }
  Written write(const Change&) override {
    std::lock_guard lock(mu);
    Written w;
    w.ticket = ++issued;
    return w;
  }
  uint64_t sync(uint64_t ticket) override {
    std::unique_lock lock(mu);
    syncs.push_back(ticket);
    waiting = true;
    cv.notify_all();
    cv.wait(lock, [&] { return released >= ticket; });
    waiting = false;
    if (failing.count(ticket)) throw std::runtime_error("disk full");
    return ticket;
  }
  bool failed(uint64_t ticket) const override {
    auto& self = const_cast<GateStore&>(*this);
    std::lock_guard lock(self.mu);
    return failing.count(ticket) > 0;
  }
  void release(uint64_t upto) {
    std::lock_guard lock(mu);
    released = upto;
    cv.notify_all();
  }
  void wait_blocked() {
    std::unique_lock lock(mu);
    REQUIRE(cv.wait_for(lock, 10s, [&] { return waiting; }));
  }
};

struct Fixture {
  GateStore* store;
  std::unique_ptr<Registry> reg;
  Fixture() {
    auto owned = std::make_unique<GateStore>();
    store = owned.get();
    reg = std::make_unique<Registry>(std::move(owned));
  }
  ~Fixture() {
    if (reg) store->release(UINT64_MAX);  // the registry owns the store
  }
};

// What a Done reported, once it has run.
struct Outcome {
  std::promise<std::string> p;
  std::future<std::string> f = p.get_future();
  Registry::Done done() {
    return [this](std::exception_ptr e) {
      if (!e) return p.set_value("ok");
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        p.set_value(x.what());
      }
    };
  }
  bool ready() { return f.wait_for(0s) == std::future_status::ready; }
};
}  // namespace

TEST_CASE("commit: a change is invisible to GET and DNS until the store has made it durable") {
  Fixture fx;
  auto now = WallClock::now();
  Outcome o;
  REQUIRE(fx.reg->upsert(svc("u1", "10.0.0.1"), now, false, [&](Upsert r, std::exception_ptr e) {
    CHECK(r == Upsert::created);
    o.done()(e);
  }) == Upsert::created);
  fx.store->wait_blocked();
  CHECK_FALSE(o.ready());
  CHECK_FALSE(fx.reg->get("u1", now));
  CHECK(fx.reg->snapshot()->size() == 0);
  // The next write already sees it: the same body is a refresh, another a conflict.
  CHECK(fx.reg->upsert(svc("u1", "10.0.0.9"), now, false, [](Upsert, std::exception_ptr) {}) == Upsert::conflict);
  fx.store->release(1);
  CHECK(o.f.get() == "ok");
  CHECK(fx.reg->get("u1", now)->host == "10.0.0.1");
  CHECK(fx.reg->snapshot()->size() == 1);
}

TEST_CASE("commit: changes queued during a sync share the next one") {
  Fixture fx;
  auto now = WallClock::now();
  Outcome first;
  fx.reg->upsert(svc("a", "10.0.0.1"), now, false, [&](Upsert, std::exception_ptr e) { first.done()(e); });
  fx.store->wait_blocked();  // ticket 1 is being synced
  std::vector<std::unique_ptr<Outcome>> later;
  for (int i = 0; i < 20; ++i) {
    later.push_back(std::make_unique<Outcome>());
    auto* o = later.back().get();
    fx.reg->upsert(svc("b" + std::to_string(i), "10.0.1." + std::to_string(i)), now, false,
                   [o](Upsert, std::exception_ptr e) { o->done()(e); });
  }
  fx.store->release(21);
  CHECK(first.f.get() == "ok");
  for (auto& o : later) CHECK(o->f.get() == "ok");
  std::lock_guard lock(fx.store->mu);
  CHECK(fx.store->syncs == std::vector<uint64_t>{1, 21});  // 20 changes, one sync
  CHECK(fx.reg->snapshot()->size() == 21);
}

TEST_CASE("commit: a change the store failed is undone, reported, and the next one starts afresh") {
  Fixture fx;
  auto now = WallClock::now();
  fx.store->release(UINT64_MAX);
  fx.store->failing = {2, 3};
  REQUIRE(fx.reg->upsert(svc("keep", "10.0.0.1"), now, false) == Upsert::created);  // 1
  CHECK_THROWS_WITH_AS(fx.reg->upsert(svc("lost", "10.0.0.2"), now, false), "disk full", std::runtime_error);  // 2
  CHECK_FALSE(fx.reg->get("lost", now));
  CHECK_THROWS_AS(fx.reg->set_ttl("keep", 600, now + 5s), std::runtime_error);  // 3
  CHECK(fx.reg->get("keep", now)->ttl == 30);
  // Undone, not merely hidden: another body for "lost" is a new registration.
  CHECK(fx.reg->upsert(svc("lost", "10.0.0.3"), now, false) == Upsert::created);  // 4
  CHECK(fx.reg->get("lost", now)->host == "10.0.0.3");
  CHECK(fx.reg->set_ttl("keep", 600, now));  // 5
  CHECK(fx.reg->get("keep", now)->ttl == 600);
}

TEST_CASE("commit: two failed changes of one uuid in one group are both undone") {
  Fixture fx;
  auto now = WallClock::now();
  Outcome d, x1, x2, y;
  fx.store->failing = {2, 3};
  fx.reg->upsert(svc("d", "10.0.0.1"), now, false, [&](Upsert, std::exception_ptr e) { d.done()(e); });  // 1
  fx.store->wait_blocked();
  fx.reg->upsert(svc("x", "10.0.0.2"), now, false, [&](Upsert, std::exception_ptr e) { x1.done()(e); });  // 2
  fx.reg->upsert(svc("x", "10.0.0.3"), now, true, [&](Upsert r, std::exception_ptr e) {  // 3
    CHECK(r == Upsert::refreshed);
    x2.done()(e);
  });
  fx.reg->upsert(svc("y", "10.0.0.4"), now, false, [&](Upsert, std::exception_ptr e) { y.done()(e); });  // 4
  fx.store->release(4);
  CHECK(d.f.get() == "ok");
  CHECK(x1.f.get() == "the store could not make the change durable");
  CHECK(x2.f.get() == "the store could not make the change durable");
  CHECK(y.f.get() == "ok");
  CHECK_FALSE(fx.reg->get("x", now));
  // Gone from the registry itself, not only from the snapshot.
  CHECK(fx.reg->upsert(svc("x", "10.0.0.5"), now, false, [](Upsert, std::exception_ptr) {}) == Upsert::created);
  fx.store->release(5);
}

TEST_CASE("commit: a DELETE's on_removed runs once it is durable, before its Done") {
  Fixture fx;
  auto now = WallClock::now();
  fx.store->release(1);
  REQUIRE(fx.reg->upsert(svc("u", "10.0.0.1"), now, false) == Upsert::created);
  std::atomic<int> removed{0};
  fx.reg->on_removed([&](const Service& s) {
    CHECK(s.uuid == "u");
    ++removed;
  });
  Outcome o;
  int removed_at_done = -1;
  REQUIRE(fx.reg->remove("u", [&](std::exception_ptr e) {
    removed_at_done = removed;
    o.done()(e);
  }));
  fx.store->wait_blocked();
  CHECK(removed == 0);
  CHECK(fx.reg->get("u", now));  // still durable, still served
  fx.store->release(2);
  CHECK(o.f.get() == "ok");
  CHECK(removed_at_done == 1);
  CHECK_FALSE(fx.reg->get("u", now));
}

TEST_CASE("commit: a store that is durable at once answers on the caller's thread") {
  Registry r(std::make_unique<MemoryStore>());
  auto now = WallClock::now();
  bool done = false;
  auto caller = std::this_thread::get_id();
  r.upsert(svc("m", "10.0.0.1"), now, false, [&](Upsert, std::exception_ptr e) {
    CHECK_FALSE(e);
    CHECK(std::this_thread::get_id() == caller);
    done = true;
  });
  CHECK(done);
  CHECK(r.get("m", now));
}

TEST_CASE("commit: destroying the registry finishes what is queued") {
  Outcome o;
  {
    Fixture fx;
    fx.reg->upsert(svc("q", "10.0.0.1"), WallClock::now(), false,
                   [&](Upsert, std::exception_ptr e) { o.done()(e); });
    fx.store->wait_blocked();
    std::thread opener([&] {
      std::this_thread::sleep_for(20ms);  // the destructor must wait for this, not skip it
      fx.store->release(1);
    });
    fx.reg.reset();
    CHECK(o.ready());
    opener.join();
  }
  CHECK(o.f.get() == "ok");
}

TEST_CASE("commit: the registry has the file store's journal rewritten from what is durable") {
  char tmpl[] = "/tmp/skydns-compact-XXXXXX";
  REQUIRE(::mkdtemp(tmpl));
  std::string path = std::string(tmpl) + "/journal";
  auto now = WallClock::now();
  {
    Registry r(make_file_store(path));
    r.load(now);
    Service cat = svc("static", "10.9.9.9", 0);
    r.set_catalogue({cat});
    REQUIRE(r.upsert(svc("other", "10.0.0.2"), now, false) == Upsert::created);
    REQUIRE(r.upsert(svc("a", "10.0.0.1"), now, false) == Upsert::created);
    for (int i = 0; i < 500; ++i) REQUIRE(r.set_ttl("a", 30 + i, now));
  }
  std::ifstream in(path);
  std::string line;
  size_t lines = 0;
  bool catalogue_journaled = false;
  while (std::getline(in, line)) {
    ++lines;
    catalogue_journaled |= line.find("\"static\"") != std::string::npos;
  }
  CHECK(lines < 100);
  CHECK_FALSE(catalogue_journaled);
  Registry again(make_file_store(path));
  again.load(now);
  CHECK(again.get("a", now)->ttl == 529);
  CHECK(again.get("other", now));
  CHECK_FALSE(again.get("static", now));
  std::filesystem::remove_all(tmpl);
}
