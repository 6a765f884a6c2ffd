from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "kabinet.payments"
    label = "payments"
