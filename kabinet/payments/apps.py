from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "kabinet.payments"
    label = "payments"

    def ready(self):
        from kabinet.payments import checks  # noqa: F401  (registers the deploy check)
