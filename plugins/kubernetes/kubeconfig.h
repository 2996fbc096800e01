// Reading the API server's address and credentials from a kubeconfig
// (`kubeconfig FILE [CONTEXT]`): YAML as kubectl writes it, or JSON.
// Supports server, certificate-authority(-data), insecure-skip-tls-verify,
// client-certificate(-data), client-key(-data), token and tokenFile; exec
// and auth-provider credential plugins are not supported (an error says so).
#pragma once
#include <string>

#include "plugins/kubernetes/api_client.h"

namespace skycore::plugins::kubernetes {

// Throws std::runtime_error naming the file (and line, for YAML syntax).
ApiServer read_kubeconfig(const std::string& path, const std::string& context);

// The in-cluster configuration: KUBERNETES_SERVICE_HOST/PORT, the service
// account's token (re-read on every connection) and CA. Throws with what
// is missing.
ApiServer in_cluster_config();

}  // namespace skycore::plugins::kubernetes
