"""Forms of the settings page (seed 001, «Настройки»); the changes are accounts.profile services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kabinet.comms.models import NotificationPreference
from kabinet.portal.forms import CodeForm, PhoneField, SetPasswordForm


class NameForm(forms.Form):
    full_name = forms.CharField(
        label=_("Name"),
        max_length=255,
        help_text=_("Your name or a nickname: the organisation uses it in replies and letters."),
        error_messages={"required": _("Enter your name.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


class EmailForm(forms.Form):
    email = forms.EmailField(
        label=_("New email"),
        max_length=254,
        help_text=_("We will send a confirmation code to it. The address changes once you enter the code."),
        error_messages={"invalid": _("Enter an email address, for example name@example.ru.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autocapitalize": "none", "spellcheck": "false"}),
    )


class PhoneForm(forms.Form):
    phone = PhoneField(
        label=_("New mobile phone"),
        help_text=_("We will send a confirmation code by SMS. The number changes once you enter the code."),
    )


class EmailCodeForm(CodeForm):
    code = forms.CharField(
        label=_("Code from the email"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}),
    )


class NotificationsForm(forms.Form):
    readings_reminder = forms.BooleanField(label=_("Reminder to submit meter readings"), required=False)
    payment_reminder = forms.BooleanField(label=_("Reminder of the payment due date"), required=False)
    news = forms.BooleanField(label=_("News and announcements"), required=False)
    appeal_replies = forms.BooleanField(label=_("Replies to my appeals"), required=False)
    e_receipt = forms.BooleanField(label=_("Electronic receipt"), required=False)
    quiet_from = forms.TimeField(
        label=_("Quiet hours from"), required=False,
        error_messages={"invalid": _("Enter the time as hours and minutes, for example 22:00.")},
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    quiet_to = forms.TimeField(
        label=_("Quiet hours to"), required=False,
        help_text=_("No messages in these hours (except urgent ones); they arrive when the quiet hours end."),
        error_messages={"invalid": _("Enter the time as hours and minutes, for example 07:00.")},
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    TOPICS = NotificationPreference.TOPICS

    def clean(self):
        data = super().clean()
        start, end = data.get("quiet_from"), data.get("quiet_to")
        if (start is None) != (end is None) and not self.errors:
            missing = "quiet_to" if end is None else "quiet_from"
            self.add_error(missing, _("Give both the start and the end of the quiet hours, or leave both empty."))
        return data


class ChangePasswordForm(SetPasswordForm):
    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    field_order = ["old_password", "new_password1", "new_password2"]

    def clean_old_password(self):
        old = self.cleaned_data.get("old_password")
        if self.user is not None and not self.user.check_password(old or ""):
            raise forms.ValidationError(_("The current password is wrong. Check the keyboard layout and Caps Lock."))
        return old
