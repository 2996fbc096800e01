// What the kubernetes fuzzers do with one input; shared with the corpus
// regression test (tests/fuzz_corpus_test.cpp) so both run exactly the same
// code. Each returns false when an invariant breaks (a bug); an exception
// escaping that the real caller would not catch is a bug too.
#pragma once
#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "plugins/kubernetes/cache.h"
#include "plugins/kubernetes/kubeconfig.h"
#include "plugins/kubernetes/objects.h"
#include "plugins/kubernetes/snapshot.h"

namespace skycore::plugins::kubernetes::fuzz {

// A small cluster the fuzzed object joins: namespace default, Service
// default/web (ClusterIP, named port), its EndpointSlice and a pod.
inline Objects fuzz_base_objects() {
  Objects o;
  o.namespaces["/default"] = Namespace{"default"};
  Service web;
  web.ns = "default";
  web.name = "web";
  web.cluster_ips.push_back(*parse_ip("10.96.0.10"));
  web.ports.push_back(Port{"http", "tcp", 80});
  o.services["default/web"] = web;
  EndpointSlice slice;
  slice.service = "web";
  const Ip addr = *parse_ip("10.1.0.5");
  slice.add(std::span<const Ip>(&addr, 1), true, "", "web-0");
  slice.ports.push_back(Port{"http", "tcp", 8080});
  o.slices["default/web-abcde"] = slice;
  o.pods.put("default/web-0", Pod{"default", "web-0", {*parse_ip("10.1.0.5")}});
  return o;
}

// The first byte picks the kind (low two bits: Service, EndpointSlice, Pod,
// Namespace) and the snapshot options (next three bits); the rest is one
// API object as JSON. As in informer.cpp's list() and watch(), a JSON that
// is not an object is skipped and std::exception from reading the object
// (object_key, parse_*) is caught and logged; anything else escapes. An
// object that parses joins the base cluster and a snapshot is built from it
// on the builder thread, which catches nothing: that must not throw.
inline bool fuzz_kube_object(std::string_view input) {
  if (input.empty()) return true;
  const auto selector = static_cast<uint8_t>(input[0]);
  std::string bad;
  auto parsed = JsonView::parse(input.substr(1), bad);
  if (!parsed || !parsed->is_object()) return true;  // the informer reports a body that is not a JSON object
  const JsonView o = *parsed;
  Objects objects = fuzz_base_objects();
  std::string key;
  try {
    key = object_key(o);
    std::string why;
    switch (selector & 3) {
      case 0:
        if (auto s = parse_service(o, why)) {
          if (s->name.empty()) return false;
          if (s->kind == Service::Kind::cluster_ip && s->cluster_ips.empty()) return false;
          objects.services[key] = std::move(*s);
        }
        break;
      case 1:
        if (auto s = parse_endpoint_slice(o, why)) {
          for (const auto& ep : s->endpoints)
            if (s->addresses(ep).empty()) return false;
          objects.slices[key] = std::move(*s);
        }
        break;
      case 2:
        if (auto p = parse_pod(o, why)) objects.pods.put(key, *p);
        break;
      case 3:
        if (auto n = parse_namespace(o, why)) objects.namespaces[key] = std::move(*n);
        break;
    }
  } catch (const std::exception&) {
    return true;  // the informer skips the object and logs why
  }
  BuildOptions opts;
  opts.endpoint_pod_names = selector & 4;
  opts.ignore_empty_service = selector & 8;
  opts.pods_verified = selector & 16;
  Snapshot snap(objects, opts);
  // The base Service is still served unless the fuzzed object replaced it
  // or its slice.
  if (key != "default/web" && key != "default/web-abcde" && !snap.service("default", "web")) return false;
  // Every Service answers its own name, and a PTR row names a live record.
  bool ok = true;
  snap.for_each_service([&](const ServiceRecords& rec) {
    rec.for_each_ptr([&](const Ip& ip, size_t, size_t) {
      bool listed = false;
      for (const auto& row : snap.reverse(ip)) listed |= row.records == &rec;
      ok &= listed;
    });
  });
  return ok;
}

// A scratch file for parsers that read a path, private to this process.
inline std::string fuzz_scratch_path(const char* what) {
  return "/tmp/skycore-fuzz-" + std::string(what) + "-" + std::to_string(::getpid());
}

// Any bytes as a kubeconfig file (written to a scratch file in /tmp), read
// for its current context and for a context named "fuzz". The header
// promises std::runtime_error for bad input; anything else escapes.
inline bool fuzz_kubeconfig(std::string_view input) {
  static const std::string path = fuzz_scratch_path("kubeconfig");
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(input.data(), static_cast<std::streamsize>(input.size()));
  }
  for (const char* context : {"", "fuzz"}) {
    try {
      ApiServer s = read_kubeconfig(path, context);
      if (s.host.empty() || s.port == 0) return false;
      (void)s.describe();
    } catch (const std::runtime_error&) {
    }
  }
  return true;
}

}  // namespace skycore::plugins::kubernetes::fuzz
