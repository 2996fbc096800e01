"""template against the real binary, with AKS's two templates and
CoreDNS's README examples: dnspython and kdig see the answers, Prometheus'
parser sees the matches counted."""

import subprocess

import dns.edns
import dns.message
import dns.rcode
import dns.rdatatype

from helpers.dnsclient import a_addresses, udp
from helpers.prom import Exposition, scrape
from helpers.skycore import free_port
from helpers.upstream import Upstream


def test_aks_templates_answer_nxdomain_and_fall_through(start_server):
    mport = free_port()
    with Upstream() as up:
        srv = start_server(f"""\
.:@PORT@ {{
    bind 127.0.0.1
    prometheus 127.0.0.1:{mport}
    forward . {up.address}
    template ANY ANY internal.cloudapp.net {{
      match "^(?:[^.]+\\.){{4,}}internal\\.cloudapp\\.net\\.$"
      rcode NXDOMAIN
      fallthrough
    }}
    template ANY ANY reddog.microsoft.com {{
      rcode NXDOMAIN
    }}
}}
""")
        up.reset()
        r = udp(dns.message.make_query("db.default.svc.cluster.local.internal.cloudapp.net.", "A"), srv.port)
        assert r.rcode() == dns.rcode.NXDOMAIN
        r = udp(dns.message.make_query("x.y.reddog.microsoft.com.", "AAAA"), srv.port)
        assert r.rcode() == dns.rcode.NXDOMAIN
        assert up.queries() == 0  # neither went upstream
        r = udp(dns.message.make_query("vm1.internal.cloudapp.net.", "A"), srv.port)
        assert a_addresses(r) == ["192.0.2.1"]  # fewer labels: fell through to forward
        assert up.queries() == 1
        m = Exposition(scrape(mport))
        assert m.value("skycore_template_matches_total", zone="internal.cloudapp.net.") == 1
        assert m.value("skycore_template_matches_total", zone="reddog.microsoft.com.") == 1


def test_readme_examples_ip_names_ptr_and_ederror(start_server):
    srv = start_server("""\
.:@PORT@ {
    bind 127.0.0.1
    template IN A example {
      match (^|[.])ip-(?P<a>[0-9]*)-(?P<b>[0-9]*)-(?P<c>[0-9]*)-(?P<d>[0-9]*)[.]example[.]$
      answer "{{ .Name }} 60 IN A {{ .Group.a }}.{{ .Group.b }}.{{ .Group.c }}.{{ .Group.d }}"
      fallthrough
    }
    template IN PTR in-addr.arpa {
      match ^(?P<d>[0-9]*)[.](?P<c>[0-9]*)[.](?P<b>[0-9]*)[.](?P<a>[0-9]*)[.]in-addr[.]arpa[.]$
      answer "{{ .Name }} 60 IN PTR ip-{{ .Group.a }}-{{ .Group.b }}-{{ .Group.c }}-{{ .Group.d }}.example."
    }
    template ANY ANY invalid {
      rcode NXDOMAIN
      authority "invalid. 60 {{ .Class }} SOA ns.invalid. hostmaster.invalid. (1 60 60 60 60)"
      ederror 21 "Blocked according to RFC2606"
    }
}
""")
    r = udp(dns.message.make_query("web.ip-10-1-2-3.example.", "A"), srv.port)
    assert a_addresses(r) == ["10.1.2.3"]
    r = udp(dns.message.make_query("3.2.1.10.in-addr.arpa.", "PTR"), srv.port)
    assert r.answer[0][0].target.to_text() == "ip-10-1-2-3.example."
    r = udp(dns.message.make_query("foo.invalid.", "A", use_edns=0), srv.port)
    assert r.rcode() == dns.rcode.NXDOMAIN
    assert r.authority[0].ttl == 60
    [ede] = [o for o in r.options if o.otype == dns.edns.EDE]
    assert (ede.code, ede.text) == (21, "Blocked according to RFC2606")
    kdig = subprocess.run(["kdig", "@127.0.0.1", "-p", str(srv.port), "ip-192-0-2-9.example", "A", "+short"],
                          capture_output=True, text=True, timeout=10)
    assert kdig.stdout.strip() == "192.0.2.9", kdig.stdout + kdig.stderr


def test_fabricated_cname_is_followed_for_a_questions(start_server, tmp_path):
    hosts = tmp_path / "hosts"
    hosts.write_text("198.51.100.7 google.com\n")
    srv = start_server(f"""\
.:@PORT@ {{
    bind 127.0.0.1
    template IN ANY foogle.com {{
      match "^foogle[.]com[.]$"
      answer "foogle.com 60 IN CNAME google.com"
    }}
    hosts {hosts}
}}
""")
    r = udp(dns.message.make_query("foogle.com.", "A"), srv.port)
    assert [rr.rdtype for rr in r.answer] == [dns.rdatatype.CNAME, dns.rdatatype.A]
    assert a_addresses(r) == ["198.51.100.7"]
