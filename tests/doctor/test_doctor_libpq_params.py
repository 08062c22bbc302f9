"""The doctor connects with the settings `pgc exec` and `pgc url convert` give libpq (pure)."""

from __future__ import annotations

import pytest

from pgconnect_cli.conninfo import parse
from pgconnect_cli.conninfo.convert import clean_for_libpq, libpq_keywords
from pgconnect_cli.exec import libpq_settings

TLS_KEYS = ("sslmode", "sslrootcert", "sslcert", "sslkey")
URLS = [
    "postgresql://u:p@db.example.com/app?sslaccept=strict&sslcert=/certs/ca.pem",
    "postgresql://u:p@db.example.com/app?sslmode=require&sslaccept=strict&sslcert=/certs/ca.pem",
    "postgresql://u:p@db.example.com/app?sslmode=require&sslcert=/certs/ca.pem&sslaccept=accept_invalid_certs",
    "postgresql://u:p@db.example.com/app?sslidentity=/certs/id.p12&sslpassword=x&sslcert=/certs/ca.pem",
    "postgresql://u:p@db.example.com/app?sslmode=verify-full&sslrootcert=/certs/ca.pem&sslcert=/c.crt&sslkey=/c.key",
    "postgresql://u:p@db.example.com/app?ssl=true",
]


def _tls(values: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in values.items() if k in TLS_KEYS}


@pytest.mark.parametrize("url", URLS)
def test_doctor_exec_and_convert_give_libpq_the_same_tls_settings(url: str) -> None:
    ci = parse(url)
    probed = _tls(libpq_keywords(ci))
    assert probed == _tls(dict(libpq_settings(ci).values))
    assert probed == _tls(clean_for_libpq(ci)[0].libpq_dict())


def test_prisma_sslcert_reaches_libpq_as_the_ca_and_sslaccept_strict_as_verify_full() -> None:
    ci = parse("postgresql://u:p@db.example.com/app?sslaccept=strict&sslcert=/certs/ca.pem")
    assert _tls(libpq_keywords(ci)) == {"sslmode": "verify-full", "sslrootcert": "/certs/ca.pem"}
