from django.apps import AppConfig


class PanelConfig(AppConfig):
    name = "kabinet.panel"
    label = "panel"
