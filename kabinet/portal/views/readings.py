"""Meter readings (issue 3): the meters grouped by address with the entry form, the confirmation step,
and the history of one meter.

Reads go through `kabinet.metering.selectors`, the check through `services.preview_readings` and the
write through `services.submit_readings` (source "portal"). Between the two steps the entered values
travel in one signed hidden field (bound to the user, valid for two hours); on confirm they are
checked again by the service under row locks, so the preview is never trusted.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kabinet.metering import selectors, services
from kabinet.metering.models import Reading
from kabinet.portal.forms import ReadingHistoryFilterForm, ReadingsForm, mode_field_name, value_field_name

PAYLOAD_SALT = "kabinet.portal.readings.confirm"
PAYLOAD_MAX_AGE = 2 * 60 * 60  # seconds: a confirmation page left open longer must be filled again
VERIFICATION_SOON_DAYS = 30  # warn this many days before the verification is due


# --- The entry page -------------------------------------------------------------------------------------


def _meter_groups(user, meter_id=None):
    """The consumer's address groups (all, or only the one meter of a meter page; None → 404)."""
    groups = selectors.consumer_meter_groups(user)
    if meter_id is None:
        return groups
    for group in groups:
        group.meters = [card for card in group.meters if card.meter.pk == meter_id]
    groups = [group for group in groups if group.meters]
    if not groups:
        raise Http404
    return groups


def _cards(groups):
    return [card for group in groups for card in group.meters]


def _entry_meters(user, cards, *, bound: bool):
    """Meters that get inputs: those the user may submit for (the "readings" right). While the window
    is closed they are shown without inputs, except on a submitted form, so typed values stay."""
    submit_ids = set(selectors.submittable_meters(user).values_list("pk", flat=True))
    return [card.meter for card in cards
            if card.meter.pk in submit_ids and (card.window_opens_on is None or bound)]


def _decorate(cards, form, meter_errors, today):
    """Attach the form's fields, card-level errors and the verification state to each meter card."""
    for card in cards:
        meter = card.meter
        card.editable = mode_field_name(meter.pk) in form.fields
        card.mode_field = form[mode_field_name(meter.pk)] if card.editable else None
        card.mode = (card.mode_field.value() or "reading") if card.editable else "reading"
        card.errors = meter_errors.get(meter.pk, [])
        for zone in card.zones:
            name = value_field_name(meter.pk, zone.zone)
            zone.field = form[name] if card.editable else None
        due = meter.verification_due
        if due is None:
            card.verification_state = ""
        elif due < today:
            card.verification_state = "expired"
        elif due <= today + dt.timedelta(days=VERIFICATION_SOON_DAYS):
            card.verification_state = "soon"
        else:
            card.verification_state = "ok"


def _attach_errors(form, preview) -> dict[int, list[str]]:
    """Put the preview's errors next to their fields; returns errors about whole meters by meter id."""
    meter_errors: dict[int, list[str]] = {}
    for issue in preview.errors:
        if issue.meter_id is not None and issue.field == "mode" and mode_field_name(issue.meter_id) in form.fields:
            form.add_error(mode_field_name(issue.meter_id), issue.message)
        elif issue.meter_id is not None and issue.zone and value_field_name(issue.meter_id, issue.zone) in form.fields:
            form.add_error(value_field_name(issue.meter_id, issue.zone), issue.message)
        elif issue.meter_id is not None:
            meter_errors.setdefault(issue.meter_id, []).append(issue.message)
        else:
            form.add_error(None, issue.message)
    return meter_errors


def _js_messages():
    """The texts the live calculation (readings.js) shows, translated here."""
    return {
        "reading": _("Reading"),
        "consumption": _("Consumption"),
        "below": _("Less than the previous reading. If the meter has passed through zero, you will confirm it "
                   "on the next step."),
        "invalid": _("Use digits only, with a comma or a point before the decimals, e.g. 12345,6."),
        "noPrevious": _("There is no accepted reading yet: enter the reading on the display."),
    }


def _render_entry(request, groups, form, *, meter_errors=None, meter_id=None):
    cards = _cards(groups)
    today = timezone.localdate()
    _decorate(cards, form, meter_errors or {}, today)
    single = cards[0] if meter_id is not None else None
    context = {
        "groups": groups,
        "form": form,
        "single": single,
        "has_inputs": any(card.editable for card in cards),
        "period": cards[0].period if cards else None,
        "action": request.path,
        "js_messages": _js_messages(),
    }
    return render(request, "portal/readings.html", context)


@login_required
def readings_view(request, meter_id=None):
    """GET: the meters with the entry form. POST: check the values; errors → the form again with the
    messages next to the fields; else → the confirmation page (nothing is stored yet)."""
    groups = _meter_groups(request.user, meter_id)
    cards = _cards(groups)
    if request.method != "POST":
        form = ReadingsForm(meters=_entry_meters(request.user, cards, bound=False))
        return _render_entry(request, groups, form, meter_id=meter_id)

    meters = _entry_meters(request.user, cards, bound=True)
    if not meters:
        raise PermissionDenied  # no "readings" right on any of these meters: nothing is stored
    if "payload" in request.POST:  # "Change the readings" on the confirmation page
        payload = _load_payload(request)
        if payload is None:
            return _payload_refused(request)
        form = ReadingsForm(ReadingsForm.data_from_entries(payload["entries"]), meters=meters)
        return _render_entry(request, groups, form, meter_id=meter_id)

    form = ReadingsForm(request.POST, meters=meters)
    meter_errors = {}
    if form.is_valid():
        entries = form.entries()
        preview = services.preview_readings(selectors.submittable_meters(request.user), entries)
        if not preview.errors:
            return _render_confirm(request, preview, entries, meter_id=meter_id)
        meter_errors = _attach_errors(form, preview)
    return _render_entry(request, groups, form, meter_errors=meter_errors, meter_id=meter_id)


def _payload_refused(request):
    """A confirmation page changed by hand or left open too long: nothing is stored, start again."""
    messages.error(request, _("The confirmation page was changed or is too old, so nothing was sent. "
                              "Enter the readings again."))
    return redirect("portal:readings")


# --- The confirmation step ------------------------------------------------------------------------------


def sign_readings(user, entries, meter_id) -> str:
    """The hidden field of the confirmation page: the entries as typed, bound to the user, signed."""
    return signing.dumps({"user": user.pk, "entries": entries, "meter": meter_id}, salt=PAYLOAD_SALT, compress=True)


def _load_payload(request) -> dict | None:
    """The signed values of the confirmation page, or None if changed or expired. Another user's
    payload is a 404, exactly like a missing meter."""
    try:
        payload = signing.loads(request.POST.get("payload", ""), salt=PAYLOAD_SALT, max_age=PAYLOAD_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("user") != request.user.pk:
        raise Http404
    return payload


def _confirmation_keys(preview, code: str) -> list[str]:
    return [f"{issue.meter_id}:{issue.zone}" for issue in preview.confirmations if issue.code == code]


def _render_confirm(request, preview, entries, *, meter_id=None, ticked=None, confirm_errors=None):
    ticked = ticked or {"limit": set(), "rollover": set()}
    confirm_errors = confirm_errors or set()
    for meter_preview in preview.meters:
        for zp in meter_preview.zones:
            key = f"{meter_preview.meter.pk}:{zp.zone}"
            zp.key = key
            zp.checks = [
                {"code": issue.code, "message": issue.message, "key": key,
                 "checked": key in ticked[issue.code], "error": (issue.code, key) in confirm_errors}
                for issue in zp.confirmations
            ]
    back = reverse("portal:meter_readings", args=[meter_id]) if meter_id else reverse("portal:readings")
    context = {
        "preview": preview,
        "payload": sign_readings(request.user, entries, meter_id),
        "back": back,
        "meter_id": meter_id,
    }
    return render(request, "portal/readings_confirm.html", context)


@login_required
@require_POST
def readings_confirm_view(request):
    """Store the confirmed readings: the values are checked again; confirmations must be ticked."""
    payload = _load_payload(request)
    if payload is None:
        return _payload_refused(request)
    entries, meter_id = payload["entries"], payload.get("meter")
    scope = selectors.submittable_meters(request.user)
    ids = {entry["meter"] for entry in entries}
    if not entries or set(scope.filter(pk__in=ids).values_list("pk", flat=True)) != ids:
        raise Http404  # a meter that is not (or no longer) the user's to submit for

    preview = services.preview_readings(scope, entries)
    if preview.errors:
        return _back_to_form(request, preview, entries, meter_id)
    ticked = {code: set(request.POST.getlist(f"confirm-{code}")) for code in ("limit", "rollover")}
    needed = {code: set(_confirmation_keys(preview, code)) for code in ("limit", "rollover")}
    missing = {(code, key) for code in needed for key in needed[code] - ticked[code]}
    if missing:
        return _render_confirm(request, preview, entries, meter_id=meter_id, ticked=ticked, confirm_errors=missing)
    try:
        submission = services.submit_readings(
            entries, acting_user=request.user, source=Reading.Source.PORTAL,
            confirm_limit=bool(needed["limit"]), confirm_rollover=bool(needed["rollover"]),
        )
    except services.ReadingsRejected as rejected:  # something changed since the preview
        if rejected.preview.errors:
            return _back_to_form(request, rejected.preview, entries, meter_id)
        fresh = services.preview_readings(scope, entries)
        missing = {(c.code, f"{c.meter_id}:{c.zone}") for c in fresh.confirmations}
        return _render_confirm(request, fresh, entries, meter_id=meter_id, ticked=ticked, confirm_errors=missing)
    messages.success(request, _("Thank you, the readings have been sent. The organisation will check them; "
                                "you can follow their status in the meter's history."))
    if submission.superseded:
        messages.info(request, _("The readings you sent earlier this period were replaced by these; both stay in "
                                 "the history."))
    return redirect(reverse("portal:meter_readings", args=[meter_id]) if meter_id else reverse("portal:readings"))


def _back_to_form(request, preview, entries, meter_id):
    """The values no longer pass (changed data or a tampered page): the form with the messages."""
    groups = _meter_groups(request.user, meter_id)
    meters = _entry_meters(request.user, _cards(groups), bound=True)
    form = ReadingsForm(ReadingsForm.data_from_entries(entries), meters=meters)
    form.is_valid()
    meter_errors = _attach_errors(form, preview)
    return _render_entry(request, groups, form, meter_errors=meter_errors, meter_id=meter_id)


# --- History ---------------------------------------------------------------------------------------------


@login_required
def reading_history_view(request, meter_id):
    """Every reading of one meter, newest first, filterable by period; rejected ones with the reason."""
    meter = selectors.consumer_meter(request.user, meter_id)
    if meter is None:
        raise Http404
    form = ReadingHistoryFilterForm(request.GET or None)
    period_from = period_to = None
    if form.is_bound and form.is_valid():
        period_from = form.cleaned_data["period_from"]
        period_to = form.cleaned_data["period_to"]
    readings = list(selectors.reading_history(meter, period_from=period_from, period_to=period_to))
    for reading in readings:
        reading.zone_name = meter.zone_label(reading.zone)
    return render(request, "portal/reading_history.html", {
        "meter": meter, "readings": readings, "form": form,
        "filtered": bool(period_from or period_to),
        "can_enter": meter.status == meter.Status.ACTIVE,
    })
