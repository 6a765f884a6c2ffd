from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "kabinet.registry"
    label = "registry"
