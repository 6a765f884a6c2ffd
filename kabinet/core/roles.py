"""Staff roles: the modules of the staff panel (seed 003). A role on an organisation covers its
sub-organisations."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ORGANIZATION = "organization", _("Organisation properties")
    USERS = "users", _("Users")
    DATA_LOADING = "data_loading", _("Data loading")
    MANUAL_EDITING = "manual_editing", _("Manual editing")
    CHANNELS = "channels", _("Consumption channels")
    READINGS = "readings", _("New readings")
    APPEALS = "appeals", _("Appeals")
    ANNOUNCEMENTS = "announcements", _("Announcements")
    STAFF = "staff", _("Staff")


ALL_ROLES = [role.value for role in Role]

# Who may read money reports (the turnover sheet) and run billing: one rule for the panel and the API.
TURNOVER_ROLES = (Role.DATA_LOADING, Role.ORGANIZATION)
BILLING_ROLE = Role.DATA_LOADING
