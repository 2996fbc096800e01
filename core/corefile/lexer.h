#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/corefile/token.h"

namespace skycore::corefile {

// Splits Corefile text (after environment substitution) into tokens, the way
// CoreDNS's Caddy v1 lexer does:
//  - tokens are separated by whitespace; braces are ordinary tokens when
//    written apart ("{" and "}"), the parser gives them meaning;
//  - '#' outside quotes starts a comment up to the end of the line, even in
//    the middle of a word;
//  - a '"' at the start of a token opens a quoted token that may span lines;
//    inside it only \" is an escape, other backslashes are kept as written;
//  - a leading UTF-8 byte order mark is skipped.
// Throws Error for a quote that is never closed (at the line it opened on).
std::vector<Token> tokenize(std::string_view text, const std::string& file);

}  // namespace skycore::corefile
