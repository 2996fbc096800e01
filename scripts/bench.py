"""Runs dnsperf against skycore and peer servers, one after another, in one run.

The figure of merit is the server's CPU time per answered query: the server
is pinned to CPU 0, dnsperf to CPU 1, and utime+stime of the server process
is read from /proc before and after. On 2 cores dnsperf itself caps QPS, so
QPS alone cannot rank fast servers.
"""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    """A port free for both UDP and TCP (the kernel's UDP pick may be taken for TCP: retry)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u, socket.socket() as t:
            u.bind(("127.0.0.1", 0))
            port = u.getsockname()[1]
            try:
                t.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


def thread_cpu_seconds(pid):
    """CPU seconds per thread name (comm) of process `pid`."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a thread that ended meanwhile
        out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / CLK_TCK
    return out


def wait_answering(port, deadline=10.0):
    q = bytes.fromhex("abcd01000001000000000000") + b"\x06whoami\x07example\x03org\x00\x00\x01\x00\x01"
    end = time.monotonic() + deadline
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        while time.monotonic() < end:
            s.sendto(q, ("127.0.0.1", port))
            try:
                s.recv(512)
                return
            except socket.timeout:
                pass
    raise RuntimeError(f"server on port {port} never answered")  # see measure() for which


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, int(round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


def run_dnsperf(port, qfile, seconds, work, mode="udp"):
    """dnsperf -v prints one line per answered query with its latency, from
    which p50/p99 are taken (dnsperf itself reports only mean and stddev)."""
    out_path = os.path.join(work, "dnsperf.out")
    with open(out_path, "w") as out:
        subprocess.run(
            ["taskset", "-c", "1", "dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", qfile,
             "-l", str(seconds), "-c", "4", "-q", "200", "-m", mode, "-v"],
            stdout=out, stderr=subprocess.DEVNULL, timeout=seconds + 30, check=False)
    res = {}
    latencies = []
    rcodes = {}
    with open(out_path) as f:
        for line in f:
            if line.startswith("> "):
                parts = line.split()
                rcodes[parts[1]] = rcodes.get(parts[1], 0) + 1
                try:
                    latencies.append(float(parts[-1]))
                except ValueError:
                    pass  # "> T name type": timed out, no latency
                continue
            line = line.strip()
            if line.startswith("Queries completed:"):
                res["completed"] = int(line.split()[2])
            elif line.startswith("Queries lost:"):
                res["lost"] = int(line.split()[2])
            elif line.startswith("Queries per second:"):
                res["qps"] = float(line.split()[3])
            elif line.startswith("Average Latency (s):"):
                res["avg_latency_ms"] = float(line.split()[3]) * 1000
    if "completed" not in res:
        raise RuntimeError("dnsperf output not understood: see " + out_path)
    latencies.sort()
    res["p50_ms"] = percentile(latencies, 50) * 1000
    res["p99_ms"] = percentile(latencies, 99) * 1000
    res["rcodes"] = rcodes
    return res


def measure(name, argv, port, qfile, seconds, cwd, warm_names=None, mode="udp", dnsperf_port=None):
    """`mode` tcp: dnsperf -m tcp, 4 connections pipelining the queries (dot,
    doh likewise, over TLS / HTTP/2). `port` answers UDP (the readiness
    probe); dnsperf asks `dnsperf_port` when given."""
    proc = subprocess.Popen(["taskset", "-c", "0"] + argv, cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        try:
            wait_answering(port)
        except RuntimeError as e:
            raise RuntimeError(f"{name}: {e} (argv {argv})") from None
        if warm_names:
            warm(port, warm_names)
        before = cpu_seconds(proc.pid)
        res = run_dnsperf(dnsperf_port or port, qfile, seconds, cwd, mode)
        after = cpu_seconds(proc.pid)
        res["cpu_us_per_query"] = (after - before) * 1e6 / max(res["completed"], 1)
        res["rss_mb"] = rss_mb(proc.pid)
        res["name"] = name
        return res
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def skycore_whoami(binary, work, port):
    conf = os.path.join(work, "Corefile")
    with open(conf, "w") as f:
        f.write(f".:{port} {{\n    bind 127.0.0.1\n    whoami\n}}\n")
    return [binary, "-conf", conf, "-quiet"]


CACHED_NAMES = 50  # the cache-hit case cycles over name0..name49.example.org


def knot_static(work, port, name="knot", ttl=0, domain="example.org", records=None):
    """knotd serving small authoritative A answers: the closest peer to whoami,
    and the upstream for the forward and cache cases (`records`: the zone's
    own lines instead of whoami and name0..49)."""
    zone = os.path.join(work, f"{domain}.{name}.zone")
    if records is None:
        # (the wildcard answers the forward case's distinct names)
        records = ("whoami A 127.0.0.1\n* A 192.0.2.250\n" +
                   "".join(f"name{i} A 192.0.2.{i + 1}\n" for i in range(CACHED_NAMES)))
    with open(zone, "w") as f:
        f.write(f"$TTL {ttl}\n@ SOA ns hostmaster 1 3600 600 86400 {ttl}\n@ NS ns\nns A 127.0.0.1\n" + records)
    rundir = os.path.join(work, name)
    os.makedirs(rundir, exist_ok=True)
    conf = os.path.join(rundir, "knot.conf")
    with open(conf, "w") as f:
        f.write(f"""server:
    rundir: "{rundir}"
    listen: 127.0.0.1@{port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "{rundir}/db"
log:
  - target: stderr
    any: error
zone:
  - domain: {domain}
    file: "{zone}"
""")
    return ["knotd", "-c", conf]


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int([l for l in f if l.startswith("VmRSS:")][0].split()[1]) / 1024


def metric_sum(mport, prefix):
    """The sum of every sample in skycore's /metrics whose line starts with `prefix`."""
    import urllib.request
    text = urllib.request.urlopen(f"http://127.0.0.1:{mport}/metrics", timeout=2).read().decode()
    return sum(float(l.rsplit(" ", 1)[1]) for l in text.splitlines() if l.startswith(prefix))


def cached_names_file(work):
    """name0..49.example.org, and a dnsperf file cycling over them."""
    names = [f"name{i}.example.org" for i in range(CACHED_NAMES)]
    cfile = os.path.join(work, "cached.txt")
    with open(cfile, "w") as f:
        f.writelines(f"{n} A\n" for n in names)
    return names, cfile


def udp_echo(root, work, port):
    """The floor: a batched UDP echo doing no DNS work (scripts/udp_echo.cpp)."""
    exe = os.path.join(work, "udp_echo")
    if not os.path.exists(exe):
        subprocess.run(["g++", "-O2", "-o", exe, os.path.join(root, "scripts", "udp_echo.cpp")], check=True)
    return [exe, str(port)]


def skycore_whoami_with(binary, work, port, extra, tag):
    conf = os.path.join(work, f"Corefile.{tag}")
    with open(conf, "w") as f:
        f.write(f".:{port} {{\n    bind 127.0.0.1\n{extra}    whoami\n}}\n")
    return [binary, "-conf", conf, "-quiet"]


def skycore_forward(binary, work, port, upstream_port):
    conf = os.path.join(work, "Corefile.forward")
    with open(conf, "w") as f:
        f.write(f".:{port} {{\n    bind 127.0.0.1\n    forward . 127.0.0.1:{upstream_port}\n}}\n")
    return [binary, "-conf", conf, "-quiet"]


def dnsdist_forward(work, port, upstream_port):
    conf = os.path.join(work, "dnsdist.conf")
    with open(conf, "w") as f:
        f.write(f'setLocal("127.0.0.1:{port}")\n'
                f'newServer({{address="127.0.0.1:{upstream_port}"}})\n'
                'setACL({"127.0.0.0/8"})\n')
    return ["dnsdist", "--supervised", "--disable-syslog", "-C", conf]


def start_upstream(work, ttl=0, **zone):
    """knot on CPU 1 (beside dnsperf): the same upstream for every forwarder."""
    port = free_port()
    proc = subprocess.Popen(["taskset", "-c", "1"] + knot_static(work, port, f"upstream{ttl}", ttl, **zone),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_answering(port)
    return proc, port


def skycore_cache(binary, work, port, upstream_port):
    conf = os.path.join(work, "Corefile.cache")
    with open(conf, "w") as f:
        f.write(f".:{port} {{\n    bind 127.0.0.1\n    cache\n"
                f"    forward . 127.0.0.1:{upstream_port}\n}}\n")
    return [binary, "-conf", conf, "-quiet"]


def dnsdist_cache(work, port, upstream_port):
    conf = os.path.join(work, "dnsdist-cache.conf")
    with open(conf, "w") as f:
        f.write(f'setLocal("127.0.0.1:{port}")\n'
                f'newServer({{address="127.0.0.1:{upstream_port}"}})\n'
                'setACL({"127.0.0.0/8"})\n'
                'pc = newPacketCache(10000)\n'
                'getPool(""):setCache(pc)\n')
    return ["dnsdist", "--supervised", "--disable-syslog", "-C", conf]


def unbound_cache(work, port, upstream_port):
    rundir = os.path.join(work, "unbound")
    os.makedirs(rundir, exist_ok=True)
    conf = os.path.join(rundir, "unbound.conf")
    with open(conf, "w") as f:
        f.write(f"""server:
    interface: 127.0.0.1
    port: {port}
    do-daemonize: no
    use-syslog: no
    username: ""
    chroot: ""
    directory: "{rundir}"
    pidfile: ""
    num-threads: 1
    access-control: 127.0.0.0/8 allow
    do-ip6: no
    do-not-query-localhost: no
    qname-minimisation: no
    verbosity: 0
remote-control:
    control-enable: no
forward-zone:
    name: "example.org"
    forward-addr: 127.0.0.1@{upstream_port}
""")
    return ["unbound", "-c", conf]


def bench_cert(work):
    """A self-signed certificate for 127.0.0.1 (dnsperf does not verify it)."""
    key, pem = os.path.join(work, "bench.key"), os.path.join(work, "bench.pem")
    if not os.path.exists(pem):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", key, "-out", pem, "-days", "2", "-subj", "/CN=bench",
                        "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True, timeout=30)
    return key, pem


def skycore_transports(binary, work, port, dot_port, doh_port):
    """whoami on UDP/TCP `port`, DoT on dot_port, DoH on doh_port."""
    key, pem = bench_cert(work)
    conf = os.path.join(work, "Corefile.transports")
    with open(conf, "w") as f:
        f.write(f".:{port} {{\n    bind 127.0.0.1\n    whoami\n}}\n"
                f"tls://.:{dot_port} {{\n    bind 127.0.0.1\n    tls {pem} {key}\n    whoami\n}}\n"
                f"https://.:{doh_port} {{\n    bind 127.0.0.1\n    tls {pem} {key}\n    whoami\n}}\n")
    return [binary, "-conf", conf, "-quiet"]


def unbound_transports(work, port, dot_port, doh_port, tag="unbound-transports"):
    """unbound answering whoami.example.org from local data on UDP/TCP,
    DoT and DoH (its https-port, HTTP/2): the same answer from a peer."""
    key, pem = bench_cert(work)
    rundir = os.path.join(work, tag)
    os.makedirs(rundir, exist_ok=True)
    conf = os.path.join(rundir, "unbound.conf")
    with open(conf, "w") as f:
        f.write(f"""server:
    interface: 127.0.0.1@{port}
    interface: 127.0.0.1@{dot_port}
    interface: 127.0.0.1@{doh_port}
    port: {port}
    tls-port: {dot_port}
    https-port: {doh_port}
    tls-service-key: "{key}"
    tls-service-pem: "{pem}"
    http-endpoint: "/dns-query"
    do-daemonize: no
    use-syslog: no
    username: ""
    chroot: ""
    directory: "{rundir}"
    pidfile: ""
    num-threads: 1
    access-control: 127.0.0.0/8 allow
    do-ip6: no
    verbosity: 0
    module-config: "iterator"
    local-zone: "example.org." redirect
    local-data: "example.org. 0 IN A 127.0.0.1"
remote-control:
    control-enable: no
""")
    return ["unbound", "-c", conf]


def skycore_forward_to(binary, work, port, target, tag):
    key, pem = bench_cert(work)
    conf = os.path.join(work, f"Corefile.forward-{tag}")
    with open(conf, "w") as f:
        tls = f" {{\n        tls {pem}\n    }}" if target.startswith("https://") else ""
        f.write(f".:{port} {{\n    bind 127.0.0.1\n    forward . {target}{tls}\n}}\n")
    return [binary, "-conf", conf, "-quiet"]


def warm(port, names):
    """Asks every name once so the measured run sees only cache hits."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(1.0)
        for i, name in enumerate(names):
            labels = b"".join(bytes([len(p)]) + p.encode() for p in name.split("."))
            q = (i & 0xFFFF).to_bytes(2, "big") + bytes.fromhex("01000001000000000000") + labels + b"\x00\x00\x01\x00\x01"
            for _ in range(3):
                s.sendto(q, ("127.0.0.1", port))
                try:
                    s.recv(1500)
                    break
                except socket.timeout:
                    pass


def registry_load_exe(root, work):
    """The registry's load generator (scripts/registry_load.cpp): keep-alive
    HTTP/1.1 connections driven by poll(2), so the client is not the limit."""
    exe = os.path.join(work, "registry_load")
    if not os.path.exists(exe):
        subprocess.run(["g++", "-O2", "-o", exe, os.path.join(root, "scripts", "registry_load.cpp")], check=True)
    return exe


def registry_conf(regdir, store_line):
    os.makedirs(regdir, exist_ok=True)
    api, port = free_port(), free_port()
    conf = os.path.join(regdir, "Corefile")
    with open(conf, "w") as f:
        f.write(f"skydns.local:{port} {{\n    bind 127.0.0.1\n    skydns-registry {{\n"
                f"        api 127.0.0.1:{api}\n        {store_line}\n    }}\n}}\n")
    return conf, api, port


def load(exe, api, first, count, mode, names=2000, prefix="svc", conns=16):
    """registry_load on CPU 1 -> (requests, seconds)."""
    args = ["taskset", "-c", "1", exe, str(api), str(conns), str(first), str(count), mode]
    if mode == "put":
        args += [str(names), prefix]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout.split()
    return int(out[0]), float(out[1])


def wait_api(api, deadline=30.0):
    """Until the registry API answers (a 404 for an unknown uuid is an answer)."""
    import http.client
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            c = http.client.HTTPConnection("127.0.0.1", api, timeout=1)
            c.request("GET", "/skydns/services/none")
            c.getresponse().read()
            c.close()
            return
        except OSError:
            time.sleep(0.005)
    raise RuntimeError(f"registry API on {api} never answered")


def registry_rates(binary, exe, regdir, store_line, first=10000, more=20000, names=2000):
    """skycore on CPU 0 with a registry on `store_line`; 16 keep-alive clients
    register `first` services, then `more` new ones (registrations), then
    heartbeat (PATCH) all of them. -> (row, Corefile, DNS port)."""
    conf, api, port = registry_conf(regdir, store_line)
    proc = subprocess.Popen(["taskset", "-c", "0", binary, "-conf", conf, "-quiet"], cwd=regdir,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_api(api)
        load(exe, api, 0, first, "put", names)
        row = {}
        for key, first_i, count, mode in (("reg", first, more, "put"), ("hb", 0, first + more, "patch")):
            before = cpu_seconds(proc.pid)
            n, secs = load(exe, api, first_i, count, mode, names)
            row[key + "_per_s"] = n / secs
            row[key + "_cpu_us"] = (cpu_seconds(proc.pid) - before) * 1e6 / n
        row["rss_mb"] = rss_mb(proc.pid)
        return row, conf, port
    finally:
        proc.terminate()
        proc.wait(10)


def print_registry_rates(rows, first=10000, more=20000):
    print("\n### skydns-registry: writes (16 keep-alive clients on CPU 1, skycore on CPU 0, "
          f"{first:,} services registered first)\n")
    print(f"| store | registrations/s | CPU us each | heartbeats/s | CPU us each | RSS MB at {first + more:,} |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in rows:
        print(f"| {name} | {r['reg_per_s']:.0f} | {r['reg_cpu_us']:.1f} | {r['hb_per_s']:.0f} | "
              f"{r['hb_cpu_us']:.1f} | {r['rss_mb']:.1f} |")


def registry_health(binary, work, seconds, instances=10000, per_name=5, idle=20):
    """10,000 instances in 2,000 names, registered over one keep-alive
    connection, with or without a TCP check every 10 s (one instance in
    five checks a closed port: critical, left out of the answers). -> rows
    for SRV answers, and {label: (% of one core while idle, TIME_WAIT sockets towards the listener)}."""
    import http.client
    import json as json_mod
    import socket as socket_mod
    import threading

    import selectors
    listener = socket_mod.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4096)
    listener.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ)

    def serve():
        # As a real server: keeps each connection until the client ends it
        # (the checker closes first, so any TIME_WAIT is on its side).
        while True:
            try:
                ready = sel.select(1)
            except (OSError, ValueError):
                return
            for key, _ in ready:
                if key.fileobj is listener:
                    try:
                        c, _ = listener.accept()
                    except OSError:
                        if listener.fileno() < 0:
                            return
                        continue
                    c.setblocking(False)
                    sel.register(c, selectors.EVENT_READ)
                    continue
                c = key.fileobj
                try:
                    data = c.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    sel.unregister(c)
                    c.close()

    threading.Thread(target=serve, daemon=True).start()

    def time_wait_to_listener():
        remote = f":{listener.getsockname()[1]:04X}"
        with open("/proc/net/tcp") as f:
            return sum(1 for line in f.readlines()[1:]
                       if line.split()[3] == "06" and line.split()[2].endswith(remote))
    closed = socket_mod.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    srv_file = os.path.join(work, "srv-health.txt")
    with open(srv_file, "w") as f:
        f.writelines(f"h{i}.production.skydns.local SRV\n" for i in range(instances // per_name))
    rows, idle_cpu = [], {}
    try:
        for label, checked in (("SRV, no checks (today)", False), ("SRV, checked, 1 in 5 critical", True)):
            regdir = os.path.join(work, f"registry-health-{int(checked)}")
            conf, api, port = registry_conf(regdir, "store memory")
            proc = subprocess.Popen(["taskset", "-c", "0", binary, "-conf", conf, "-quiet"], cwd=regdir,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_api(api)
                conn = http.client.HTTPConnection("127.0.0.1", api, timeout=10)
                for i in range(instances):
                    body = {"Name": f"h{i // per_name}", "Version": "1", "Environment": "production", "Region": "east",
                            "Host": f"10.{i // 65536}.{i // 256 % 256}.{i % 256}", "Port": 8080, "TTL": 3600}
                    if checked:
                        target = closed_port if i % per_name == 0 else listener.getsockname()[1]
                        body["Checks"] = [{"TCP": f"127.0.0.1:{target}", "Interval": "10s", "Timeout": "1s"}]
                    conn.request("PUT", f"/skydns/services/u{i}", json_mod.dumps(body))
                    r = conn.getresponse()
                    r.read()
                    assert r.status == 201, r.status
                conn.close()
                time.sleep(12)  # every check has run at least once
                before = cpu_seconds(proc.pid)
                time.sleep(idle)
                idle_cpu[label] = ((cpu_seconds(proc.pid) - before) / idle * 100, time_wait_to_listener())
                before = cpu_seconds(proc.pid)
                res = run_dnsperf(port, srv_file, seconds, work)
                res["cpu_us_per_query"] = (cpu_seconds(proc.pid) - before) * 1e6 / max(res["completed"], 1)
                res["rss_mb"] = rss_mb(proc.pid)
                res["name"] = f"skycore {label}"
                rows.append(res)
            finally:
                proc.terminate()
                proc.wait(10)
    finally:
        listener.close()
    return rows, idle_cpu


def kube_fixture(path, services=10000, per_service=5, namespaces=100):
    """A cluster of `services` ClusterIP Services (one named port) across
    `namespaces`, each with one EndpointSlice of `per_service` ready endpoints."""
    import json
    items = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"ns{n}"}}
             for n in range(namespaces)]
    for i in range(services):
        ns, name = f"ns{i % namespaces}", f"svc{i}"
        ip = f"10.{96 + i // 65536}.{i // 256 % 256}.{i % 256}"
        items.append({"apiVersion": "v1", "kind": "Service",
                      "metadata": {"name": name, "namespace": ns, "labels": {"app": name}},
                      "spec": {"type": "ClusterIP", "clusterIP": ip, "clusterIPs": [ip],
                               "ipFamilies": ["IPv4"], "selector": {"app": name},
                               "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}]}})
        eps = []
        for k in range(per_service):
            n = i * per_service + k
            eps.append({"addresses": [f"172.{16 + n // 65536}.{n // 256 % 256}.{n % 256}"],
                        "conditions": {"ready": True, "serving": True, "terminating": False},
                        "nodeName": f"node-{n % 50}",
                        "targetRef": {"kind": "Pod", "name": f"{name}-pod-{k}", "namespace": ns}})
        items.append({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
                      "metadata": {"name": f"{name}-abcde", "namespace": ns,
                                   "labels": {"kubernetes.io/service-name": name,
                                              "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}},
                      "endpoints": eps, "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]})
    with open(path, "w") as f:
        json.dump({"apiVersion": "v1", "kind": "List", "items": items}, f)


SEARCH = ["default.svc.cluster.local", "svc.cluster.local", "cluster.local"]  # a pod in `default`, ndots:5


def autopath_run(binary, adir, kport, up_port, label, autopath, cache, qfile, seconds, stub_names):
    """One skycore (kubernetes + forward, with or without autopath and cache)
    measured two ways: dnsperf over `qfile`, and a dnspython stub resolver
    walking the pod's search list as glibc does, counting the queries that
    reach the server (its own request counter) and the time per lookup."""
    import dns.resolver
    port, mport = free_port(), free_port()
    conf = os.path.join(adir, f"Corefile.{label}")
    with open(conf, "w") as f:
        f.write(f".:{port} {{\n    bind 127.0.0.1\n    prometheus 127.0.0.1:{mport}\n"
                f"    kubernetes cluster.local {{\n        endpoint http://127.0.0.1:{kport}\n    }}\n"
                + ("    autopath @kubernetes\n" if autopath else "") + ("    cache 30\n" if cache else "")
                + f"    forward . 127.0.0.1:{up_port}\n}}\n")
    proc = subprocess.Popen(["taskset", "-c", "0", binary, "-conf", conf, "-quiet"], cwd=adir,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        r = dns.resolver.Resolver(configure=False)
        r.nameservers, r.nameserver_ports = ["127.0.0.1"], {"127.0.0.1": port}
        r.search, r.ndots, r.use_search_by_default, r.lifetime = [dns.name.from_text(d) for d in SEARCH], 5, True, 2
        r.cache = None
        end = time.monotonic() + 15
        while True:  # synced with the API server, pod index included
            try:
                if r.resolve(stub_names[0], "A").rrset:
                    break
            except Exception:
                pass
            if time.monotonic() > end:
                raise RuntimeError(f"autopath case {label}: no answer from {conf}")
            time.sleep(0.05)

        def requests():
            return metric_sum(mport, "skycore_dns_requests_total{")
        before, times = requests(), []
        for n in stub_names:
            t0 = time.perf_counter()
            r.resolve(n, "A")
            times.append(time.perf_counter() - t0)
        per_lookup = (requests() - before) / len(stub_names)
        times.sort()
        cpu0 = cpu_seconds(proc.pid)
        res = run_dnsperf(port, qfile, seconds, adir)
        res["cpu_us_per_query"] = (cpu_seconds(proc.pid) - cpu0) * 1e6 / max(res["completed"], 1)
        res["rss_mb"] = rss_mb(proc.pid)
        res["name"] = f"skycore {label}"
        res["queries_per_lookup"] = per_lookup
        res["stub_p50_ms"] = percentile(times, 50) * 1000
        return res
    finally:
        proc.terminate()
        proc.wait(10)


# What this run measured, for --plot: every table row (with its table's
# title), RSS against cluster size, registration rate against registry size.
RESULTS = {"rows": [], "kube_rss": [], "registry_rate": []}
SYNC_CPU = {}  # services -> skycore's CPU seconds to its first sync (kube_first_sync)


def print_table(title, rows):
    RESULTS["rows"].extend(dict(r, table=title) for r in rows)
    base = rows[0]["cpu_us_per_query"]
    print(f"\n### {title}\n")
    print("| server | QPS | p50 ms | p99 ms | CPU us/query | ratio to the first row | RSS MB | lost |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['name']} | {r['qps']:.0f} | {r['p50_ms']:.3f} | {r['p99_ms']:.3f} | "
              f"{r['cpu_us_per_query']:.2f} | {r['cpu_us_per_query'] / base:.2f} | "
              f"{r['rss_mb']:.1f} | {r.get('lost', 0)} |")


def wait_synced(port, qname, start, limit):
    """Asks `qname` A until it is NOERROR (the kubernetes plugin has synced)
    or `limit` seconds after `start`."""
    probe = bytes.fromhex("abcd01000001000000000000") + b"".join(
        bytes([len(l)]) + l.encode() for l in qname.split(".")) + b"\x00\x00\x01\x00\x01"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        while time.monotonic() - start < limit:
            s.sendto(probe, ("127.0.0.1", port))
            try:
                if s.recv(512)[3] & 0x0f == 0:  # NOERROR: synced
                    return
            except socket.timeout:
                continue
            # Asked again 10 ms after a SERVFAIL, not at once: a tight loop of
            # probes cost skycore more CPU than the sync it waits for.
            time.sleep(0.01)


def kube_first_sync(root, binary, kdir, services, per_service=5, then=None):
    """A fixture of `services` Services (and per_service endpoints each) from
    the fake API server on CPU 1; skycore on CPU 0 until its first sync, and
    then `then(proc, port)` while it runs, if given.
    -> (seconds to first sync, RSS MB after it, what `then` returned).
    SYNC_CPU[services] is skycore's CPU seconds up to the sync: its own part
    of it, without the fake's serialisation or the wire."""
    os.makedirs(kdir, exist_ok=True)
    fixture = os.path.join(kdir, f"cluster-{services}.json")
    if not os.path.exists(fixture):
        kube_fixture(fixture, services, per_service)
    kport, port = free_port(), free_port()
    fake = subprocess.Popen(["taskset", "-c", "1", "/usr/bin/python3",
                             os.path.join(root, "tests", "helpers", "fake_kube.py"),
                             "--port", str(kport), "--fixture", fixture],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        fake.stdout.readline()  # the URL: it serves from now on
        conf = os.path.join(kdir, f"Corefile.{services}")
        with open(conf, "w") as f:
            f.write(f".:{port} {{\n    bind 127.0.0.1\n    kubernetes cluster.local {{\n"
                    f"        endpoint http://127.0.0.1:{kport}\n        startup_timeout 300s\n    }}\n}}\n")
        last = services - 1
        start = time.monotonic()
        proc = subprocess.Popen(["taskset", "-c", "0", binary, "-conf", conf, "-quiet"], cwd=kdir,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_synced(port, f"svc{last}.ns{last % 100}.svc.cluster.local", start, 300)
            sync_s, rss = time.monotonic() - start, rss_mb(proc.pid)
            SYNC_CPU[services] = cpu_seconds(proc.pid)
            return sync_s, rss, then(proc, port) if then else None
        finally:
            proc.terminate()
            proc.wait(10)
    finally:
        fake.terminate()
        fake.wait(10)


def coredns_mb(pods, services):
    """CoreDNS's sizing guide (default settings): (pods + services) / 1000 + 54 MB."""
    return (pods + services) / 1000 + 54


def plot(out_dir):
    """SVG charts of RESULTS (matplotlib, Debian's python3-matplotlib)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    os.makedirs(out_dir, exist_ok=True)

    def save(fig, ax, name, title, xlabel, ylabel=None, lines=True):
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        if ylabel:
            ax.set_ylabel(ylabel)
        if lines:
            ax.set_ylim(bottom=0)
            ax.legend()
        fig.tight_layout()
        path = os.path.join(out_dir, name)
        fig.savefig(path)
        plt.close(fig)
        print(f"wrote {path}")

    rows = [r for r in RESULTS["rows"] if r.get("cpu_us_per_query")]
    if rows:
        fig, ax = plt.subplots(figsize=(9, 0.32 * len(rows) + 1.2))
        colors = ["#1f77b4" if r["name"].startswith("skycore") else "#999999" for r in rows]
        ax.barh(range(len(rows)), [r["cpu_us_per_query"] for r in rows], color=colors)
        ax.set_yticks(range(len(rows)), [r["name"] for r in rows], fontsize=8)
        ax.invert_yaxis()
        save(fig, ax, "bench-cpu-per-query.svg", "CPU per query by case (skycore blue, peers grey)",
             "server CPU per query, us (server on CPU 0, dnsperf on CPU 1)", lines=False)
    if RESULTS["kube_rss"]:
        pts = sorted(RESULTS["kube_rss"])
        fig, ax = plt.subplots(figsize=(7, 4.5))
        xs = [s for s, _, _ in pts]
        ax.plot(xs, [rss for _, _, rss in pts], "o-", label="skycore RSS after the first sync")
        ax.plot(xs, [coredns_mb(s * e, s) for s, e, _ in pts], "s--", color="#999999",
                label="CoreDNS's sizing formula: (pods + services)/1000 + 54")
        save(fig, ax, "bench-kubernetes-rss.svg", "kubernetes: memory against cluster size",
             "Services (5 endpoints each)", "MB")
    if RESULTS["registry_rate"]:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        by_store = {}
        for store, size, rate in RESULTS["registry_rate"]:
            by_store.setdefault(store, []).append((size, rate))
        for store, pts in sorted(by_store.items()):
            pts.sort()
            ax.plot([s for s, _ in pts], [r for _, r in pts], "o-", label=f"{store} store")
        ax.set_xscale("log")
        save(fig, ax, "bench-registry-rate.svg", "skydns-registry: registration rate against registry size",
             "services registered", "registrations per second (16 keep-alive clients)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--churn-seconds", type=int, default=30, help="kubernetes-churn: seconds of each window")
    ap.add_argument("--cases", default="floor,whoami,forward,cache,metrics,rewrite,autopath,registry,defences")
    # Also: transports (DoT, DoH, forward over DoH), tcp, cache-big, registry-100k, registry-sizes, registry-etcd, registry-health, kubernetes, kubernetes-sizes,
    # kubernetes-churn, kubernetes-50k (adds 50,000 Services to kubernetes-sizes)
    ap.add_argument("--variant", action="append", default=[], metavar="NAME=BINARY",
                    help="also measure another skycore build (e.g. before a change)")
    ap.add_argument("--plot", metavar="DIR",
                    help="write SVG charts of what was measured into DIR (e.g. docs/)")
    args = ap.parse_args()
    if (os.cpu_count() or 1) < 2:
        sys.exit("bench needs 2 CPUs (server on CPU 0, dnsperf on CPU 1)")
    cases = args.cases.split(",")
    binary = os.path.join(args.root, "build", "skycore")
    builds = [("skycore", binary)] + [tuple(v.split("=", 1)) for v in args.variant]
    work = tempfile.mkdtemp(prefix="skycore-bench-")
    qfile = os.path.join(work, "queries.txt")
    with open(qfile, "w") as f:
        f.write("whoami.example.org A\n")
    print(f"{args.seconds} s per server; server on CPU 0, dnsperf (-c 4 -q 200) on CPU 1")
    try:
        if "whoami" in cases:
            rows = []
            for name, path in builds:
                port = free_port()
                rows.append(measure(f"{name} whoami", skycore_whoami(path, work, port), port,
                                    qfile, args.seconds, work))
            port = free_port()
            rows.append(measure("knot static A", knot_static(work, port), port, qfile,
                                args.seconds, work))
            print_table("authoritative answer built per query", rows)
        if "transports" in cases:
            # The same whoami answer over each transport skycore serves,
            # against unbound serving it from local data over the same ones;
            # then forwarding over UDP and over DoH to unbound (on CPU 1).
            rows = []
            for name, path in builds:
                for mode in ("udp", "tcp", "dot", "doh"):
                    port, dot_port, doh_port = free_port(), free_port(), free_port()
                    target = {"udp": port, "tcp": port, "dot": dot_port, "doh": doh_port}[mode]
                    rows.append(measure(f"{name} whoami over {mode}",
                                        skycore_transports(path, work, port, dot_port, doh_port), port, qfile,
                                        args.seconds, work, mode=mode, dnsperf_port=target))
            if shutil.which("unbound"):
                for mode in ("udp", "tcp", "dot", "doh"):
                    port, dot_port, doh_port = free_port(), free_port(), free_port()
                    target = {"udp": port, "tcp": port, "dot": dot_port, "doh": doh_port}[mode]
                    rows.append(measure(f"unbound local data over {mode}",
                                        unbound_transports(work, port, dot_port, doh_port, f"unbound-{mode}"), port,
                                        qfile, args.seconds, work, mode=mode, dnsperf_port=target))
            print_table("transports: one answer over UDP, TCP, DoT and DoH (ratio to the first row)", rows)
            # Forwarding: skycore over UDP and over DoH to one unbound.
            port, dot_port, doh_port = free_port(), free_port(), free_port()
            up = subprocess.Popen(["taskset", "-c", "1"] + unbound_transports(work, port, dot_port, doh_port, "unbound-up"),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_answering(port)
                dfile = os.path.join(work, "distinct-example-org.txt")
                with open(dfile, "w") as f:
                    f.writelines(f"n{i}.example.org A\n" for i in range(20000))
                rows = []
                for name, path in builds:
                    for label, target in (("UDP", f"127.0.0.1:{port}"), ("DoH", f"https://127.0.0.1:{doh_port}")):
                        sport = free_port()
                        rows.append(measure(f"{name} forward over {label}",
                                            skycore_forward_to(path, work, sport, target, label), sport, dfile,
                                            args.seconds, work))
            finally:
                up.terminate()
                up.wait(10)
            print_table("forward to unbound over UDP and over DoH (20,000 distinct names)", rows)
        if "defences" in cases:
            # What acl and rrl cost per query, against whoami alone in the
            # same run: acl checks 4 rules (allowed by the last); rrl's
            # allowance is never reached, so every query pays the accounting
            # and is answered.
            acl = ("    acl {\n        block net 10.0.0.0/8\n        filter type AXFR\n"
                   "        drop net 192.0.2.0/24\n        allow net 127.0.0.0/8\n    }\n")
            rrl = "    rrl {\n        responses-per-second 100000000\n        ipv4-prefix-length 32\n    }\n"
            rows = []
            for name, path in builds:
                for label, extra in (("whoami", ""), ("whoami + acl", acl), ("whoami + rrl", rrl)):
                    port = free_port()
                    rows.append(measure(f"{name} {label}", skycore_whoami_with(path, work, port, extra, label.replace(" + ", "-")),
                                        port, qfile, args.seconds, work))
            print_table("defences: acl and rrl per query, against whoami alone", rows)
        if "floor" in cases:
            # The kernel's floor (a batched UDP echo) against skycore's
            # cheapest answers and the peers' cache hits, in one run.
            names, cfile = cached_names_file(work)
            upstream, up_port = start_upstream(work, ttl=3600)
            try:
                port = free_port()
                rows = [measure("udp echo (no DNS work)", udp_echo(args.root, work, port), port, cfile,
                                args.seconds, work)]
                for name, path in builds:
                    port = free_port()
                    rows.append(measure(f"{name} cache hits", skycore_cache(path, work, port, up_port),
                                        port, cfile, args.seconds, work, names))
                    port = free_port()
                    rows.append(measure(f"{name} whoami", skycore_whoami(path, work, port), port, qfile,
                                        args.seconds, work))
                for label, make in (("dnsdist packet cache hits", dnsdist_cache), ("unbound cache hits", unbound_cache)):
                    exe = label.split()[0]
                    if shutil.which(exe):
                        port = free_port()
                        rows.append(measure(label, make(work, port, up_port), port, cfile, args.seconds, work, names))
                port = free_port()
                rows.append(measure("knot static A", knot_static(work, port, "knot-floor"), port, qfile,
                                    args.seconds, work))
            finally:
                upstream.terminate()
                upstream.wait(10)
            print_table("the floor: a batched UDP echo, then the cheapest answers (ratio to the echo)", rows)
        if "cache-big" in cases:
            # 100 000 distinct names (Zipf-distributed, as real traffic) in
            # front of a 10 000-entry cache: hit rate, CPU per query, RSS, and
            # the memory one entry costs (RSS after 10 000 distinct answers).
            import random
            upstream, up_port = start_upstream(work, ttl=3600, domain="big.example.org", records="* A 192.0.2.9\n")
            try:
                rng = random.Random(42)
                weights = [1 / (k + 1) for k in range(100_000)]
                picks = rng.choices(range(100_000), weights=weights, k=300_000)
                zfile = os.path.join(work, "zipf.txt")
                with open(zfile, "w") as f:
                    f.writelines(f"n{k}.big.example.org A\n" for k in picks)
                for name, path in builds:
                    port, mport = free_port(), free_port()
                    conf = os.path.join(work, f"Corefile.cachebig.{name}")
                    with open(conf, "w") as f:
                        f.write(f".:{port} {{\n    bind 127.0.0.1\n    prometheus 127.0.0.1:{mport}\n"
                                f"    cache {{\n        success 10000\n        denial 10000\n    }}\n"
                                f"    forward . 127.0.0.1:{up_port}\n}}\n")
                    proc = subprocess.Popen(["taskset", "-c", "0", path, "-conf", conf, "-quiet"], cwd=work,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    try:
                        wait_answering(port)

                        warm(port, [f"w{i}.big.example.org" for i in range(100)])
                        base = rss_mb(proc.pid)
                        warm(port, [f"fill{i}.big.example.org" for i in range(10_000)])
                        per_entry = (rss_mb(proc.pid) - base) * 2**20 / 10_000

                        def counters():
                            return (metric_sum(mport, "skycore_cache_hits_total{"),
                                    metric_sum(mport, "skycore_cache_misses_total{"))
                        h0, m0 = counters()
                        cpu0 = cpu_seconds(proc.pid)
                        res = run_dnsperf(port, zfile, args.seconds, work)
                        res["cpu_us_per_query"] = (cpu_seconds(proc.pid) - cpu0) * 1e6 / max(res["completed"], 1)
                        h1, m1 = counters()
                        res["rss_mb"] = rss_mb(proc.pid)
                        res["name"] = f"{name} cache 10 000 entries, Zipf over 100 000 names"
                        print_table("cache: 100 000 distinct names, 10 000 entries (knot upstream on CPU 1)", [res])
                        print(f"\nhit rate {(h1 - h0) / max(h1 - h0 + m1 - m0, 1):.1%}; "
                              f"memory per entry {per_entry:.0f} bytes (RSS growth over 10 000 answers; "
                              f"CoreDNS: about 3 KB per entry, 30 MB for 10 000)")
                    finally:
                        proc.terminate()
                        proc.wait(10)
            finally:
                upstream.terminate()
                upstream.wait(10)
        if "tcp" in cases:
            # The same answers over TCP: dnsperf -m tcp keeps 4 connections
            # open and pipelines up to 200 queries on them.
            rows = []
            for name, path in builds:
                port = free_port()
                rows.append(measure(f"{name} whoami over TCP", skycore_whoami(path, work, port), port, qfile,
                                    args.seconds, work, mode="tcp"))
            port = free_port()
            rows.append(measure("knot static A over TCP", knot_static(work, port, "knot-tcp"), port, qfile,
                                args.seconds, work, mode="tcp"))
            if shutil.which("unbound"):
                upstream, up_port = start_upstream(work, ttl=3600)
                try:
                    names, cfile = cached_names_file(work)
                    for name, path in builds:
                        port = free_port()
                        rows.append(measure(f"{name} cache hits over TCP", skycore_cache(path, work, port, up_port),
                                            port, cfile, args.seconds, work, names, mode="tcp"))
                    port = free_port()
                    rows.append(measure("unbound cache hits over TCP", unbound_cache(work, port, up_port), port,
                                        cfile, args.seconds, work, names, mode="tcp"))
                finally:
                    upstream.terminate()
                    upstream.wait(10)
            print_table("TCP, pipelined (dnsperf -m tcp, 4 connections)", rows)
        if "metrics" in cases:
            rows = []
            for label, extra in (("whoami", ""),
                                 ("whoami + metrics", f"    metrics 127.0.0.1:{free_port()}\n"),
                                 ("whoami + metrics + log", f"    metrics 127.0.0.1:{free_port()}\n    log\n")):
                port = free_port()
                tag = label.replace(" ", "").replace("+", "_")
                rows.append(measure(f"skycore {label}", skycore_whoami_with(binary, work, port, extra, tag),
                                    port, qfile, args.seconds, work))
            print_table("cost of counting and logging (same run)", rows)
        if "rewrite" in cases:
            # rewrite and template against whoami in the same run: the cost
            # of each over answering at all.
            rows = []
            for label, extra in (
                    ("whoami", ""),
                    ("rewrite exact + whoami",
                     "    rewrite name whoami.example.org whoami.example.net\n"),
                    ("rewrite suffix auto + whoami",
                     "    rewrite name suffix example.org example.net answer auto\n"),
                    ("rewrite regex groups + whoami",
                     "    rewrite stop {\n        name regex (.*)\\.example\\.org {1}.example.net\n"
                     "        answer name (.*)\\.example\\.net {1}.example.org\n    }\n"),
                    ("template A (no groups), no whoami reached",
                     "    template IN A example.org {\n        answer \"{{ .Name }} 60 IN A 192.0.2.1\"\n    }\n"),
                    ("template A from named groups",
                     "    template IN A example.org {\n        match ^(?P<h>[a-z]+)[.]example[.]org[.]$\n"
                     "        answer \"{{ .Group.h }}.example.org. 60 IN A 192.0.2.1\"\n    }\n")):
                port = free_port()
                tag = "".join(ch for ch in label if ch.isalnum())
                rows.append(measure(f"skycore {label}", skycore_whoami_with(binary, work, port, extra, tag),
                                    port, qfile, args.seconds, work))
            print_table("rewrite and template (same run as whoami)", rows)
        if "registry" in cases:
            exe = registry_load_exe(args.root, work)
            names = 2000  # 5 instances per service name at 10,000
            srv_file = os.path.join(work, "srv.txt")
            with open(srv_file, "w") as f:
                f.writelines(f"svc{i}.production.skydns.local SRV\n" for i in range(names))
            rows, rates = [], []
            for name, path in builds:
                for store in ("file", "memory"):
                    regdir = os.path.join(work, f"registry-{name}-{store}")
                    line = f"store file {regdir}/journal" if store == "file" else "store memory"
                    rate, conf, port = registry_rates(path, exe, regdir, line)
                    rates.append((f"{name} {store}", rate))
                    if store == "file":
                        rows.append(measure(f"{name} SRV over 30,000 services (journal replayed)",
                                            [path, "-conf", conf, "-quiet"], port, srv_file, args.seconds,
                                            regdir))
            print_registry_rates(rates)
            print_table("skydns-registry: SRV answers (15 targets + 15 A each, over UDP)", rows)
        if "registry-sizes" in cases:
            # The rate of 10,000 more registrations into a registry of N.
            exe = registry_load_exe(args.root, work)
            for store in ("file", "memory"):
                for size in (10000, 30000, 100000):
                    regdir = os.path.join(work, f"registry-size-{store}-{size}")
                    line = f"store file {regdir}/journal" if store == "file" else "store memory"
                    rate, _, _ = registry_rates(binary, exe, regdir, line, first=size - 10000 or 1000,
                                                more=10000, names=size // 5)
                    RESULTS["registry_rate"].append((store, size, rate["reg_per_s"]))
            print("\n### skydns-registry: 10,000 registrations into a registry of N (16 clients)\n")
            print("| store | N | registrations/s |")
            print("|---|---:|---:|")
            for store, size, r in RESULTS["registry_rate"]:
                print(f"| {store} | {size:,} | {r:.0f} |")
        if "kubernetes-sizes" in cases:
            rows = []
            sizes = (1000, 2500, 5000, 10000, 20000) + ((50000,) if "kubernetes-50k" in cases else ())
            for services in sizes:
                sync_s, rss, _ = kube_first_sync(args.root, binary, os.path.join(work, "kube-sizes"), services)
                RESULTS["kube_rss"].append((services, 5, rss))
                rows.append((services, sync_s, rss))
            print("\n### kubernetes: RSS after the first sync against cluster size (5 endpoints per Service)\n")
            print("| Services | endpoints | first sync s | skycore CPU to sync s | skycore RSS MB | CoreDNS's formula MB |")
            print("|---:|---:|---:|---:|---:|---:|")
            for services, sync_s, rss in rows:
                print(f"| {services:,} | {5 * services:,} | {sync_s:.1f} | {SYNC_CPU.get(services, float('nan')):.2f} | "
                      f"{rss:.1f} | {coredns_mb(5 * services, services):.0f} |")
        if "registry-100k" in cases:
            # 99,000 services in 19,800 names (5 each) and one name with 1,000
            # instances; RSS, the restart's journal replay, and SRV answers.
            exe = registry_load_exe(args.root, work)
            regdir = os.path.join(work, "registry-100k")
            conf, api, port = registry_conf(regdir, f"store file {regdir}/journal")
            proc = subprocess.Popen(["taskset", "-c", "0", binary, "-conf", conf, "-quiet"], cwd=regdir,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_api(api)
                n1, t1 = load(exe, api, 0, 99000, "put", 19800)
                n2, t2 = load(exe, api, 99000, 1000, "put", 1, "big")
                rss = rss_mb(proc.pid)
            finally:
                proc.terminate()
                proc.wait(10)
            journal_mb = os.path.getsize(os.path.join(regdir, "journal")) / 1e6
            started = time.monotonic()
            proc = subprocess.Popen(["taskset", "-c", "0", binary, "-conf", conf, "-quiet"], cwd=regdir,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_api(api)
                replay = time.monotonic() - started
                rss_replayed = rss_mb(proc.pid)
            finally:
                proc.terminate()
                proc.wait(10)
            rows = []
            for label, qname in (("5 instances", "svc7.production.skydns.local"),
                                 ("1,000 instances (truncated)", "big0.production.skydns.local")):
                qf = os.path.join(work, f"srv-{len(rows)}.txt")
                with open(qf, "w") as f:
                    f.write(f"{qname} SRV\n")
                rows.append(measure(f"skycore SRV, {label}", [binary, "-conf", conf, "-quiet"], port, qf,
                                    args.seconds, regdir))
            print(f"\n### skydns-registry at 100,000 services (file store)\n")
            print(f"- registered at {n1 / t1:.0f}/s; RSS {rss:.1f} MB; journal {journal_mb:.1f} MB")
            print(f"- restart: the API answers {replay:.2f} s after exec (journal replayed); "
                  f"RSS then {rss_replayed:.1f} MB")
            print_table("SRV over UDP: 5 instances against 1,000", rows)
        if "registry-health" in cases:
            rows, idle_cpu = registry_health(binary, work, args.seconds)
            print_table("skydns-registry: health-filtered SRV (10,000 instances, 5 per name) against today's", rows)
            print("\n### skydns-registry: CPU with 10,000 instances, a TCP check each every 10 s (idle DNS)\n")
            print("| registry | skycore CPU, % of one core | sockets in TIME_WAIT towards the checked listener |")
            print("|---|---:|---:|")
            for label, (pct, tw) in idle_cpu.items():
                print(f"| {label.replace('SRV, ', '')} | {pct:.2f} | {tw} |")
        if "registry-etcd" in cases:
            # The same writes through the etcd store, against Debian's etcd
            # started here (on CPU 1 with the clients).
            sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
            from helpers.etcd import Etcd
            exe = registry_load_exe(args.root, work)
            etcd = Etcd(os.path.join(work, "etcd")).start()
            try:
                rate, _, _ = registry_rates(binary, exe, os.path.join(work, "registry-etcd"),
                                            f"store etcd {etcd.endpoint}", first=2000, more=4000, names=400)
            finally:
                etcd.stop()
            print_registry_rates([("etcd", rate)], 2000, 4000)
        if "kubernetes" in cases:
            # 10 000 Services, 50 000 endpoints from the fake API server (on
            # CPU 1, like dnsperf): time to first sync, RSS, A and SRV answers.
            kdir = os.path.join(work, "kubernetes")
            os.makedirs(kdir, exist_ok=True)
            with open(os.path.join(kdir, "a.txt"), "w") as f:
                f.writelines(f"svc{i}.ns{i % 100}.svc.cluster.local A\n" for i in range(0, 10000, 7))
            with open(os.path.join(kdir, "srv.txt"), "w") as f:
                f.writelines(f"_http._tcp.svc{i}.ns{i % 100}.svc.cluster.local SRV\n" for i in range(0, 10000, 7))
            rows, syncs = [], []
            for name, path in builds:
                def answers(proc, port, name=name):
                    # (not `qfile`: the forward and cache cases after this one use it)
                    out = []
                    for label, kfile in (("A", "a.txt"), ("SRV (+ A additional)", "srv.txt")):
                        before = cpu_seconds(proc.pid)
                        res = run_dnsperf(port, os.path.join(kdir, kfile), args.seconds, kdir)
                        res["cpu_us_per_query"] = (cpu_seconds(proc.pid) - before) * 1e6 / max(res["completed"], 1)
                        res["name"] = f"{name} kubernetes {label}"
                        out.append(res)
                    return out
                sync_s, rss, measured = kube_first_sync(args.root, path, kdir, 10000, then=answers)
                if name == "skycore":
                    RESULTS["kube_rss"].append((10000, 5, rss))
                syncs.append(f"{name}: first sync {sync_s:.1f} s (skycore's CPU {SYNC_CPU[10000]:.2f} s), RSS {rss:.1f} MB")
                rows += [dict(r, rss_mb=rss) for r in measured]
            print_table("kubernetes: 10 000 services, 50 000 endpoints", rows)
            print(f"\ntime to first sync (fake API server in Python on CPU 1) and RSS after it: {'; '.join(syncs)} "
                  f"(CoreDNS's guide: (pods + services)/1000 + 54 = 114 MB)")
        if "kubernetes-churn" in cases:
            # 500 EndpointSlice changes a second for --churn-seconds while
            # dnsperf asks A records: how soon each change is answered, and
            # whether the answer path's CPU per query moves. The fake API
            # server and its prober share CPU 1 with dnsperf.
            cdir = os.path.join(work, "kube-churn")
            os.makedirs(cdir, exist_ok=True)
            fixture = os.path.join(cdir, "cluster-10000.json")
            kube_fixture(fixture, 10000, 5)
            with open(os.path.join(cdir, "a.txt"), "w") as f:
                f.writelines(f"svc{i}.ns{i % 100}.svc.cluster.local A\n" for i in range(0, 10000, 7))
            driver = subprocess.Popen(["taskset", "-c", "1", "/usr/bin/python3",
                                       os.path.join(args.root, "scripts", "kube_churn.py"), fixture, "10000", "100"],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            try:
                url = driver.stdout.readline().strip()
                port = free_port()
                conf = os.path.join(cdir, "Corefile")
                with open(conf, "w") as f:
                    f.write(f".:{port} {{\n    bind 127.0.0.1\n    kubernetes cluster.local {{\n"
                            f"        endpoint {url}\n        startup_timeout 300s\n    }}\n}}\n")
                proc = subprocess.Popen(["taskset", "-c", "0", binary, "-conf", conf, "-quiet"], cwd=cdir,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                try:
                    wait_synced(port, "svc9999.ns99.svc.cluster.local", time.monotonic(), 300)
                    rows = []

                    def window(label, during=None):
                        before = thread_cpu_seconds(proc.pid)
                        res = run_dnsperf(port, os.path.join(cdir, "a.txt"), args.churn_seconds, cdir)
                        seen = during() if during else None
                        after = thread_cpu_seconds(proc.pid)
                        delta = {k: after.get(k, 0) - before.get(k, 0) for k in after}
                        control = sum(v for k, v in delta.items() if k.startswith("k8s-"))
                        answer = sum(v for k, v in delta.items() if not k.startswith("k8s-"))
                        res["cpu_us_per_query"] = answer * 1e6 / max(res["completed"], 1)
                        res["name"] = f"skycore kubernetes A, {label}"
                        res["control_cpu_s"] = control
                        res["rss_mb"] = rss_mb(proc.pid)
                        rows.append(res)
                        return seen

                    window("no churn")
                    driver.stdin.write(f"churn 500 {args.churn_seconds} {port}\n")
                    driver.stdin.flush()
                    import json
                    seen = window("500 slice changes/s", lambda: json.loads(driver.stdout.readline()))
                    RESULTS["kube_churn"] = seen
                    print_table("kubernetes: churn (10 000 services; CPU per query counts the answer path only)", rows)
                    for r in rows:
                        print(f"- {r['name']}: control-plane threads (k8s-watch, k8s-build) {r['control_cpu_s']:.2f} s CPU "
                              f"over {args.churn_seconds} s")
                    print(f"- changes made {seen['changes']} ({seen['rate']}/s); visible after p50 {seen['p50_ms']} ms, "
                          f"p99 {seen['p99_ms']} ms, max {seen['max_ms']} ms ({seen['samples']} probed, "
                          f"{seen['unseen']} not seen within 5 s)")
                finally:
                    proc.terminate()
                    proc.wait(10)
            finally:
                try:
                    driver.stdin.write("\n")
                    driver.stdin.flush()
                except OSError:
                    pass
                driver.terminate()
                driver.wait(10)
        if "autopath" in cases:
            # A pod resolving external names through its ndots:5 search list:
            # the client walks it (4 queries per lookup) or autopath does (1).
            import json
            adir = os.path.join(work, "autopath")
            os.makedirs(adir, exist_ok=True)
            fixture = os.path.join(adir, "cluster.json")
            with open(fixture, "w") as f:
                json.dump({"kind": "List", "apiVersion": "v1", "items": [
                    {"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "default"}},
                    {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "client", "namespace": "default"},
                     "spec": {}, "status": {"podIP": "127.0.0.1", "podIPs": [{"ip": "127.0.0.1"}]}}]}, f)
            kport = free_port()
            fake = subprocess.Popen(["taskset", "-c", "1", "/usr/bin/python3",
                                     os.path.join(args.root, "tests", "helpers", "fake_kube.py"),
                                     "--port", str(kport), "--fixture", fixture],
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            fake.stdout.readline()
            upstream = None
            names = [f"name{i}.example.org" for i in range(CACHED_NAMES)]
            walk, completed = os.path.join(adir, "walk.txt"), os.path.join(adir, "completed.txt")
            with open(walk, "w") as f:  # what the client sends without autopath, in its order
                f.writelines(f"{n}.{s} A\n" if s else f"{n} A\n" for n in names for s in SEARCH + [""])
            with open(completed, "w") as f:
                f.writelines(f"{n}.{SEARCH[0]} A\n" for n in names)
            stub_names = [n for n in names for _ in range(20)]  # 1000 lookups
            try:
                upstream, up_port = start_upstream(work, ttl=3600)
                port = free_port()
                rows = [measure("skycore whoami", skycore_whoami(binary, work, port), port, qfile,
                                args.seconds, work)]
                rows[0]["queries_per_lookup"], rows[0]["stub_p50_ms"] = 1, float("nan")
                for label, ap, cache, qf in (("no autopath + cache (the client walks)", False, True, walk),
                                             ("autopath + cache", True, True, completed),
                                             ("autopath, no cache", True, False, completed)):
                    rows.append(autopath_run(binary, adir, kport, up_port, label, ap, cache, qf,
                                             args.seconds, stub_names))
            finally:
                if upstream:
                    upstream.terminate()
                    upstream.wait(10)
                fake.terminate()
                fake.wait(10)
            print_table("autopath: a pod's lookups of external names (knot upstream, fake API server on CPU 1)", rows)
            print("\n| server | queries per lookup (stub resolver) | lookups/s (dnsperf QPS / queries per lookup) "
                  "| CPU us per lookup | stub p50 ms per lookup |")
            print("|---|---:|---:|---:|---:|")
            for r in rows[1:]:
                q = r["queries_per_lookup"]
                print(f"| {r['name']} | {q:.2f} | {r['qps'] / max(q, 1e-9):.0f} | "
                      f"{r['cpu_us_per_query'] * q:.2f} | {r['stub_p50_ms']:.3f} |")
        if "forward" in cases:
            # 20,000 distinct names in turn: with 200 queries in flight no two
            # are the same question, so this measures forwarding itself. One
            # name asked over and over is mostly coalesced by skycore (the
            # same question in flight goes upstream once): its own row.
            distinct = os.path.join(work, "distinct.txt")
            with open(distinct, "w") as f:
                f.writelines(f"q{i}.example.org A\n" for i in range(20000))
            upstream, up_port = start_upstream(work)
            try:
                rows = []
                for name, path in builds:
                    port = free_port()
                    rows.append(measure(f"{name} forward", skycore_forward(path, work, port, up_port),
                                        port, distinct, args.seconds, work))
                if shutil.which("dnsdist"):
                    port = free_port()
                    rows.append(measure("dnsdist forward (no cache)",
                                        dnsdist_forward(work, port, up_port), port, distinct,
                                        args.seconds, work))
                for name, path in builds:
                    port = free_port()
                    rows.append(measure(f"{name} forward, one name (coalesced)", skycore_forward(path, work, port, up_port),
                                        port, qfile, args.seconds, work))
                print_table("forwarding to knot on CPU 1, no cache", rows)
            finally:
                upstream.terminate()
                upstream.wait(10)
        if "cache" in cases:
            names, cfile = cached_names_file(work)
            upstream, up_port = start_upstream(work, ttl=3600)
            try:
                rows = []
                for name, path in builds:
                    port = free_port()
                    rows.append(measure(f"{name} cache hits", skycore_cache(path, work, port, up_port),
                                        port, cfile, args.seconds, work, names))
                if shutil.which("dnsdist"):
                    port = free_port()
                    rows.append(measure("dnsdist packet cache hits", dnsdist_cache(work, port, up_port),
                                        port, cfile, args.seconds, work, names))
                if shutil.which("unbound"):
                    port = free_port()
                    rows.append(measure("unbound cache hits", unbound_cache(work, port, up_port),
                                        port, cfile, args.seconds, work, names))
                print_table(f"cache hits over {CACHED_NAMES} names (knot upstream on CPU 1)", rows)
            finally:
                upstream.terminate()
                upstream.wait(10)
        if args.plot:
            plot(args.plot)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
