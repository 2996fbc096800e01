#include <doctest/doctest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "plugins/skydns-registry/service_json.h"
#include "plugins/skydns-registry/store.h"

using namespace skycore::plugins::skydns_registry;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// A fresh directory, removed with everything in it at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "skydns-store-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const char* name) const { return (path / name).string(); }
};

Service service(const char* uuid, uint32_t ttl = 0) {
  Service s;
  s.uuid = uuid;
  s.name = "db";
  s.version = "1-0";
  s.environment = "production";
  s.region = "east";
  s.host = "10.0.0.1";
  s.port = 5432;
  s.ttl = ttl;
  // Whole seconds in the future: exact after a round trip, and alive.
  if (ttl) s.expires = WallClock::time_point(std::chrono::seconds(4000000000 + ttl));
  return s;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spill(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

size_t count_lines(const std::string& path) {
  std::string text = slurp(path);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

// compact()'s `next` over a list.
std::function<bool(Service&)> each_of(std::vector<Service> all) {
  return [all = std::move(all), i = size_t{0}](Service& s) mutable {
    if (i == all.size()) return false;
    s = all[i++];
    return true;
  };
}

std::string load_error(const std::string& path) {
  try {
    make_file_store(path)->load();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("file store: creates the journal but not its directory") {
  TempDir dir;
  std::string path = dir.file("journal");
  auto store = make_file_store(path);
  CHECK(fs::exists(path));
  CHECK(store->load().empty());
  CHECK_THROWS_AS(make_file_store(dir.file("missing/journal")), std::runtime_error);
}

TEST_CASE("file store: put, refresh and remove survive a reopen") {
  TempDir dir;
  std::string path = dir.file("journal");
  {
    auto store = make_file_store(path);
    store->load();
    store->append({Change::put, service("a", 30)});
    store->append({Change::put, service("b")});
    store->append({Change::put, service("a", 60)});  // a refresh replaces the earlier put
    store->append({Change::remove, service("b")});
  }
  auto all = make_file_store(path)->load();
  REQUIRE(all.size() == 1);
  CHECK(all[0].uuid == "a");
  CHECK(all[0].ttl == 60);
  CHECK(all[0].expires == service("a", 60).expires);
  CHECK(all[0].same_body(service("a")));
}

TEST_CASE("file store: compaction keeps the live state in fewer lines") {
  TempDir dir;
  std::string path = dir.file("journal");
  auto store = make_file_store(path);
  store->load();
  for (auto uuid : {"a", "b", "c"}) store->append({Change::put, service(uuid)});
  store->append({Change::remove, service("c")});
  store->compact(each_of({service("a"), service("b")}));
  CHECK(count_lines(path) == 2);
  CHECK_FALSE(fs::exists(path + ".tmp"));
  // Appends after a compaction go to the new journal.
  store->append({Change::put, service("d")});
  store->append({Change::remove, service("a")});
  auto all = make_file_store(path)->load();
  REQUIRE(all.size() == 2);
  CHECK(all[0].uuid == "b");
  CHECK(all[1].uuid == "d");
}

TEST_CASE("file store: says when the journal has outgrown the live state") {
  TempDir dir;
  std::string path = dir.file("journal");
  auto store = make_file_store(path);
  store->load();
  store->append({Change::put, service("other")});
  for (int i = 0; i < 62; ++i) store->append({Change::put, service("a", 30 + i)});
  CHECK_FALSE(store->compaction_due(2));  // 63 lines: below the floor of 64
  store->append({Change::put, service("a", 529)});
  CHECK(store->compaction_due(2));
  CHECK_FALSE(store->compaction_due(17));  // 64 lines for 17 services are not yet 4 times as many
  store->compact(each_of({service("a", 529), service("other")}));
  CHECK(count_lines(path) == 2);
  CHECK_FALSE(store->compaction_due(2));
  auto all = make_file_store(path)->load();
  REQUIRE(all.size() == 2);
  CHECK(all[0].uuid == "a");
  CHECK(all[0].ttl == 529);
}

TEST_CASE("file store: expired services are still returned (the registry drops them)") {
  TempDir dir;
  std::string path = dir.file("journal");
  Service old = service("old", 1);
  old.expires = WallClock::time_point(std::chrono::seconds(1700000000));
  make_file_store(path)->append({Change::put, old});
  auto all = make_file_store(path)->load();
  REQUIRE(all.size() == 1);
  CHECK(all[0].expired(WallClock::now()));
}

TEST_CASE("file store: a torn last line is ignored and cut off") {
  TempDir dir;
  std::string path = dir.file("journal");
  std::string good =
      journal_line({Change::put, service("a")}) + journal_line({Change::put, service("b")});
  std::string torn = journal_line({Change::put, service("c")});
  spill(path, good + torn.substr(0, torn.size() / 2));
  {
    auto store = make_file_store(path);
    auto all = store->load();
    REQUIRE(all.size() == 2);
    CHECK(slurp(path) == good);
    // The next line starts cleanly, so it cannot turn the torn one into a corrupt middle line.
    store->append({Change::put, service("d")});
  }
  CHECK(make_file_store(path)->load().size() == 3);
}

TEST_CASE("file store: an unparseable last line is ignored, even with its newline") {
  TempDir dir;
  std::string path = dir.file("journal");
  std::string good = journal_line({Change::put, service("a")});
  spill(path, good + "{\"op\":\"put\"\n");
  CHECK(make_file_store(path)->load().size() == 1);
  CHECK(slurp(path) == good);
}

TEST_CASE("file store: a corrupt line in the middle is an error naming path:line") {
  TempDir dir;
  std::string path = dir.file("journal");
  spill(path, journal_line({Change::put, service("a")}) + "garbage\n" +
                  journal_line({Change::put, service("b")}));
  std::string err = load_error(path);
  CHECK(err == path + ":2: expected a JSON object");
  spill(path, journal_line({Change::put, service("a")}) + R"({"op":"put","uuid":"x"})" + "\n" +
                  journal_line({Change::remove, service("a")}));
  CHECK(load_error(path) == path + ":2: missing string \"name\"");
  // The damage is left in place for an operator to look at.
  CHECK(count_lines(path) == 3);
}

TEST_CASE("file store: what append acknowledged survives kill -9") {
  TempDir dir;
  std::string path = dir.file("journal");
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    auto store = make_file_store(path);
    store->load();
    store->append({Change::put, service("a", 30)});
    store->append({Change::put, service("b")});
    ::raise(SIGKILL);  // no destructors, no flushing: only what append made durable
    ::_exit(1);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFSIGNALED(status));
  auto all = make_file_store(path)->load();
  REQUIRE(all.size() == 2);
  CHECK(all[0].uuid == "a");
  CHECK(all[1].uuid == "b");
}

TEST_CASE("file store: append throws when the journal cannot be written") {
  // /dev/full fails every write with ENOSPC, as a full disk would.
  if (!fs::exists("/dev/full")) return;
  auto store = make_file_store("/dev/full");
  CHECK_THROWS_AS(store->append({Change::put, service("a")}), std::runtime_error);
}
