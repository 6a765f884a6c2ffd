from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kabinet.api"
    label = "api"

    def ready(self):
        from kabinet.api import schema  # noqa: F401  (registers the OpenAPI extensions)
