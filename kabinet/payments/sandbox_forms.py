"""The sandbox bank's card form: the checks a real card page makes (Luhn, expiry, CVC)."""

import datetime as dt
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def luhn_ok(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


class CardForm(forms.Form):
    number = forms.CharField(label=_("Card number"), max_length=23,
                             widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "cc-number",
                                                           "placeholder": "0000 0000 0000 0000"}))
    expiry = forms.CharField(label=_("Valid thru (MM/YY)"), max_length=5,
                             widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "cc-exp",
                                                           "placeholder": "MM/YY"}))
    cvc = forms.CharField(label=_("CVC"), max_length=3,
                          widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "cc-csc"}))

    def clean_number(self):
        number = re.sub(r"[\s-]", "", self.cleaned_data["number"])
        if not number.isdigit() or not 13 <= len(number) <= 19 or not luhn_ok(number):
            raise forms.ValidationError(_("Check the card number."))
        return number

    def clean_expiry(self):
        match = re.fullmatch(r"(\d{2})\s*/\s*(\d{2})", self.cleaned_data["expiry"].strip())
        if not match or not 1 <= int(match[1]) <= 12:
            raise forms.ValidationError(_("Enter the expiry as MM/YY."))
        month, year = int(match[1]), 2000 + int(match[2])
        today = timezone.localdate()
        if (year, month) < (today.year, today.month):
            raise forms.ValidationError(_("The card has expired."))
        return dt.date(year, month, 1)

    def clean_cvc(self):
        cvc = self.cleaned_data["cvc"].strip()
        if not re.fullmatch(r"\d{3}", cvc):
            raise forms.ValidationError(_("The CVC is the 3 digits on the back of the card."))
        return cvc
