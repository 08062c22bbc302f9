"""Loaded by every Python subprocess of the test suite (PYTHONPATH): the loopback-only guard."""

import os
import sys

if os.environ.get("PGC_TEST_NETGUARD_LOG"):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    from tests import netguard

    netguard.install()
    sys.path.pop(0)
