from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeteringConfig(AppConfig):
    name = "kabinet.metering"
    label = "metering"
    verbose_name = _("Meters and readings")
