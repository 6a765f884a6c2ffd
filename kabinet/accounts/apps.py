from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kabinet.accounts"
    label = "accounts"

    def ready(self):
        from django.contrib.auth import user_logged_in
        from django.contrib.auth.models import update_last_login

        # Django saves the whole user on every login; an UPDATE of one column is cheaper and does not
        # add a row to the user's audit history.
        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        user_logged_in.connect(_touch_last_login, dispatch_uid="kabinet_update_last_login")


def _touch_last_login(sender, user, **kwargs):
    from django.utils import timezone

    user.last_login = timezone.now()
    type(user).objects.filter(pk=user.pk).update(last_login=user.last_login)
