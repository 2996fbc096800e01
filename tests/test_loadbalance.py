"""loadbalance against the real binary, over answers from the hosts plugin
(four addresses for one name): round_robin changes the order, weighted
follows the weights file (and its reload), prefer puts the named subnets
first, limit_answers cuts the answer; kdig and dnspython read every reply."""

import collections
import subprocess

import dns.rdatatype

from helpers.dnsclient import query, udp
from helpers.skycore import BIN, poll

HOSTS = "".join(f"10.{net}.0.{i} www.example.org\n" for net, i in ((1, 1), (2, 2), (3, 3), (9, 4)))


def addresses(srv, name="www.example.org."):
    r = udp(query(name, "A"), srv.port)
    return [rd.to_text() for rrset in r.answer if rrset.rdtype == dns.rdatatype.A for rd in rrset]


def corefile(tmp_path, lb):
    (tmp_path / "hosts").write_text(HOSTS)
    return f""".:@PORT@ {{
    bind 127.0.0.1
    loadbalance {lb}
    hosts {tmp_path / "hosts"}
}}
"""


def test_round_robin_changes_the_order(start_server, tmp_path):
    srv = start_server(corefile(tmp_path, "round_robin"))
    orders = {tuple(addresses(srv)) for _ in range(40)}
    assert len(orders) > 3
    assert all(sorted(o) == ["10.1.0.1", "10.2.0.2", "10.3.0.3", "10.9.0.4"] for o in orders)


def test_weighted_follows_the_file_and_its_reload(start_server, tmp_path):
    weights = tmp_path / "weights"
    weights.write_text("www.example.org\n10.1.0.1 10\n10.2.0.2 1\n10.3.0.3 1\n10.9.0.4 1\n")
    srv = start_server(corefile(tmp_path, f"weighted {weights} {{\n        reload 1s\n    }}"))
    first = collections.Counter(addresses(srv)[0] for _ in range(400))
    assert first["10.1.0.1"] > 200  # 10 of 13 expected (about 300)
    weights.write_text("www.example.org\n10.1.0.1 1\n10.2.0.2 1\n10.3.0.3 1\n10.9.0.4 100\n")
    poll(lambda: collections.Counter(addresses(srv)[0] for _ in range(50))["10.9.0.4"] > 35, 10,
         what="the reloaded weights")


def test_prefer_and_limit_answers(start_server, tmp_path):
    srv = start_server(corefile(tmp_path, "{\n        prefer 10.9.0.0/16 10.3.0.3\n        limit_answers 3\n    }"))
    for _ in range(20):
        got = addresses(srv)
        assert len(got) == 3
        assert sorted(got[:2]) == ["10.3.0.3", "10.9.0.4"]
    kdig = subprocess.run(["kdig", "@127.0.0.1", "-p", str(srv.port), "www.example.org", "A"],
                          capture_output=True, text=True, timeout=10)
    assert kdig.stdout.count("\tA\t") == 3, kdig.stdout


def test_setup_errors(tmp_path):
    conf = tmp_path / "Corefile"
    for lb, message in ((f"weighted {tmp_path}/missing", "loadbalance: cannot read weights file"),
                        ("{\n        prefer 10.0.0.0/40\n    }", "loadbalance: prefer: '10.0.0.0/40' is not an address or CIDR"),
                        ("fastest", "loadbalance: unknown policy 'fastest'")):
        conf.write_text(f". {{\n    loadbalance {lb}\n    whoami\n}}\n")
        p = subprocess.run([str(BIN), "-validate", "-conf", str(conf)], capture_output=True, text=True, timeout=10)
        assert p.returncode != 0 and message in p.stderr, p.stderr
    (tmp_path / "w").write_text("www.example.org\n10.0.0.1 0\n")
    conf.write_text(f". {{\n    loadbalance weighted {tmp_path}/w\n    whoami\n}}\n")
    p = subprocess.run([str(BIN), "-validate", "-conf", str(conf)], capture_output=True, text=True, timeout=10)
    assert p.returncode != 0 and f"{conf}:2: loadbalance: weights file" in p.stderr and "line 2: weight '0'" in p.stderr
