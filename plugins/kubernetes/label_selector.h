// Kubernetes label selector syntax (k8s.io/apimachinery labels.Parse), checked
// at setup so a malformed `labels` line is a FILE:LINE error rather than a
// list request the API server rejects forever.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace skycore::plugins::kubernetes {

// nullopt when `selector` is valid, else why not.
std::optional<std::string> label_selector_error(std::string_view selector);

}  // namespace skycore::plugins::kubernetes
