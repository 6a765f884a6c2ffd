from django.apps import AppConfig


class CommsConfig(AppConfig):
    name = "kabinet.comms"
    label = "comms"
