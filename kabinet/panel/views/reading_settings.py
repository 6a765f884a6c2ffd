"""Reading settings of an organisation (role `organization` or `channels`): submission window, cutoff
day, what happens above the limit, limits per resident (overall and per service), the high-consumption
factor. Tariff zones are set per meter (its number of zones); their hours are the law's (Приказ ФСТ
№1473-э) and are not configurable."""

import copy

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from kabinet.metering import services
from kabinet.metering.models import ReadingSettings, ServiceLimit
from kabinet.panel.history import history_rows
from kabinet.panel.metering_forms import ReadingSettingsForm
from kabinet.panel.scope import SETTINGS_ROLES, panel_view
from kabinet.panel.views.common import organization_or_choice
from kabinet.registry.models import Service


@panel_view(SETTINGS_ROLES, module="reading_settings")
def reading_settings(request):
    """The current organisation's settings, or the list to choose an organisation from."""
    return organization_or_choice(request, request.panel.orgs(SETTINGS_ROLES), heading=_("Reading settings"),
                                  detail="panel:reading_settings_detail")


@panel_view(SETTINGS_ROLES, module="reading_settings")
def reading_settings_detail(request, pk):
    organization = get_object_or_404(request.panel.orgs(SETTINGS_ROLES, narrow=False), pk=pk)
    instance = ReadingSettings.objects.filter(organization=organization).first() \
        or ReadingSettings(organization=organization)
    service_list = list(Service.objects.filter(organization=organization).order_by("name"))
    limits = {lim.service_id: lim.per_resident for lim in ServiceLimit.objects.filter(service__in=service_list)}
    form = ReadingSettingsForm(request.POST or None, instance=copy.copy(instance), services=service_list,
                               limits=limits)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.update_reading_settings(organization, form.changes(), acting_user=request.user,
                                                       service_limits=form.service_limits())
        except services.MeteringError as exc:
            placed = [i for i in exc.issues if i.field in form.fields]
            for issue in placed:
                form.add_error(issue.field, issue.message)
            if not placed:
                form.add_error(None, exc.message)
        else:
            messages.success(request, _("Changes saved.") if changed else _("Nothing has changed."))
            return redirect("panel:reading_settings_detail", pk=organization.pk)
    history = history_rows(ReadingSettings, instance.history.all(), services.SETTINGS_EDITABLE_FIELDS,
                           {"limit_mode": lambda v: ReadingSettings.LimitMode(v).label if v else "—"}) \
        if instance.pk else []
    return render(request, "panel/reading_settings.html", {
        "organization": organization, "form": form, "history": history,
    }, status=400 if form.errors else 200)
