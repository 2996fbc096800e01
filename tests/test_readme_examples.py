"""Every command README.md, scripts/run's greeting and Corefile.example's
comments show must work as printed: they are extracted from those files
(so a change there is tested without new code), their fixed ports swapped
for free ones, and run with bash against skycore on Corefile.example. On
bdc9ee5 the README's registration was answered 400 (no Version)."""

import re
import subprocess

import pytest

from helpers.skycore import SOURCE, free_port, poll
from helpers.skydns import Api

FIXED = ("1053", "8053", "9153", "8080", "8181")


def commands(text):
    """kdig and curl commands, with backslash continuations joined, comments dropped."""
    text = re.sub(r"\\\n[#\s]*", " ", text)
    out = []
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line.startswith(("kdig ", "curl ")):
            out.append(re.sub(r"\s+#.*$", "", line) if "'" not in line.split("#")[-1] else line)
    return out


def sources():
    readme = (SOURCE / "README.md").read_text()
    greeting = (SOURCE / "scripts" / "run").read_text().split("<<MSG", 1)[1].split("\nMSG", 1)[0]
    example = (SOURCE / "Corefile.example").read_text()
    return {"README.md": commands(readme), "scripts/run": commands(greeting), "Corefile.example": commands(example)}


def test_the_files_show_commands():
    for name, cmds in sources().items():
        assert any(c.startswith("curl ") for c in cmds) and any(c.startswith("kdig ") for c in cmds), name


@pytest.mark.parametrize("source", ["README.md", "scripts/run", "Corefile.example"])
def test_printed_commands_work(start_server, source):
    ports = {p: free_port() for p in FIXED}
    text = (SOURCE / "Corefile.example").read_text()
    for fixed, port in ports.items():
        text = text.replace(f":{fixed}", f":{port}")
    srv = start_server(text, port=ports["1053"])
    Api(ports["8053"]).wait_ready()
    for cmd in sources()[source]:
        for fixed, port in ports.items():
            cmd = cmd.replace(f"-p {fixed}", f"-p {port}").replace(f":{fixed}/", f":{port}/")
        if cmd.startswith("kdig "):
            cmd = cmd.replace("kdig ", "kdig +retry=0 +timeout=3 ", 1)
        p = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=20)
        assert p.returncode == 0, f"{cmd}\n{p.stdout}{p.stderr}"
        if cmd.startswith("curl "):
            assert '"error"' not in p.stdout, f"{cmd}\n{p.stdout}"
        elif "debian.org" in cmd:
            assert "status:" in p.stdout  # forwarded: answered, whatever the network allows
        else:
            assert "status: NOERROR" in p.stdout, f"{cmd}\n{p.stdout}"
            if " SRV" in cmd:
                assert "5432" in p.stdout, f"{cmd}\n{p.stdout}"
    assert srv.running()
