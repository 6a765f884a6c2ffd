"""Announcements and news («Объявления», seed 003) with an audience, schedule, read receipts and
versioned edits."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.core.models import Organization
from kabinet.registry.models import Building, PersonalAccount


class AnnouncementQuerySet(models.QuerySet):
    def live(self, now=None):
        """Published, due (publish_at passed) and not expired."""
        now = now or timezone.now()
        return self.filter(status=Announcement.Status.PUBLISHED, publish_at__lte=now).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class Announcement(models.Model):
    """A message from an organisation to an audience of its accounts.

    Audience: the organisation's own accounts, or with its sub-organisations; or selected buildings,
    streets or accounts (always within the organisation and its sub-organisations). Emergency ones
    are pinned and also go out by SMS. Once published, edits are kept as AnnouncementVersion rows.
    """

    class Kind(models.TextChoices):
        ORDINARY = "ordinary", _("Ordinary")
        EMERGENCY = "emergency", _("Emergency")

    class Audience(models.TextChoices):
        ORGANIZATION = "organization", _("The organisation's accounts")
        ORGANIZATION_TREE = "organization_tree", _("The organisation and its sub-organisations")
        BUILDINGS = "buildings", _("Selected buildings")
        STREETS = "streets", _("Selected streets")
        ACCOUNTS = "accounts", _("Selected accounts")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="announcements")
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.ORDINARY)
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices,
                                default=Audience.ORGANIZATION)
    buildings = models.ManyToManyField(Building, blank=True, related_name="+", verbose_name=_("buildings"))
    accounts = models.ManyToManyField(PersonalAccount, blank=True, related_name="+", verbose_name=_("accounts"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    publish_at = models.DateTimeField(_("publish at"), null=True, blank=True, db_index=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    pinned = models.BooleanField(_("pinned"), default=False)
    is_public = models.BooleanField(_("on the public page"), default=False)
    version = models.PositiveIntegerField(default=1)
    dispatched_at = models.DateTimeField(null=True, blank=True, help_text=_("When notifications were queued."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AnnouncementQuerySet.as_manager()

    class Meta:
        ordering = ["-pinned", "-publish_at", "-pk"]
        indexes = [models.Index(fields=["organization", "status", "publish_at"])]
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")

    def __str__(self):
        return self.title

    @property
    def is_emergency(self) -> bool:
        return self.kind == self.Kind.EMERGENCY


class AnnouncementStreet(models.Model):
    """A street of an announcement's audience (a building's settlement and street)."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="streets")
    settlement = models.CharField(_("settlement"), max_length=150)
    street = models.CharField(_("street"), max_length=150)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["announcement", "settlement", "street"],
                                               name="unique_announcement_street")]

    def __str__(self):
        return f"{self.settlement}, {self.street}"


class AnnouncementVersion(models.Model):
    """The content of a published announcement before an edit: nothing is changed silently."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    text = models.TextField()
    kind = models.CharField(max_length=20)
    pinned = models.BooleanField(default=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    edited_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["announcement", "version"]
        constraints = [models.UniqueConstraint(fields=["announcement", "version"],
                                               name="unique_announcement_version")]
        verbose_name = _("announcement version")
        verbose_name_plural = _("announcement versions")

    def __str__(self):
        return f"{self.announcement_id} v{self.version}"


class AnnouncementRead(models.Model):
    """A read receipt: the user opened the announcement."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "announcement"], name="unique_announcement_read")]

    def __str__(self):
        return f"{self.user_id} read {self.announcement_id}"
