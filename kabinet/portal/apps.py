from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "kabinet.portal"
    label = "portal"
