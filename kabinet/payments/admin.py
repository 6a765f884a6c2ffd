from django.contrib import admin

from kabinet.payments.models import CallbackLog, CommissionRule, PaymentOrder, PaymentOrderLine


@admin.register(CommissionRule)
class CommissionRuleAdmin(admin.ModelAdmin):
    list_display = ("organization", "acquirer", "percent", "minimum", "fixed", "payer_pays")


class LineInline(admin.TabularInline):
    model = PaymentOrderLine
    extra = 0
    readonly_fields = ("account", "supplier", "amount", "commission", "to_transfer", "payment")
    can_delete = False


@admin.register(PaymentOrder)
class PaymentOrderAdmin(admin.ModelAdmin):
    list_display = ("uuid", "user", "acquirer", "status", "amount", "commission", "total", "created_at", "paid_at")
    list_filter = ("status", "acquirer")
    readonly_fields = [f.name for f in PaymentOrder._meta.fields]
    inlines = [LineInline]


@admin.register(CallbackLog)
class CallbackLogAdmin(admin.ModelAdmin):
    list_display = ("received_at", "acquirer", "order", "outcome", "detail")
    list_filter = ("acquirer", "outcome")
    readonly_fields = [f.name for f in CallbackLog._meta.fields]
