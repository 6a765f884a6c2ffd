"""Forms of the appeals and announcements modules: input checks and wording only; the writes are
`kabinet.comms.services`."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.comms.models import Announcement, Appeal
from kabinet.panel.forms import PanelForm

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
ASSIGNEE_ANY, ASSIGNEE_ME, ASSIGNEE_NONE = "", "me", "none"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the checks of type and size are the service's (check_files)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,application/pdf"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


# --- Appeals ------------------------------------------------------------------------------------------


class AppealFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All"))] + list(Appeal.Status.choices))
    category = forms.ModelChoiceField(queryset=None, label=_("Category"), required=False, empty_label=_("All"))
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    building = forms.ModelChoiceField(queryset=None, label=_("Building"), required=False, empty_label=_("All"))
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, data, *, categories, buildings, staff):
        super().__init__(data)
        self.fields["category"].queryset = categories
        self.fields["building"].queryset = buildings
        self.fields["assignee"].choices = [(ASSIGNEE_ANY, _("Anyone")), (ASSIGNEE_ME, _("Me")),
                                           (ASSIGNEE_NONE, _("Nobody (not assigned)"))] + [
            (str(user.pk), str(user)) for user in staff]

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "status": data["status"] or None,
            "category": data["category"].pk if data["category"] else None,
            "assignee": data["assignee"] or None,
            "building": data["building"].pk if data["building"] else None,
            "overdue": data["overdue"],
        }


class ReplyForm(PanelForm):
    text = forms.CharField(label=_("Reply"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 5}),
                           error_messages={"required": _("Write the text of the reply.")})
    files = MultipleFileField(label=_("Attachments"), help_text=_("Images or PDF."))


class NoteForm(PanelForm):
    text = forms.CharField(label=_("Internal note"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Seen by staff only, never by the consumer."),
                           error_messages={"required": _("Write the text of the note.")})
    files = MultipleFileField(label=_("Attachments"))


class AssignForm(PanelForm):
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("Nobody"))] + [(str(u.pk), str(u)) for u in staff]


class StatusForm(PanelForm):
    status = forms.ChoiceField(label=_("Status"), choices=Appeal.Status.choices)


class CategoryForm(PanelForm):
    organization = forms.ModelChoiceField(queryset=None, label=_("Organisation"), empty_label=None)
    name = forms.CharField(label=_("Name"), max_length=150)
    deadline_days = forms.IntegerField(label=_("Deadline, days"), min_value=1, max_value=365, initial=10,
                                       help_text=_("The answer is due this many days after the appeal is written."))
    position = forms.IntegerField(label=_("Position in the list"), min_value=0, max_value=999, initial=0,
                                  required=False)
    is_active = forms.BooleanField(label=_("Active (consumers can choose it)"), required=False, initial=True)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["organization"].label_from_instance = lambda o: "— " * (o.path.count("/") - 1) + str(o)


# --- Announcements ------------------------------------------------------------------------------------


class AnnouncementForm(PanelForm):
    organization = forms.ModelChoiceField(queryset=None, label=_("Organisation"), empty_label=None)
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}))
    kind = forms.ChoiceField(label=_("Kind"), choices=Announcement.Kind.choices, widget=forms.RadioSelect,
                             initial=Announcement.Kind.ORDINARY,
                             help_text=_("An emergency announcement is pinned and also sent by SMS to everyone "
                                         "in the audience."))
    audience = forms.ChoiceField(label=_("Audience"), choices=Announcement.Audience.choices,
                                 widget=forms.RadioSelect, initial=Announcement.Audience.ORGANIZATION)
    buildings = forms.ModelMultipleChoiceField(queryset=None, label=_("Buildings"), required=False,
                                               widget=forms.SelectMultiple(attrs={"size": 6}),
                                               help_text=_("For the audience «Selected buildings»."))
    streets = forms.MultipleChoiceField(label=_("Streets"), required=False,
                                        widget=forms.SelectMultiple(attrs={"size": 6}),
                                        help_text=_("For the audience «Selected streets»."))
    accounts = forms.CharField(label=_("Account numbers"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2}),
                               help_text=_("For the audience «Selected accounts»: numbers separated by spaces "
                                           "or commas."))
    publish = forms.ChoiceField(label=_("Publish"), widget=forms.RadioSelect, initial="draft", choices=[
        ("draft", _("Keep as a draft")), ("now", _("Publish now")), ("at", _("Publish at the time below"))])
    publish_at = forms.DateTimeField(label=_("Publish at"), required=False, widget=DATETIME,
                                     input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"])
    expires_at = forms.DateTimeField(label=_("Expires at"), required=False, widget=DATETIME,
                                     input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"],
                                     help_text=_("Leave empty to keep it until it is withdrawn."))
    pinned = forms.BooleanField(label=_("Pinned at the top"), required=False)
    is_public = forms.BooleanField(label=_("Also on the organisation's public page"), required=False)

    def __init__(self, *args, organizations, buildings, streets, accounts_qs, editing=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.accounts_qs = accounts_qs
        self.fields["organization"].queryset = organizations
        self.fields["organization"].label_from_instance = lambda o: "— " * (o.path.count("/") - 1) + str(o)
        self.fields["buildings"].queryset = buildings
        self.fields["streets"].choices = [(f"{s}|{t}", f"{s}, {t}") for s, t in streets]
        if editing is not None:
            del self.fields["publish"], self.fields["publish_at"]
            self.fields["organization"].disabled = True
            if editing.status != Announcement.Status.DRAFT:
                for name in ("audience", "buildings", "streets", "accounts"):
                    self.fields[name].disabled = True

    def clean(self):
        data = super().clean()
        if data.get("publish") == "at":
            at = data.get("publish_at")
            if at is None:
                self.add_error("publish_at", _("Give the date and time of publication."))
            elif at <= timezone.now():
                self.add_error("publish_at", _("The time of publication has passed: choose a later one, "
                                               "or publish now."))
        audience = data.get("audience")
        if "audience" in self.fields and not self.fields["audience"].disabled:
            A = Announcement.Audience
            if audience == A.BUILDINGS and not data.get("buildings"):
                self.add_error("buildings", _("Choose at least one building."))
            if audience == A.STREETS and not data.get("streets"):
                self.add_error("streets", _("Choose at least one street."))
            if audience == A.ACCOUNTS:
                numbers = [n for n in (data.get("accounts") or "").replace(",", " ").split() if n]
                found = {a.number: a.pk for a in self.accounts_qs.filter(number__in=numbers)} if numbers else {}
                missing = [n for n in numbers if n not in found]
                if not numbers:
                    self.add_error("accounts", _("Enter at least one account number."))
                elif missing:
                    self.add_error("accounts", _("No such accounts in the organisation: %(numbers)s.")
                                   % {"numbers": ", ".join(missing)})
                data["account_ids"] = list(found.values())
        return data

    def street_pairs(self):
        return [tuple(v.split("|", 1)) for v in self.cleaned_data.get("streets") or ()]
