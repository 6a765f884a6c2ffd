"""Users, their links to personal accounts (owner or delegate with rights), confirmation codes
and API tokens."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kabinet.registry.models import PersonalAccount


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email=None, password=None, **extra):
        if email:
            email = self.normalize_email(email).lower()
        user = self.model(email=email or None, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person: a consumer, a staff member, or the operator. Identified by email and/or phone (E.164);
    consumers may also log in by the number of an account they own."""

    email = models.EmailField(_("email"), unique=True, null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=16, unique=True, null=True, blank=True)
    full_name = models.CharField(_("name"), max_length=255, blank=True)
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Unset to block the user."))
    is_staff = models.BooleanField(_("Django admin access"), default=False)
    email_confirmed = models.BooleanField(_("email confirmed"), default=False)
    phone_confirmed = models.BooleanField(_("phone confirmed"), default=False)
    date_joined = models.DateTimeField(_("registered"), default=timezone.now)
    # Who blocked, renamed or reset whom. Logins do not add rows (see apps.py).
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.full_name or self.email or self.phone or f"#{self.pk}"

    @property
    def display_contact(self) -> str:
        return self.email or self.phone or ""

    def clean(self):
        super().clean()
        if self.email:
            self.email = self.email.strip().lower()
        if not self.email:
            self.email = None
        if not self.phone:
            self.phone = None


class AccountLinkQuerySet(models.QuerySet):
    def with_right(self, right: str):
        """Links that grant `right` (owners have every right)."""
        if right == "view":
            return self
        return self.filter(models.Q(role=AccountLink.Role.OWNER) | models.Q(**{f"can_{right}": True}))


class AccountLink(models.Model):
    """A user's access to a personal account: the owner (who proved possession with the receipt
    code) or a delegate with the rights the owner granted."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        DELEGATE = "delegate", _("Delegate")

    RIGHTS = ("view", "readings", "payments", "appeals")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_links")
    account = models.ForeignKey(PersonalAccount, on_delete=models.CASCADE, related_name="links")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.OWNER)
    can_readings = models.BooleanField(_("submit readings"), default=False)
    can_payments = models.BooleanField(_("pay"), default=False)
    can_appeals = models.BooleanField(_("write appeals"), default=False)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = AccountLinkQuerySet.as_manager()

    class Meta:
        ordering = ["account__number"]
        constraints = [models.UniqueConstraint(fields=["user", "account"], name="unique_account_link")]
        verbose_name = _("account link")
        verbose_name_plural = _("account links")

    def __str__(self):
        return f"{self.user} → {self.account} ({self.role})"

    @property
    def is_owner(self) -> bool:
        return self.role == self.Role.OWNER

    @property
    def rights(self) -> list[str]:
        if self.is_owner:
            return list(self.RIGHTS)
        return ["view"] + [r for r in self.RIGHTS[1:] if getattr(self, f"can_{r}")]

    def has_right(self, right: str) -> bool:
        return right in self.rights


class ConfirmationCode(models.Model):
    """A one-time numeric code sent by SMS or email. Only its hash is stored."""

    class Purpose(models.TextChoices):
        REGISTRATION = "registration", _("Registration")
        PASSWORD_RESET = "password_reset", _("Password reset")
        PHONE_CHANGE = "phone_change", _("Phone change")
        EMAIL_CONFIRM = "email_confirm", _("Email confirmation")

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("Email")

    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = models.CharField(max_length=254, db_index=True)
    code_hash = models.CharField(max_length=128)
    payload = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.purpose} → {self.recipient}"


class ApiToken(models.Model):
    """A revocable bearer token for the API (one per device or integration). Only its hash is kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8, help_text=_("First characters, to tell tokens apart."))
    name = models.CharField(_("name"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.prefix}… ({self.user})"
