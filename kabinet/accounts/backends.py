"""Authentication backends: by email, phone or account number; and by address (premises)."""

from django.contrib.auth.backends import ModelBackend

from kabinet.accounts.services import candidates_for_identifier, candidates_for_premises


def _first_matching(users, password):
    # Several owners may share an account number or an address: the password tells them apart.
    for user in users:
        if user.check_password(password):
            return user
    return None


class CredentialBackend(ModelBackend):
    """`username` is an email, a phone in any common format, or a personal account number."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        user = _first_matching(candidates_for_identifier(username)[:20], password)
        if user is not None and self.user_can_authenticate(user):
            return user
        return None


class AddressBackend(ModelBackend):
    """Login by address (seed 001): the owners of accounts at the chosen premises."""

    def authenticate(self, request, premises_id=None, password=None, **kwargs):
        if not premises_id or not password:
            return None
        user = _first_matching(candidates_for_premises(premises_id)[:20], password)
        if user is not None and self.user_can_authenticate(user):
            return user
        return None


def blocked_user_for(password, *, username=None, premises_id=None):
    """After a failed login: the blocked user these credentials belong to, if any.

    Saying "blocked" only to someone who knows the password reveals nothing to a stranger.
    """
    users = candidates_for_premises(premises_id) if premises_id else candidates_for_identifier(username or "")
    user = _first_matching(users.filter(is_active=False)[:20], password)
    return user
