"""The public page of an organisation (issue 6, «Объявления»): name, contacts, office hours, public
information, requisites for payment and its public news. No login; an inactive or unknown
organisation is a 404. Public news come from kabinet.comms.selectors.public_announcements."""

from django.shortcuts import get_object_or_404, render

from kabinet.comms import selectors
from kabinet.core.models import Organization

NEWS_ON_PAGE = 20


def organization_public_view(request, pk):
    organization = get_object_or_404(Organization, pk=pk, is_active=True)
    news = list(selectors.public_announcements(organization)[:NEWS_ON_PAGE])
    requisites = any(getattr(organization, f) for f in ("inn", "kpp", "ogrn", "bank_name", "bank_bic",
                                                          "bank_account", "bank_corr_account"))
    return render(request, "portal/organization_public.html",
                  {"organization": organization, "news": news, "requisites": requisites})
