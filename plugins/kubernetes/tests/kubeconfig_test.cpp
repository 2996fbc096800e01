#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "plugins/kubernetes/kubeconfig.h"

using namespace skycore::plugins::kubernetes;

namespace {
std::string write(const std::string& name, const std::string& text) {
  auto dir = std::filesystem::temp_directory_path() / "skycore-kubeconfig-test";
  std::filesystem::create_directories(dir);
  auto path = (dir / name).string();
  std::ofstream(path) << text;
  return path;
}
std::string error_of(const std::string& path, const std::string& context = "") {
  try {
    read_kubeconfig(path, context);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

// As `kubectl config view --raw` writes it: sequences at their key's indent.
const char* kKubectl = R"(apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCmZha2UKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=
    server: https://10.0.0.1:6443
  name: prod
- cluster:
    insecure-skip-tls-verify: true
    server: "http://127.0.0.1:8080"   # a comment
  name: 'local'
contexts:
- context:
    cluster: prod
    user: admin
  name: prod-admin
- context:
    cluster: local
    user: "robot"
    namespace: kube-system
  name: local-robot
current-context: prod-admin
kind: Config
preferences: {}
users:
- name: admin
  user:
    token: abc.def
- name: robot
  user:
    tokenFile: token.txt
)";
}  // namespace

TEST_CASE("kubeconfig: the current context's cluster and user, as kubectl writes them") {
  auto path = write("kubectl.yaml", kKubectl);
  ApiServer s = read_kubeconfig(path, "");
  CHECK(s.https);
  CHECK(s.host == "10.0.0.1");
  CHECK(s.port == 6443);
  CHECK(s.ca_pem.find("BEGIN CERTIFICATE") != std::string::npos);
  CHECK(s.token == "abc.def");
  CHECK_FALSE(s.skip_verify);
}

TEST_CASE("kubeconfig: a named context, quoted scalars, comments, a token file beside it") {
  auto path = write("kubectl2.yaml", kKubectl);
  ApiServer s = read_kubeconfig(path, "local-robot");
  CHECK_FALSE(s.https);
  CHECK(s.host == "127.0.0.1");
  CHECK(s.port == 8080);
  CHECK(s.skip_verify);
  CHECK(s.token.empty());
  CHECK(s.token_file == (std::filesystem::path(path).parent_path() / "token.txt").string());
}

TEST_CASE("kubeconfig: JSON works too") {
  auto path = write("config.json", R"({"apiVersion":"v1","kind":"Config","current-context":"c",
    "clusters":[{"name":"k","cluster":{"server":"https://[fd00::1]:443"}}],
    "contexts":[{"name":"c","context":{"cluster":"k","user":"u"}}],
    "users":[{"name":"u","user":{"token":"t0k"}}]})");
  ApiServer s = read_kubeconfig(path, "");
  CHECK(s.host == "fd00::1");
  CHECK(s.port == 443);
  CHECK(s.token == "t0k");
}

TEST_CASE("kubeconfig: errors name the file, and the line for YAML syntax") {
  auto missing_ctx = write("a.yaml", kKubectl);
  CHECK(error_of(missing_ctx, "nope") == missing_ctx + ": no context 'nope'");
  auto exec = write("exec.yaml", R"(current-context: c
clusters:
- name: k
  cluster:
    server: https://k:6443
contexts:
- name: c
  context:
    cluster: k
    user: u
users:
- name: u
  user:
    exec:
      command: aws
)");
  CHECK(error_of(exec).find("exec and auth-provider credentials are not supported") != std::string::npos);
  auto tabs = write("tabs.yaml", "clusters:\n\t- name: x\n");
  CHECK(error_of(tabs) == tabs + ":2: tabs are not allowed for indentation");
  auto bad = write("bad.yaml", "current-context: c\nclusters\n");
  CHECK(error_of(bad) == bad + ":2: expected 'key: value'");
  auto no_cluster = write("nocluster.yaml", "current-context: c\ncontexts:\n- name: c\n  context:\n    cluster: gone\n");
  CHECK(error_of(no_cluster).find("names cluster 'gone', which is not there") != std::string::npos);
  CHECK(error_of("/nonexistent/kubeconfig") == "cannot read '/nonexistent/kubeconfig'");
}
