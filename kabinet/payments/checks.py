"""Deployment checks of the payment centre: the sandbox must not take payments in production."""

from django.core import checks

from kabinet.payments.acquirers import available_codes, default_acquirer_code


@checks.register(checks.Tags.security, deploy=True)
def sandbox_in_production(app_configs=None, **kwargs):
    if "sandbox" in {default_acquirer_code(), *available_codes()}:
        return [checks.Warning(
            "The sandbox acquirer is enabled: anyone can 'pay' with its test cards and be credited.",
            hint="Set KABINET_ACQUIRER (and KABINET_ACQUIRERS) to a real acquirer, e.g. yookassa, in production.",
            id="payments.W001")]
    return []
