// The whole-server fuzz harness (after Knot's knotd_wrap): one real
// configuration, built once, and each input a DNS query run through the
// core's handle_query and the real plugin chain, over UDP and over TCP.
// Shared with the corpus regression test (tests/fuzz_corpus_test.cpp).
//
// The chain is cancel, header, any, local, loadbalance (prefer,
// limit_answers), cache, rewrite (regex, suffix, ttl, edns0), autopath
// (@kubernetes), minimal, template (groups, parseInt), transfer, hosts (a
// file and inline entries), k8s_external (headless), kubernetes (fed by
// an in-process fake API server on a loopback port, serving the cluster in
// tests/fixtures/kube/cluster.json, so no real cluster is needed),
// skydns-registry (memory store, a static catalogue and one registration
// PUT over its HTTP API) and whoami for everything else. Every plugin's
// start-up hook runs as in the real server.
#pragma once
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/corefile/parser.h"
#include "core/server/query_handler.h"
#include "core/server/server_plan.h"
#include "core/wire/header.h"
#include "core/wire/record.h"
#include "core/wire/writer.h"

namespace skycore::server::fuzz {

// A loopback port nobody listens on right now.
inline uint16_t free_tcp_port() {
  Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
  uint16_t port = s.address().port();
  s.close();
  return port;
}

// Just enough of the Kubernetes API for the plugin's informers: a list of
// each resource it watches (from a `kubectl get -o json` List) and watches
// that stay open, with a bookmark now and then, until the server stops.
class FakeKubeApi {
 public:
  explicit FakeKubeApi(const std::string& fixture) : pool_(2, 8) {
    std::ifstream in(fixture);
    if (!in) throw std::runtime_error("cannot read " + fixture);
    std::stringstream text;
    text << in.rdbuf();
    auto all = Poco::JSON::Parser().parse(text.str()).extract<Poco::JSON::Object::Ptr>();
    static const std::map<std::string, std::string> kPaths = {
        {"Service", "/api/v1/services"},
        {"Namespace", "/api/v1/namespaces"},
        {"Pod", "/api/v1/pods"},
        {"EndpointSlice", "/apis/discovery.k8s.io/v1/endpointslices"}};
    std::map<std::string, Poco::JSON::Array::Ptr> items;
    for (const auto& [kind, path] : kPaths) items[path] = new Poco::JSON::Array;
    auto list = all->getArray("items");
    for (size_t i = 0; i < list->size(); ++i) {
      auto o = list->getObject(i);
      auto it = kPaths.find(o->getValue<std::string>("kind"));
      if (it != kPaths.end()) items[it->second]->add(o);
    }
    for (const auto& [kind, path] : kPaths) {
      Poco::JSON::Object body, meta;
      body.set("kind", kind + "List");
      meta.set("resourceVersion", "100");
      body.set("metadata", meta);
      body.set("items", items[path]);
      std::ostringstream out;
      body.stringify(out);
      lists_[path] = out.str();
    }
    auto params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(8);
    params->setKeepAlive(false);
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    port_ = socket.address().port();
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), pool_, socket, params);
    server_->start();
  }
  ~FakeKubeApi() {
    stopping_ = true;
    server_->stopAll(true);
    pool_.joinAll();
  }
  uint16_t port() const { return port_; }

 private:
  class Handler final : public Poco::Net::HTTPRequestHandler {
   public:
    explicit Handler(FakeKubeApi& api) : api_(api) {}
    void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) override {
      Poco::URI uri(req.getURI());
      bool watch = false;
      for (const auto& [k, v] : uri.getQueryParameters())
        if (k == "watch" && (v == "1" || v == "true")) watch = true;
      resp.setContentType("application/json");
      auto it = api_.lists_.find(uri.getPath());
      if (it == api_.lists_.end()) {
        resp.setStatus(Poco::Net::HTTPResponse::HTTP_NOT_FOUND);
        resp.send() << R"({"kind":"Status","status":"Failure","code":404})";
        return;
      }
      if (!watch) {
        resp.setContentLength(static_cast<std::streamsize>(it->second.size()));
        resp.send() << it->second;
        return;
      }
      resp.setChunkedTransferEncoding(true);
      std::ostream& out = resp.send();
      out.flush();
      // The client's watch read times out after 360 s of silence.
      for (int tick = 1; !api_.stopping_ && out; ++tick) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (tick % 600 == 0)
          out << R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"100"}}})" << "\n" << std::flush;
      }
    }

   private:
    FakeKubeApi& api_;
  };
  class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
   public:
    explicit Factory(FakeKubeApi& api) : api_(api) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
      return new Handler(api_);
    }

   private:
    FakeKubeApi& api_;
  };

  std::map<std::string, std::string> lists_;  // path -> List JSON
  std::atomic<bool> stopping_{false};
  Poco::ThreadPool pool_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  uint16_t port_ = 0;
};

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

class FuzzServer {
 public:
  FuzzServer()
      : scratch_("/tmp/skycore-fuzz-server-" + std::to_string(::getpid())),
        kube_(SKYCORE_SOURCE_DIR "/tests/fixtures/kube/cluster.json") {
    write_file(scratch_ + "-hosts",
               "# hosts(5)\n127.0.0.1 localhost\n::1 localhost ip6-localhost\n"
               "192.0.2.10 files.example.org files\n2001:db8::10 files.example.org\n");
    write_file(scratch_ + "-catalogue.toml", R"([[service]]
UUID = "pg1"
Name = "postgres"
Environment = "production"
Region = "east"
Version = "15.2"
Host = "10.1.0.5"
Port = 5432

[[service]]
uuid = "legacy"
name = "mainframe"
environment = "production"
region = "west"
version = "1"
host = "mf.example.com"
port = 23
)");
    const uint16_t api_port = free_tcp_port();
    const std::string corefile = fmt::format(R"(. {{
    cancel 2s
    header {{
        response set ra
        query set rd
    }}
    cache 30
    any
    local
    loadbalance round_robin {{
        prefer 10.0.0.0/8 fd00::/8
        limit_answers 3
    }}
    autopath @kubernetes
    k8s_external ext.test {{
        headless
    }}
    transfer cluster.local ext.test {{
        to *
    }}
    rewrite continue name regex (.*)\.alias\.test {{1}}.svc.cluster.local answer auto
    rewrite continue name suffix .short. .svc.cluster.local. answer auto
    rewrite continue ttl regex .*\.example\.org 5-60
    rewrite edns0 local set 0xffee {{client_ip}}
    minimal
    template IN A tmpl.test {{
        match ^(?P<a>[0-9]+)-(?P<b>[0-9]+)[.]tmpl[.]test[.]$
        answer "{{{{ .Name }}}} 60 IN A 10.{{{{ parseInt .Group.a 10 8 }}}}.{{{{ .Group.b }}}}.1"
        additional "{{{{ index .Match 0 }}}} 60 IN TXT \"{{{{ .Name }}}} {{{{ .Remote }}}}\""
        fallthrough
    }}
    hosts {0}-hosts {{
        10.0.0.1 www.example.org
        fd00::1 www.example.org v6.example.org
        10.0.0.2 *.wild.example.org
        fallthrough
    }}
    kubernetes cluster.local in-addr.arpa ip6.arpa {{
        endpoint http://127.0.0.1:{1}
        pods verified
        endpoint_pod_names
        startup_timeout 30s
        fallthrough in-addr.arpa ip6.arpa
    }}
    skydns-registry skydns.local {{
        api 127.0.0.1:{2}
        store memory
        services {0}-catalogue.toml
    }}
    whoami
}}
)",
                                             scratch_, kube_.port(), api_port);
    PlanOptions opts;
    opts.default_port = 1053;
    plan_ = build_plan(corefile::parse_string(corefile, "fuzz_server", "/tmp"), opts);
    if (plan_.listeners.size() != 1) throw std::runtime_error("fuzz_server: want one listener");
    for (auto& hook : plan_.on_startup) hook();
    for (auto& hook : plan_.worker_hooks.start) hook(0, io_.get_executor());
    started_ = true;
    register_service(api_port);
    // Kubernetes is ready once every resource was listed (startup_timeout
    // is long, so ready means synced).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!plan_.shared->not_ready(plan_.shared->building()).empty()) {
      if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("fuzz_server: kubernetes never synced");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    // Each data source answers, or fuzzing would quietly cover less.
    expect_answer("svc1.testns.svc.cluster.local.", wire::rrtype::A);
    expect_answer("www.example.org.", wire::rrtype::AAAA);
    expect_answer("files.example.org.", wire::rrtype::A);
    expect_answer("db.production.skydns.local.", wire::rrtype::SRV);
    expect_answer("postgres.production.skydns.local.", wire::rrtype::SRV);
  }

  ~FuzzServer() {
    if (started_) {
      for (auto& hook : plan_.worker_hooks.stop) hook(0);
      for (auto& hook : plan_.on_shutdown) hook();
    }
    plan_ = ServerPlan{};  // stops the registry's API and upkeep before the fake API goes
    remove_scratch_files();
  }

  // The hosts file and catalogue this server reads (only ever re-read).
  void remove_scratch_files() {
    std::remove((scratch_ + "-hosts").c_str());
    std::remove((scratch_ + "-catalogue.toml").c_str());
  }

  // One input, over UDP and then TCP. False if a response is malformed,
  // too large for the transport or does not carry the query's ID.
  bool query(std::span<const uint8_t> pkt) {
    return one(pkt, Transport::udp) && one(pkt, Transport::tcp);
  }

 private:
  bool one(std::span<const uint8_t> pkt, Transport t) {
    std::span<const uint8_t> response;
    uint16_t max_size = 0;
    run(pkt, t, response, max_size);
    if (response.empty()) return true;  // dropped: nothing to send
    if (response.size() > max_size) return false;
    if (pkt.size() >= 2 && (response[0] != pkt[0] || response[1] != pkt[1])) return false;
    wire::ParsedMessage m;
    return wire::parse_message(response, m);
  }

  void run(std::span<const uint8_t> pkt, Transport t, std::span<const uint8_t>& response, uint16_t& max_size) {
    out_.assign(wire::kMaxMessage, 0);
    req_ = std::make_unique<Request>();
    req_->transport = t;
    req_->packet = pkt;
    req_->response_storage = out_;
    req_->remote_addr = asio::ip::make_address("127.0.0.1");
    req_->remote_port = 40000;
    req_->server = plan_.listeners[0].label;
    asio::co_spawn(io_, handle_query(*req_, plan_.listeners[0].zones), asio::detached);
    io_.restart();
    io_.run();
    response = req_->response.data();
    max_size = req_->max_size;
  }

  void expect_answer(const char* name, uint16_t qtype) {
    std::array<uint8_t, 512> buf{};
    wire::MessageWriter w(buf, buf.size());
    w.start_query(0x4242, wire::flag::RD, *wire::Name::from_text(name), qtype, wire::rrclass::IN);
    std::vector<uint8_t> pkt(w.data().begin(), w.data().end());
    std::span<const uint8_t> response;
    uint16_t max_size = 0;
    run(pkt, Transport::udp, response, max_size);
    wire::ParsedMessage m;
    if (!wire::parse_message(response, m) || m.rcode != wire::rcode::NOERROR || m.records.empty() ||
        m.records[0].section != wire::Section::answer)
      throw std::runtime_error(fmt::format("fuzz_server: no answer for {} (rcode {})", name, m.rcode));
  }

  // A SkyDNS 1 registration, as a service would make it.
  static void register_service(uint16_t port) {
    Poco::Net::HTTPClientSession s("127.0.0.1", port);
    const std::string body =
        R"({"Name":"db","Version":"1.0.2","Environment":"production","Region":"west",)"
        R"("Host":"10.0.2.1","Port":8080,"TTL":31536000})";
    Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_PUT, "/skydns/services/db1",
                               Poco::Net::HTTPMessage::HTTP_1_1);
    req.setContentType("application/json");
    req.setContentLength(static_cast<std::streamsize>(body.size()));
    s.sendRequest(req) << body;
    Poco::Net::HTTPResponse resp;
    s.receiveResponse(resp);
    if (resp.getStatus() / 100 != 2)
      throw std::runtime_error(fmt::format("fuzz_server: registration PUT answered {}", int(resp.getStatus())));
  }

  std::string scratch_;
  FakeKubeApi kube_;  // outlives the plan, whose informers talk to it
  ServerPlan plan_;
  asio::io_context io_;
  std::vector<uint8_t> out_;
  std::unique_ptr<Request> req_;
  bool started_ = false;
};

}  // namespace skycore::server::fuzz
