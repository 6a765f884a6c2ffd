"""Appeals («Обращения», seed 003): a consumer's question about one account, answered in a thread."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.comms import rules
from kabinet.comms.storage import attachment_path, private_storage
from kabinet.core.models import Organization
from kabinet.registry.models import PersonalAccount


class AppealCategory(models.Model):
    """A kind of appeal an organisation handles (billing question, meter, repair, complaint …), with
    the number of days staff have to answer. Sub-organisations use their parents' categories too."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="appeal_categories")
    name = models.CharField(_("name"), max_length=150)
    deadline_days = models.PositiveSmallIntegerField(_("deadline, days"), default=10)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="unique_appeal_category")]
        verbose_name = _("appeal category")
        verbose_name_plural = _("appeal categories")

    def __str__(self):
        return self.name


class Appeal(models.Model):
    """One appeal: new → in progress → answered → closed; a consumer reply reopens it.

    `organization` is the account's organisation, kept on the row so the staff inbox is one indexed
    query. `staff_replied_at` / `consumer_seen_at` give the consumer's unread mark.
    """

    class Status(models.TextChoices):
        NEW = rules.NEW, _("New")
        IN_PROGRESS = rules.IN_PROGRESS, _("In progress")
        ANSWERED = rules.ANSWERED, _("Answered")
        CLOSED = rules.CLOSED, _("Closed")

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="appeals")
    account = models.ForeignKey(PersonalAccount, on_delete=models.PROTECT, related_name="appeals")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appeals")
    category = models.ForeignKey(AppealCategory, on_delete=models.PROTECT, related_name="appeals")
    subject = models.CharField(_("subject"), max_length=200)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="assigned_appeals",
    )
    due_date = models.DateField(_("answer due"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.TextField(_("rating comment"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    staff_replied_at = models.DateTimeField(null=True, blank=True)
    consumer_seen_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["author", "created_at"]),
        ]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")

    def __str__(self):
        return f"#{self.pk} {self.subject}"

    def is_overdue(self, today=None) -> bool:
        return rules.is_overdue(self.status, self.due_date, today or timezone.localdate())


class AppealMessage(models.Model):
    """One message of the thread. Internal notes are written by staff for staff only."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("text"))
    from_staff = models.BooleanField(_("from staff"), default=False)
    is_internal = models.BooleanField(_("internal note"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("appeal message")
        verbose_name_plural = _("appeal messages")

    def __str__(self):
        return f"{self.appeal_id}: {self.text[:40]}"


class Attachment(models.Model):
    """A file attached to a message: an image or a PDF, stored privately under a random name.

    `content_type` is sniffed from the file's bytes, not taken from the browser.
    """

    message = models.ForeignKey(AppealMessage, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(storage=private_storage, upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField(_("size, bytes"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.original_name
