"""A simple Django admin for meters and readings (the staff panel builds its own workflow screens)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from kabinet.metering.models import Meter, Reading, ReadingExport, ReadingSettings, SealRecord, ServiceLimit


class SealInline(admin.TabularInline):
    model = SealRecord
    extra = 0
    readonly_fields = ["created_at"]


@admin.register(Meter)
class MeterAdmin(SimpleHistoryAdmin):
    list_display = ["serial_number", "service", "resource", "account", "building", "zone_count", "status",
                    "is_registered", "verification_due"]
    list_filter = ["status", "resource", "zone_count", "is_registered", "organization"]
    search_fields = ["serial_number", "account__number", "seal_number"]
    raw_id_fields = ["account", "building", "replaced_by", "service", "organization"]
    inlines = [SealInline]


@admin.register(Reading)
class ReadingAdmin(SimpleHistoryAdmin):
    list_display = ["meter", "zone", "value", "consumption", "taken_on", "period", "source", "status", "created_at"]
    list_filter = ["status", "source", "period", "flag_over_limit", "flag_high", "flag_zero", "flag_hot_above_cold",
                   "flag_rollover"]
    search_fields = ["meter__serial_number", "meter__account__number"]
    raw_id_fields = ["meter", "previous", "submitted_by", "reviewed_by", "export"]
    date_hierarchy = "taken_on"


class ServiceLimitInline(admin.TabularInline):
    model = ServiceLimit
    extra = 0
    raw_id_fields = ["service"]


@admin.register(ReadingSettings)
class ReadingSettingsAdmin(SimpleHistoryAdmin):
    list_display = ["organization", "window_start_day", "window_end_day", "cutoff_day", "limit_mode"]
    inlines = [ServiceLimitInline]


@admin.register(ReadingExport)
class ReadingExportAdmin(admin.ModelAdmin):
    list_display = ["organization", "period", "only_new", "rows", "created_by", "created_at"]
    list_filter = ["organization"]
