"""The acquirers the payment centre can use: the built-in sandbox (the embedded default) and YooKassa.

`KABINET_ACQUIRER` chooses the default one; `KABINET_ACQUIRERS` (comma-separated) those offered.
"""

from importlib import import_module

from kabinet.payments import conf
from kabinet.payments.acquirers.base import Acquirer, AcquirerError

REGISTRY = {
    "sandbox": "kabinet.payments.acquirers.sandbox.SandboxAcquirer",
    "yookassa": "kabinet.payments.acquirers.yookassa.YooKassaAcquirer",
}


def default_acquirer_code() -> str:
    return conf.acquirer()


def available_codes() -> list[str]:
    codes = [c.strip() for c in conf.acquirers().split(",") if c.strip()]
    return [c for c in codes if c in REGISTRY]


def get_acquirer(code: str) -> Acquirer:
    if code not in REGISTRY:
        raise AcquirerError(f"Unknown acquirer {code!r}.")
    module, _, name = REGISTRY[code].rpartition(".")
    return getattr(import_module(module), name)()
