"""Tenancy: organisations (a tree of sub-organisations) and staff memberships with roles."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kabinet.core.roles import ALL_ROLES, Role


class OrganizationQuerySet(models.QuerySet):
    def subtree_of(self, organizations):
        """The given organisations and all their descendants."""
        paths = [org.path for org in organizations]
        if not paths:
            return self.none()
        query = models.Q()
        for path in paths:
            query |= models.Q(path__startswith=path)
        return self.filter(query)


class Organization(models.Model):
    """A tenant: a management company, supplier, settlement centre, or the hosting operator.

    `path` is a materialised path ("12/40/") so that a subtree is one indexed prefix query on every
    database Kabinet supports.
    """

    class Kind(models.TextChoices):
        MANAGEMENT = "management", _("Management company")
        SUPPLIER = "supplier", _("Resource supplier")
        SETTLEMENT = "settlement", _("Settlement centre")
        OPERATOR = "operator", _("Service operator")

    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.MANAGEMENT)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent organisation"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    is_active = models.BooleanField(_("active"), default=True)

    inn = models.CharField(_("INN"), max_length=12, blank=True)
    kpp = models.CharField(_("KPP"), max_length=9, blank=True)
    ogrn = models.CharField(_("OGRN"), max_length=15, blank=True)
    bank_name = models.CharField(_("bank"), max_length=255, blank=True)
    bank_bic = models.CharField(_("BIC"), max_length=9, blank=True)
    bank_account = models.CharField(_("settlement account"), max_length=20, blank=True)
    bank_corr_account = models.CharField(_("correspondent account"), max_length=20, blank=True)

    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    office_hours = models.TextField(_("office hours"), blank=True)
    public_info = models.TextField(_("public information"), blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.short_name or self.name

    def save(self, *args, **kwargs):
        if self.parent_id and self.parent_id == self.pk:
            raise ValueError("An organisation cannot be its own parent.")
        super().save(*args, **kwargs)
        expected = f"{self.parent.path if self.parent_id else ''}{self.pk}/"
        if self.path != expected:
            old = self.path
            self.path = expected
            Organization.objects.filter(pk=self.pk).update(path=expected)
            if old:
                # Moving a subtree: rewrite the descendants' paths.
                for child in Organization.objects.filter(path__startswith=old).exclude(pk=self.pk):
                    Organization.objects.filter(pk=child.pk).update(path=expected + child.path[len(old):])

    @property
    def display_name(self):
        return str(self)

    def is_within(self, other: "Organization") -> bool:
        return self.path.startswith(other.path)


class Membership(models.Model):
    """A staff member of an organisation with the panel modules (roles) they may use."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    roles = models.JSONField(_("roles"), default=list, blank=True)
    position = models.CharField(_("position"), max_length=255, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="unique_membership")]
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")

    def __str__(self):
        return f"{self.user} @ {self.organization}"

    def save(self, *args, **kwargs):
        self.clean_roles()
        super().save(*args, **kwargs)

    def has_role(self, role: str) -> bool:
        return self.is_active and role in self.roles

    def clean_roles(self):
        self.roles = [r for r in ALL_ROLES if r in set(self.roles)]

    @property
    def role_labels(self):
        return [Role(r).label for r in self.roles]
