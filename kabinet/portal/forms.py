"""Portal forms: validation of what people type; the actions themselves are accounts services."""

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from kabinet.accounts.rules import normalize_phone


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Login"),
        max_length=254,
        help_text=_("Email, mobile phone or personal account number"),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class AddressPasswordForm(forms.Form):
    premises = forms.IntegerField(widget=forms.HiddenInput)
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class PhoneField(forms.CharField):
    default_error_messages = {
        "invalid": _("Enter a mobile phone number, for example +7 912 345-67-89."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)
        self.widget.input_type = "tel"
        self.widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        phone = normalize_phone(value)
        if phone is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return phone


class AccountProofForm(forms.Form):
    """An account number and the receipt code printed on the bill."""

    number = forms.CharField(
        label=_("Personal account number"),
        max_length=30,
        help_text=_("As printed on your bill"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    receipt_code = forms.CharField(
        label=_("Receipt code"),
        max_length=20,
        help_text=_("A secret code printed on your latest bill next to the account number"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class RegistrationForm(AccountProofForm):
    phone = PhoneField(label=_("Mobile phone"), help_text=_("We will send a confirmation code by SMS"))
    full_name = forms.CharField(
        label=_("Your name"), max_length=255, required=False, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label=_("Email (optional)"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}),
    )


class SetPasswordForm(forms.Form):
    """A new password, typed twice, checked by AUTH_PASSWORD_VALIDATORS (against `user` if known)."""

    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        help_text=_("At least 8 characters; not only digits and not a common word."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("Repeat the password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_new_password2(self):
        first = self.cleaned_data.get("new_password1")
        second = self.cleaned_data.get("new_password2")
        if first and second and first != second:
            raise forms.ValidationError(_("The passwords do not match. Type the same password twice."))
        if second:
            password_validation.validate_password(second, self.user)
        return second


class PasswordResetCodeForm(CodeForm, SetPasswordForm):
    code = forms.CharField(
        label=_("Confirmation code"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}),
    )

    field_order = ["code", "new_password1", "new_password2"]


class PasswordResetRequestForm(forms.Form):
    contact = forms.CharField(
        label=_("Email or mobile phone"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )


class GrantAccessForm(forms.Form):
    contact = forms.CharField(
        label=_("Email or phone of the person"),
        max_length=254,
        help_text=_("They must already be registered in Kabinet."),
    )
    rights = forms.MultipleChoiceField(
        label=_("What they may do besides viewing"),
        required=False,
        choices=[
            ("readings", _("Submit meter readings")),
            ("payments", _("Pay")),
            ("appeals", _("Write appeals")),
        ],
        widget=forms.CheckboxSelectMultiple,
    )


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Yes, remove this account from my Kabinet"),
        error_messages={"required": _("Tick the box to confirm.")},
    )
