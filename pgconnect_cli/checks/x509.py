"""Just enough X.509 to describe a server certificate: names, issuer, validity.

Python's `ssl` only decodes a peer certificate after verifying it; the doctor also reports on
certificates it did not (or could not) verify, so it reads the DER itself. Pure: bytes in, data out.
Host name matching follows libpq (fe-secure-common.c): subjectAltName entries of the host's kind
(DNS name or IP address) when there are any, else the common name; a `*` only as the whole left-most label.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timezone

_OID_CN = "2.5.4.3"
_OID_O = "2.5.4.10"
_OID_SAN = "2.5.29.17"


@dataclass(frozen=True)
class Certificate:
    subject_cn: str | None
    issuer_cn: str | None
    issuer_org: str | None
    dns_names: tuple[str, ...]
    ip_addresses: tuple[str, ...]
    not_before: datetime | None
    not_after: datetime | None
    self_issued: bool

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the certificate is issued for: subjectAltName entries, else the common name."""
        if self.dns_names or self.ip_addresses:
            return self.dns_names + self.ip_addresses
        return (self.subject_cn,) if self.subject_cn else ()

    @property
    def issuer(self) -> str:
        parts = [p for p in (self.issuer_cn, self.issuer_org) if p]
        return ", ".join(dict.fromkeys(parts)) or "(no name)"


class DerError(ValueError):
    pass


def _tlv(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of value, end of value) of the element at `pos`."""
    if pos + 2 > len(data):
        raise DerError("truncated element")
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or pos + count > len(data):
            raise DerError("bad length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    end = pos + length
    if end > len(data):
        raise DerError("truncated value")
    return tag, pos, end


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    out = []
    pos = start
    while pos < end:
        tag, vstart, vend = _tlv(data, pos)
        out.append((tag, vstart, vend))
        pos = vend
    return out


def _oid(raw: bytes) -> str:
    if not raw:
        return ""
    parts = [raw[0] // 40, raw[0] % 40]
    value = 0
    for byte in raw[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    return ".".join(str(p) for p in parts)


def _string(tag: int, raw: bytes) -> str:
    if tag == 0x1E:  # BMPString
        return raw.decode("utf-16-be", "replace")
    return raw.decode("utf-8", "replace")


def _name(data: bytes, start: int, end: int) -> dict[str, str]:
    """The first value of each attribute type in a Name."""
    out: dict[str, str] = {}
    for _, rdn_start, rdn_end in _children(data, start, end):
        for _, atv_start, atv_end in _children(data, rdn_start, rdn_end):
            parts = _children(data, atv_start, atv_end)
            if len(parts) < 2:
                continue
            (_, ostart, oend), (vtag, vstart, vend) = parts[0], parts[1]
            out.setdefault(_oid(data[ostart:oend]), _string(vtag, data[vstart:vend]))
    return out


def _time(tag: int, raw: bytes) -> datetime | None:
    text = raw.decode("ascii", "replace").rstrip("Z")
    try:
        if tag == 0x17:  # UTCTime: YYMMDDHHMM[SS]
            year = int(text[:2])
            text = f"{1900 + year if year >= 50 else 2000 + year}{text[2:]}"
        fmt, text = ("%Y%m%d%H%M%S", text[:14]) if len(text) >= 14 else ("%Y%m%d%H%M", text[:12])
        return datetime.strptime(text, fmt).replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def _san(data: bytes, start: int, end: int) -> tuple[list[str], list[str]]:
    dns_names: list[str] = []
    ips: list[str] = []
    _, seq_start, seq_end = _tlv(data, start)
    for tag, vstart, vend in _children(data, seq_start, seq_end):
        raw = data[vstart:vend]
        if tag == 0x82:  # [2] dNSName
            dns_names.append(raw.decode("ascii", "replace"))
        elif tag == 0x87 and len(raw) in (4, 16):  # [7] iPAddress
            ips.append(str(ipaddress.ip_address(raw)))
    return dns_names, ips


def parse_certificate(der: bytes) -> Certificate:
    """Decode the parts of a DER certificate the doctor reports. Raises DerError when malformed."""
    _, cert_start, _ = _tlv(der, 0)
    _, tbs_start, tbs_end = _tlv(der, cert_start)
    fields = _children(der, tbs_start, tbs_end)
    if fields and fields[0][0] == 0xA0:  # [0] version
        fields = fields[1:]
    if len(fields) < 6:
        raise DerError("not a certificate")
    issuer = _name(der, fields[2][1], fields[2][2])
    validity = _children(der, fields[3][1], fields[3][2])
    subject = _name(der, fields[4][1], fields[4][2])
    dns_names: list[str] = []
    ips: list[str] = []
    for tag, start, _ in fields[6:]:
        if tag != 0xA3:  # [3] extensions
            continue
        _, exts_start, exts_end = _tlv(der, start)
        for _, ext_start, ext_end in _children(der, exts_start, exts_end):
            parts = _children(der, ext_start, ext_end)
            if not parts or _oid(der[parts[0][1] : parts[0][2]]) != _OID_SAN:
                continue
            value = parts[-1]
            dns_names, ips = _san(der, value[1], value[2])
    not_before = _time(validity[0][0], der[validity[0][1] : validity[0][2]]) if len(validity) > 0 else None
    not_after = _time(validity[1][0], der[validity[1][1] : validity[1][2]]) if len(validity) > 1 else None
    return Certificate(
        subject_cn=subject.get(_OID_CN),
        issuer_cn=issuer.get(_OID_CN),
        issuer_org=issuer.get(_OID_O),
        dns_names=tuple(dns_names),
        ip_addresses=tuple(ips),
        not_before=not_before,
        not_after=not_after,
        self_issued=issuer == subject,
    )


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        return None


def _wildcard_match(pattern: str, host: str) -> bool:
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if pattern == host:
        return True
    if pattern.startswith("*.") and "." in host:
        return host.split(".", 1)[1] == pattern[2:] and host.split(".", 1)[0] != ""
    return False


def matches_host(cert: Certificate, host: str) -> bool:
    """libpq's verify-full host check: SAN entries of the host's kind when present, else the CN."""
    address = _ip(host)
    if address is not None and cert.ip_addresses:
        return any(_ip(ip) == address for ip in cert.ip_addresses)
    if address is None and cert.dns_names:
        return any(_wildcard_match(name, host) for name in cert.dns_names)
    if cert.subject_cn is None:
        return False
    if address is not None:
        return _ip(cert.subject_cn) == address
    return _wildcard_match(cert.subject_cn, host)
