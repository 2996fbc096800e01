"""rewrite against the real binary: the chain (hosts, a dnspython upstream)
sees the rewritten question, the client (dnspython, kdig) never does."""

import subprocess

import dns.edns
import dns.message
import dns.rcode
import dns.rdatatype

from helpers.dnsclient import a_addresses, udp
from helpers.upstream import Upstream


def owners(r):
    return [rrset.name.to_text() for rrset in r.answer]


def test_exact_alias_onto_hosts_answers_under_the_asked_name(start_server, tmp_path):
    hosts = tmp_path / "hosts"
    hosts.write_text("10.1.2.3 api-service.production.svc.cluster.local\n")
    srv = start_server(f"""\
.:@PORT@ {{
    bind 127.0.0.1
    rewrite name legacy-api.company.com api-service.production.svc.cluster.local
    hosts {hosts}
}}
""")
    r = udp(dns.message.make_query("Legacy-Api.Company.com.", "A"), srv.port)
    assert r.rcode() == dns.rcode.NOERROR
    assert r.question[0].name.to_text() == "Legacy-Api.Company.com."
    assert owners(r) == ["Legacy-Api.Company.com."]
    assert a_addresses(r) == ["10.1.2.3"]
    kdig = subprocess.run(["kdig", "@127.0.0.1", "-p", str(srv.port), "legacy-api.company.com", "A"],
                          capture_output=True, text=True, timeout=10)
    assert "api-service" not in kdig.stdout, kdig.stdout
    assert "10.1.2.3" in kdig.stdout, kdig.stdout


def test_regex_rewrite_to_upstream_and_answer_name_back(start_server):
    with Upstream() as up:
        srv = start_server(f"""\
.:@PORT@ {{
    bind 127.0.0.1
    rewrite stop {{
      name regex (.*)\\.my\\.domain {{1}}.svc.cluster.local
      answer name (.*)\\.svc\\.cluster\\.local {{1}}.my.domain
    }}
    rewrite name suffix example1.com cluster.local answer auto
    forward . {up.address}
}}
""")
        up.reset()  # the start-up probe went upstream too
        r = udp(dns.message.make_query("web.ns.my.domain.", "A"), srv.port)
        assert owners(r) == ["web.ns.my.domain."]
        assert a_addresses(r) == ["192.0.2.1"]
        assert [m.question[0].name.to_text() for _, m in up.seen_messages()] == ["web.ns.svc.cluster.local."]

        up.reset()
        r = udp(dns.message.make_query("db.example1.com.", "A"), srv.port)
        assert owners(r) == ["db.example1.com."]
        assert up.seen_messages()[0][1].question[0].name.to_text() == "db.cluster.local."
        # NXDOMAIN from upstream: question restored, the SOA's owner mapped back too.
        r = udp(dns.message.make_query("nxhost.example1.com.", "A"), srv.port)
        assert r.rcode() == dns.rcode.NXDOMAIN
        assert r.question[0].name.to_text() == "nxhost.example1.com."
        assert [rr.name.to_text() for rr in r.authority] == ["example1.com."]


def test_edns0_options_reach_the_upstream(start_server):
    with Upstream() as up:
        srv = start_server(f"""\
.:@PORT@ {{
    bind 127.0.0.1
    rewrite continue edns0 local set 0xffee {{client_ip}}
    rewrite edns0 subnet set 24 56
    forward . {up.address}
}}
""")
        up.reset()
        r = udp(dns.message.make_query("host.example.", "A"), srv.port)
        assert r.rcode() == dns.rcode.NOERROR
        [(_, q)] = up.seen_messages()
        opts = {o.otype: o for o in q.options}
        assert opts[0xFFEE].to_wire() == bytes([127, 0, 0, 1])
        ecs = opts[dns.edns.ECS]
        assert (ecs.address, ecs.srclen) == ("127.0.0.0", 24)


def test_ttl_type_and_rcode_rules(start_server):
    with Upstream(ttl=3) as up:
        up.mode = "answer"
        srv = start_server(f"""\
.:@PORT@ {{
    bind 127.0.0.1
    rewrite continue ttl suffix example. 30-300
    rewrite continue rcode regex ^nx.* NXDOMAIN NOERROR
    rewrite type AAAA A
    forward . {up.address}
}}
""")
        r = udp(dns.message.make_query("www.example.", "A"), srv.port)
        assert r.answer[0].ttl == 30
        r = udp(dns.message.make_query("nxname.example.", "A"), srv.port)
        assert r.rcode() == dns.rcode.NOERROR
        r = udp(dns.message.make_query("www.example.", "AAAA"), srv.port)
        assert r.question[0].rdtype == dns.rdatatype.AAAA
        assert up.seen_messages()[-1][1].question[0].rdtype == dns.rdatatype.A


def test_bad_rules_fail_at_start_with_file_and_line(tmp_path):
    from helpers.skycore import BIN
    conf = tmp_path / "Corefile"
    conf.write_text(". {\n    rewrite name regex ([a-z] x\n}\n")
    p = subprocess.run([str(BIN), "-validate", "-conf", str(conf)], capture_output=True, text=True, timeout=10)
    assert p.returncode != 0
    assert f"{conf}:2: rewrite: invalid regex matching pattern" in p.stderr, p.stderr
