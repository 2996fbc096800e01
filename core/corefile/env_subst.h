#pragma once

#include <string>
#include <string_view>

namespace skycore::corefile {

// Replaces {$NAME} and {%NAME%} with the environment variable NAME (empty
// when unset) across the whole text, before lexing, so one variable may
// expand to several tokens ("forward . {$UPSTREAMS}").
//
// Line numbers must survive: a reference never spans lines, and newlines in
// a value become spaces. Values are not scanned again, so a variable that
// contains "{$X}" cannot recurse.
std::string substitute_env(std::string_view text);

}  // namespace skycore::corefile
