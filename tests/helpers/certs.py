"""A throw-away PKI made with the openssl CLI: a CA, a server certificate
for one DNS name or IP address, and a client certificate, all signed by that CA."""

import ipaddress
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _openssl(*args, cwd):
    p = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=30,
                       stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        raise AssertionError(f"openssl {' '.join(args)}: {p.stderr}")


def _signed(d, stem, subject, extensions, ca_pem, ca_key):
    key, csr, pem, ext = (d / f"{stem}.key", d / f"{stem}.csr", d / f"{stem}.pem", d / f"{stem}.ext")
    _openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", str(key), "-out", str(csr), "-subj", subject, cwd=d)
    ext.write_text(extensions)
    _openssl("x509", "-req", "-in", str(csr), "-CA", str(ca_pem), "-CAkey", str(ca_key),
             "-set_serial", str(secrets.randbits(63)), "-days", "2", "-sha256",
             "-extfile", str(ext), "-out", str(pem), cwd=d)
    return pem, key


def make_pki(directory, server_name):
    """server_name: a DNS name, or an IP address (then the certificate holds an
    IP subjectAltName, which is what clients check for an address)."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    ca_pem, ca_key = d / "ca.pem", d / "ca.key"
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", str(ca_key), "-out", str(ca_pem), "-days", "2", "-sha256",
             "-subj", "/CN=skycore test CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    try:
        san = f"IP:{ipaddress.ip_address(server_name)}"
    except ValueError:
        san = f"DNS:{server_name}"
    server_cert, server_key = _signed(
        d, "server", f"/CN={server_name}",
        f"subjectAltName={san}\nextendedKeyUsage=serverAuth\n"
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n", ca_pem, ca_key)
    client_cert, client_key = _signed(
        d, "client", "/CN=skycore test client",
        "extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n", ca_pem, ca_key)
    return Pki(ca_pem, server_cert, server_key, client_cert, client_key)
