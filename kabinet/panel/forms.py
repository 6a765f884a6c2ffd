"""Panel forms: input checks and wording only; the writes are services in the domain apps."""

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from kabinet.accounts.rules import normalize_phone
from kabinet.core.models import Organization
from kabinet.core.roles import Role
from kabinet.core.services import EDITABLE_FIELDS, clean_requisites

# Messages for kabinet.accounts.staff_services.StaffActionError codes, and the field each belongs to.
STAFF_ACTION_MESSAGES = {
    "invalid_phone": ("phone", _("Enter a Russian mobile or landline number, e.g. +7 912 345-67-89.")),
    "no_contact": ("email", _("Enter an email or a phone number (or both): the person logs in with it.")),
    "email_taken": ("email", _("A user with this email already exists. Find them in the list instead.")),
    "phone_taken": ("phone", _("A user with this phone already exists. Find them in the list instead.")),
    "already_linked": ("number", _("This account is already linked to the user.")),
    "not_linked": (None, _("This account is not linked to the user.")),
    "is_staff": (None, _("This user is a staff member. Only the service operator can change them.")),
    "self": (None, _("You cannot block yourself.")),
}


def staff_action_message(error) -> tuple[str | None, str]:
    field, message = STAFF_ACTION_MESSAGES.get(error.code, (None, str(error)))
    return field, str(message)


class PanelForm(forms.Form):
    def add_service_error(self, field, message):
        self.add_error(field if field in self.fields else None, message)


def _phone_field(required=False):
    return forms.CharField(
        label=_("Phone"), required=required, max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        help_text=_("Any common format; stored as +7…"),
    )


def _password_field(label=None):
    return forms.CharField(
        label=label or _("Password"), required=False, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}, render_value=True),
        help_text=_("Leave empty to generate a password. It will be shown once, to pass on to the person."),
    )


def _clean_phone(value):
    value = (value or "").strip()
    if value and normalize_phone(value) is None:
        raise forms.ValidationError(_("Enter a Russian mobile or landline number, e.g. +7 912 345-67-89."))
    return value


def _check_password(password, **user_fields):
    if password:
        from kabinet.accounts.models import User

        password_validation.validate_password(password, User(**user_fields))
    return password


class ConsumerCreateForm(PanelForm):
    full_name = forms.CharField(label=_("Full name"), max_length=255,
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))
    email = forms.EmailField(label=_("Email"), required=False,
                             widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    phone = _phone_field()
    number = forms.CharField(
        label=_("Account number"), max_length=30,
        help_text=_("An account of your organisation; the user becomes its owner."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    password = _password_field()

    def clean_phone(self):
        return _clean_phone(self.cleaned_data.get("phone"))

    def clean(self):
        data = super().clean()
        if not data.get("email") and not data.get("phone") and "email" not in self.errors \
                and "phone" not in self.errors:
            self.add_error("email", _("Enter an email or a phone number (or both): the person logs in with it."))
        if data.get("password"):
            try:
                _check_password(data["password"], email=data.get("email"), full_name=data.get("full_name", ""))
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


class AttachAccountForm(PanelForm):
    number = forms.CharField(label=_("Account number"), max_length=30,
                             widget=forms.TextInput(attrs={"autocomplete": "off"}))


class PasswordResetForm(PanelForm):
    password = _password_field(_("New password"))

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data.get("password")
        if password:
            password_validation.validate_password(password, self.user)
        return password


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(choices=Role.choices, required=False, label=_("Access to panel modules"), **kwargs)


class StaffAddForm(PanelForm):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none(), label=_("Organisation"),
                                          empty_label=None)
    email = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text=_("If a user with this email exists, they are added; otherwise a new user is created."),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=255, required=False,
                                help_text=_("For a new user."))
    phone = _phone_field()
    password = _password_field()
    position = forms.CharField(label=_("Position"), max_length=255, required=False)
    roles = RolesField()

    def __init__(self, *args, organizations=None, initial_organization=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        if initial_organization is not None:
            self.fields["organization"].initial = initial_organization.pk
        self.fields["organization"].label_from_instance = lambda org: "— " * (org.path.count("/") - 1) + str(org)

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_phone(self):
        return _clean_phone(self.cleaned_data.get("phone"))

    def clean(self):
        data = super().clean()
        if data.get("password"):
            try:
                _check_password(data["password"], email=data.get("email"), full_name=data.get("full_name", ""))
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


class MemberForm(PanelForm):
    position = forms.CharField(label=_("Position"), max_length=255, required=False)
    roles = RolesField()


class OrganizationForm(forms.ModelForm):
    website = forms.URLField(label=_("Website"), required=False, max_length=200, assume_scheme="https")

    class Meta:
        model = Organization
        fields = EDITABLE_FIELDS
        widgets = {
            "inn": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            "kpp": forms.TextInput(attrs={"autocomplete": "off"}),
            "ogrn": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            "bank_bic": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            "bank_account": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            "bank_corr_account": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            "office_hours": forms.Textarea(attrs={"rows": 3}),
            "public_info": forms.Textarea(attrs={"rows": 5}),
        }
        labels = {"name": _("Name"), "short_name": _("Short name")}
        help_texts = {
            "inn": _("10 digits for an organisation, 12 for an individual entrepreneur."),
            "kpp": _("9 characters."),
            "ogrn": _("13 digits (OGRN) or 15 digits (OGRNIP)."),
            "bank_bic": _("9 digits."),
            "bank_account": _("20 digits."),
            "bank_corr_account": _("20 digits, starts with 30101."),
            "public_info": _("Shown to consumers on the organisation's page."),
        }

    sections = (
        (_("Name and public information"), ("name", "short_name", "public_info")),
        (_("Requisites"), ("inn", "kpp", "ogrn", "bank_name", "bank_bic", "bank_account", "bank_corr_account")),
        (_("Contacts"), ("address", "phone", "email", "website", "office_hours")),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The model's own max_length checks would repeat ours with a vaguer message.
        for name in ("inn", "kpp", "ogrn", "bank_bic", "bank_account", "bank_corr_account"):
            self.fields[name].max_length = 40
            self.fields[name].validators = []
            self.fields[name].widget.attrs.pop("maxlength", None)

    def clean(self):
        data = super().clean()
        values = {name: data.get(name, "") for name in
                  ("inn", "kpp", "ogrn", "bank_bic", "bank_account", "bank_corr_account") if name in data}
        cleaned, errors = clean_requisites(values)
        for name, message in errors.items():
            self.add_error(name, message)
        data.update({k: v for k, v in cleaned.items() if k not in errors})
        return data

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS}

    def section_fields(self):
        return [(title, [self[name] for name in names]) for title, names in self.sections]


class OrganizationCreateForm(PanelForm):
    name = forms.CharField(label=_("Name"), max_length=255)
    short_name = forms.CharField(label=_("Short name"), max_length=100, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=Organization.Kind.choices)
    parent = forms.ModelChoiceField(
        queryset=Organization.objects.order_by("path"), required=False, label=_("Parent organisation"),
        empty_label=_("— none (a top-level organisation) —"),
        help_text=_("Choose one to create a sub-organisation."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].label_from_instance = lambda org: "— " * (org.path.count("/") - 1) + str(org)
