"""Admin registrations for communication (the staff panel builds its own workflow pages)."""

from django.contrib import admin

from kabinet.comms.models import (
    Announcement,
    AnnouncementVersion,
    Appeal,
    AppealCategory,
    AppealMessage,
    InboundSms,
    Notification,
    ReminderLog,
    ReminderSettings,
)


@admin.register(AppealCategory)
class AppealCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "deadline_days", "is_active")
    list_filter = ("is_active",)


class AppealMessageInline(admin.TabularInline):
    model = AppealMessage
    extra = 0
    fields = ("author", "from_staff", "is_internal", "text", "created_at")
    readonly_fields = fields


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    list_display = ("pk", "subject", "account", "status", "assignee", "due_date", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("account", "author", "assignee", "category", "organization")
    inlines = [AppealMessageInline]


class AnnouncementVersionInline(admin.TabularInline):
    model = AnnouncementVersion
    extra = 0
    readonly_fields = ("version", "title", "text", "kind", "pinned", "expires_at", "edited_by", "edited_at")


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    list_display = ("title", "organization", "kind", "audience", "status", "publish_at", "version")
    list_filter = ("kind", "status", "audience")
    raw_id_fields = ("organization", "buildings", "accounts", "created_by")
    inlines = [AnnouncementVersionInline]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "channel", "recipient", "template_key", "status", "attempts", "next_attempt_at")
    list_filter = ("channel", "status", "template_key")
    search_fields = ("recipient",)
    readonly_fields = [f.name for f in Notification._meta.fields]


@admin.register(InboundSms)
class InboundSmsAdmin(admin.ModelAdmin):
    list_display = ("received_at", "phone", "command", "outcome")
    list_filter = ("outcome", "command")
    search_fields = ("phone",)
    readonly_fields = [f.name for f in InboundSms._meta.fields]


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(admin.ModelAdmin):
    list_display = ("organization", "readings_enabled", "readings_day", "payment_enabled", "payment_days_before",
                    "debt_enabled", "debt_threshold")
    raw_id_fields = ("organization",)


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ("sent_at", "kind", "user", "organization", "period")
    list_filter = ("kind",)
    readonly_fields = [f.name for f in ReminderLog._meta.fields]
