from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "kabinet.billing"
    label = "billing"
