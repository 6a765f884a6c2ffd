"""Russian first: pages are in Russian unless the person chose another language."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class RussianFirstLocaleMiddleware(LocaleMiddleware):
    """Pages follow the language chosen with the switcher (the language cookie), else Russian —
    not the browser's Accept-Language, since many Russian consumers run English-language phones.
    API clients ask with Accept-Language, as HTTP intends."""

    def process_request(self, request):
        if request.path.startswith("/api/"):
            return super().process_request(request)
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
