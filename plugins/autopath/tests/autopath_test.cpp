// autopath through the plugin test kit: the walk down the search list, the
// CNAME in front of the answer, the first reply when every name fails, the
// names it leaves alone, a client its source does not know, and setup errors.
#include "plugins/autopath/autopath.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>

#include "core/plugin/testing.h"

SKYCORE_PLUGIN_SETUP(autopath)

using namespace skycore;
using namespace skycore::wire;
using skycore::testing::TestQuery;
using S = std::vector<std::string>;

namespace {

struct TempFile {
  std::string path;
  explicit TempFile(const std::string& text) {
    char tmpl[] = "/tmp/autopath-test-XXXXXX";
    int fd = mkstemp(tmpl);
    REQUIRE(fd >= 0);
    close(fd);
    path = tmpl;
    std::ofstream(path) << text;
  }
  ~TempFile() { std::remove(path.c_str()); }
};

constexpr const char* kSearch = "search ns1.svc.cluster.local svc.cluster.local cluster.local\n";

std::unique_ptr<Plugin> autopath_of(const std::string& args) {
  testing::SetupRun run(". {\n autopath " + args + "\n}\n", "autopath", &plugins::autopath::setup);
  INFO(run.error);
  REQUIRE(run.plugin);
  return std::move(run.plugin);
}

std::string setup_error(const std::string& body) {
  return testing::SetupRun(". {\n" + body + "\n}\n", "autopath", &plugins::autopath::setup).error;
}

// The rest of the chain: `exists` names answer one A record owned by the
// name asked (as the chain writes it), every other name NXDOMAIN.
testing::StubNext& zone(testing::StubNext& next, S exists) {
  next.write = [exists](Request& req) {
    Name lower = req.query.qname_lower;
    if (std::find(exists.begin(), exists.end(), lower.to_text()) == exists.end()) {
      req.response.set_rcode(rcode::NXDOMAIN);
      return;
    }
    const uint8_t ip[4] = {192, 0, 2, 1};
    req.response.add_a(Section::answer, req.query.qname, 120, ip);
  };
  return next;
}

S answers(const TestQuery& q) {
  S out;
  auto m = q.message();
  for (const auto& r : m.records)
    if (r.section == Section::answer)
      out.push_back(r.owner.to_text() + " " + std::to_string(r.ttl) + " " + wire::rdata_to_text(q.req.response.data(), r));
  return out;
}

}  // namespace

TEST_CASE("autopath: walks the search list and answers the first name that exists, behind a CNAME") {
  TempFile rc(kSearch);
  auto p = autopath_of(rc.path);
  testing::StubNext next(rcode::NOERROR);
  zone(next, {"example.com."});
  TestQuery q("Example.COM.ns1.svc.cluster.local.", rrtype::A);
  auto r = testing::run(*p, q.req, next);
  CHECK(r.answered);
  CHECK(next.qnames == S{"Example.COM.ns1.svc.cluster.local.", "Example.COM.svc.cluster.local.",
                         "Example.COM.cluster.local.", "Example.COM."});
  CHECK(q.rcode() == rcode::NOERROR);
  CHECK(q.message().qname.to_text() == "Example.COM.ns1.svc.cluster.local.");  // the client's own question
  CHECK(answers(q) == S{"Example.COM.ns1.svc.cluster.local. 120 Example.COM.", "Example.COM. 120 192.0.2.1"});
  CHECK(q.req.query.qname.to_text() == "Example.COM.ns1.svc.cluster.local.");  // restored for the plugins before
  CHECK(dynamic_cast<plugins::autopath::AutoPath&>(*p).successes() == 1);

  // A name in a later search domain: found on the way, CNAME to it.
  testing::StubNext next2(rcode::NOERROR);
  zone(next2, {"web.svc.cluster.local."});
  TestQuery q2("web.ns1.svc.cluster.local.", rrtype::A);
  testing::run(*p, q2.req, next2);
  CHECK(next2.calls == 2);
  CHECK(answers(q2) == S{"web.ns1.svc.cluster.local. 120 web.svc.cluster.local.", "web.svc.cluster.local. 120 192.0.2.1"});
}

TEST_CASE("autopath: a name that exists as asked is answered once, untouched") {
  TempFile rc(kSearch);
  auto p = autopath_of(rc.path);
  testing::StubNext next(rcode::NOERROR);
  zone(next, {"web.ns1.svc.cluster.local."});
  TestQuery q("web.ns1.svc.cluster.local.", rrtype::A);
  testing::run(*p, q.req, next);
  CHECK(next.calls == 1);
  CHECK(answers(q) == S{"web.ns1.svc.cluster.local. 120 192.0.2.1"});
}

TEST_CASE("autopath: when every name fails the client gets the reply to its own question") {
  TempFile rc(kSearch);
  auto p = autopath_of(rc.path);
  testing::StubNext next(rcode::NOERROR);
  zone(next, {});
  TestQuery q("nowhere.invalid.ns1.svc.cluster.local.", rrtype::A);
  auto r = testing::run(*p, q.req, next);
  CHECK(next.calls == 4);
  CHECK(r.answered);
  CHECK(q.rcode() == rcode::NXDOMAIN);
  CHECK(q.message().qname.to_text() == "nowhere.invalid.ns1.svc.cluster.local.");
  CHECK(q.count(Section::answer) == 0);
  CHECK(dynamic_cast<plugins::autopath::AutoPath&>(*p).successes() == 0);
}

TEST_CASE("autopath: an unanswered name (SERVFAIL) is passed over like NXDOMAIN") {
  TempFile rc(kSearch);
  auto p = autopath_of(rc.path);
  int seen = 0;
  testing::StubNext next(rcode::NOERROR);
  next.write = [&](Request& req) {
    ++seen;
    if (seen == 1) req.response.set_rcode(rcode::NXDOMAIN);
    else if (seen == 2) req.response.set_rcode(rcode::SERVFAIL);  // written, but no answer worth giving
    else {
      const uint8_t ip[4] = {192, 0, 2, 7};
      req.response.add_a(Section::answer, req.query.qname, 60, ip);
    }
  };
  TestQuery q("a.ns1.svc.cluster.local.", rrtype::A);
  testing::run(*p, q.req, next);
  // CoreDNS passes over only what it did not write; a written SERVFAIL is an answer.
  CHECK(next.calls == 2);
  CHECK(q.rcode() == rcode::SERVFAIL);
}

TEST_CASE("autopath: names outside the first search domain, or the domain itself, pass through") {
  TempFile rc(kSearch);
  auto p = autopath_of(rc.path);
  for (const char* name : {"example.com.", "web.svc.cluster.local.", "ns1.svc.cluster.local."}) {
    testing::StubNext next(rcode::NOERROR);
    zone(next, {});
    TestQuery q(name, rrtype::A);
    testing::run(*p, q.req, next);
    CHECK(next.qnames == S{name});
  }
  // Outside autopath's zones: untouched however it looks.
  auto scoped = autopath_of("example.org " + rc.path);
  testing::StubNext next(rcode::NOERROR);
  zone(next, {});
  TestQuery q("x.ns1.svc.cluster.local.", rrtype::A);
  testing::run(*scoped, q.req, next);
  CHECK(next.calls == 1);
}

TEST_CASE("autopath: a name too long once completed is skipped, not truncated") {
  TempFile rc("search ns1.svc.cluster.local " + std::string(60, 'a') + "." + std::string(60, 'b') + "." +
              std::string(60, 'c') + "\n");
  auto p = autopath_of(rc.path);
  std::string label(60, 'x');
  std::string name = label + "." + label + "." + label + ".ns1.svc.cluster.local.";  // 206 octets
  testing::StubNext next(rcode::NOERROR);
  zone(next, {});
  TestQuery q(name, rrtype::A);
  testing::run(*p, q.req, next);
  CHECK(next.qnames.size() == 2);  // as asked, then the bare name; the long domain does not fit
  CHECK(next.qnames.back() == label + "." + label + "." + label + ".");
}

namespace {
// A source that knows one client.
class OneClient final : public SearchPathSource {
 public:
  void serve_search_paths() override {}
  bool search_path(const Request& req, SearchPath& out) const override {
    if (req.remote_addr != asio::ip::make_address("10.1.0.9")) return false;
    out.add(*Name::from_text("team.svc.cluster.local."));
    out.add(*Name::from_text("svc.cluster.local."));
    return true;
  }
};
}  // namespace

TEST_CASE("autopath @plugin: the client's own list, and nothing for a client the source does not know") {
  auto p = autopath_of("@kubernetes");
  OneClient source;
  auto& ap = dynamic_cast<plugins::autopath::AutoPath&>(*p);
  ap.set_source(&source);

  testing::QueryOptions known;
  known.remote = asio::ip::make_address("10.1.0.9");
  testing::StubNext next(rcode::NOERROR);
  zone(next, {"example.com."});
  TestQuery q("example.com.team.svc.cluster.local.", rrtype::AAAA, known);
  testing::run(*p, q.req, next);
  CHECK(next.qnames == S{"example.com.team.svc.cluster.local.", "example.com.svc.cluster.local.", "example.com."});

  testing::StubNext other(rcode::NOERROR);
  zone(other, {"example.com."});
  TestQuery q2("example.com.team.svc.cluster.local.", rrtype::A);  // from 127.0.0.1
  testing::run(*p, q2.req, other);
  CHECK(other.calls == 1);
  CHECK(q2.rcode() == rcode::NXDOMAIN);
}

namespace {
// The rest of the chain for the allocation count: example.com. exists,
// nothing else; records nothing (StubNext keeps every name it sees).
class ExampleComOnly final : public Plugin {
 public:
  std::string_view name() const override { return "zone"; }
  asio::awaitable<Result> serve(Request& req, Next) override {
    if (!req.query.qname_lower.equals_ignore_case(example_)) {
      req.response.set_rcode(rcode::NXDOMAIN);
      co_return Result::written(name(), rcode::NXDOMAIN);
    }
    const uint8_t ip[4] = {192, 0, 2, 1};
    req.response.add_a(Section::answer, req.query.qname, 120, ip);
    co_return Result::written(name(), rcode::NOERROR);
  }

 private:
  Name example_ = *Name::from_text("example.com.");
};
}  // namespace

TEST_CASE("autopath: a completed answer allocates nothing once warm") {
  TempFile rc(kSearch);
  auto p = autopath_of(rc.path);
  std::vector<std::unique_ptr<Plugin>> plugins;
  plugins.push_back(std::make_unique<testing::detail::Borrowed>(*p));
  plugins.push_back(std::make_unique<ExampleComOnly>());
  Chain chain(std::move(plugins));
  asio::io_context io;
  TestQuery q("example.com.ns1.svc.cluster.local.", rrtype::A);
  testing::run(io, chain, q.req);
  q.restart();
  testing::run(io, chain, q.req);
  q.restart();
  long before = testing::allocation_count();
  testing::run(io, chain, q.req);
  long after = testing::allocation_count();
  CHECK(after - before == 0);
  CHECK(answers(q).size() == 2);
}

TEST_CASE("autopath setup errors carry FILE:LINE") {
  CHECK(setup_error(" autopath") == "Corefile:2: wrong argument count or unexpected line ending after 'autopath'");
  CHECK(setup_error(" autopath @etcd") == "Corefile:2: autopath: etcd plugin has no autopath func");
  CHECK(setup_error(" autopath /nonexistent/resolv.conf").starts_with("Corefile:2: autopath: failed to parse /nonexistent/resolv.conf"));
}
