// One rewrite rule as the Corefile gives it (CoreDNS's syntax):
//   rewrite [continue|stop] FIELD [MATCH] FROM TO [answer ...]
// parsed once at setup, immutable afterwards.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "plugins/rewrite/name_pattern.h"

namespace skycore::plugins::rewrite {

enum class Field : uint8_t { name, type, cls, ttl, rcode, edns0, cname };

// A response-side rewrite of owner names (`answer name`) or of the names
// records point at (`answer value`); also the reverse suffix swap of
// `suffix ... answer auto`.
struct AnswerRule {
  bool value = false;  // false: owner names
  NamePattern pattern;
};

struct Edns0Rule {
  enum class Option : uint8_t { local, nsid, subnet };
  enum class Action : uint8_t { set, replace, append, unset };
  // Data computed per query for `local CODE {variable}`.
  enum class Variable : uint8_t { none, qname, qtype, client_ip, client_port, protocol, server_ip, server_port };
  Option option = Option::local;
  Action action = Action::set;
  uint16_t code = 0;          // the option code (10 NSID... 3, subnet 8)
  std::vector<uint8_t> data;  // local: fixed data
  Variable variable = Variable::none;
  uint8_t v4_bits = 0, v6_bits = 0;  // subnet
  bool revert = false;        // accepted; see README
};

struct Rule {
  bool stop = true;  // CoreDNS's default
  Field field = Field::name;
  // name, ttl, rcode: matched against the question name; cname: against
  // CNAME targets in the answer.
  NamePattern pattern;
  // name: names equal to (or under) the rewritten question are mapped back
  // to the name before the rewrite (always for exact, `answer auto` for
  // prefix, substring and regex).
  bool auto_answer = false;
  std::vector<AnswerRule> answers;
  uint16_t from = 0, to = 0;            // type, class, rcode values
  uint32_t ttl_min = 0, ttl_max = 0;    // ttl: the range answers are clamped to
  Edns0Rule edns0;

  // Whether the rule changes anything on the way back.
  bool has_response_side() const {
    switch (field) {
      case Field::name: return auto_answer || !answers.empty();
      case Field::ttl: case Field::rcode: case Field::cname: return true;
      default: return false;
    }
  }
};

}  // namespace skycore::plugins::rewrite
