"""API v1 views: thin; access goes through the selectors, writes through the domain services."""

from django.contrib.auth import authenticate, user_logged_in
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.authentication import get_authorization_header
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from kabinet.accounts.backends import blocked_user_for
from kabinet.accounts.lockout import lockout_response
from kabinet.accounts.services import issue_api_token, revoke_api_token
from kabinet.api import selectors
from kabinet.api.authentication import BearerTokenAuthentication
from kabinet.api.serializers import (
    AccountFilterSerializer,
    AccountSerializer,
    ApiRootSerializer,
    ErrorSerializer,
    MeSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)
from kabinet.core.tenancy import is_operator

ERRORS = {
    401: OpenApiResponse(ErrorSerializer, description="No valid token."),
    404: OpenApiResponse(ErrorSerializer, description="No such object, or not yours."),
}


class InvalidCredentials(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = gettext_lazy("Wrong login or password.")
    default_code = "invalid_credentials"


class UserBlocked(exceptions.APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = gettext_lazy("This user is blocked. Contact your management company.")
    default_code = "user_blocked"


class ApiRootView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=ApiRootSerializer, summary="Links to the API's endpoints")
    def get(self, request):
        def url(name):
            return reverse(f"api:{name}", request=request)

        return Response(
            {
                "auth_token": url("auth-token"),
                "me": url("me"),
                "accounts": url("account-list"),
                "meters": url("meter-list"),
                "readings": url("reading-list"),
                "schema": url("schema"),
                "docs": url("docs"),
            }
        )


class TokenView(APIView):
    """Issue a token for a login and password (POST); revoke the token in use (DELETE)."""

    authentication_classes = [BearerTokenAuthentication]

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    def perform_authentication(self, request):
        # Issuing a token needs no prior authentication: a stale header must not stand in the way.
        if request.method != "POST":
            super().perform_authentication(request)

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            201: TokenSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Wrong login or password, or invalid input."),
            403: OpenApiResponse(ErrorSerializer, description="The user is blocked."),
            429: OpenApiResponse(ErrorSerializer, description="Too many failed attempts: login locked."),
        },
        auth=[],
        summary="Get an API token",
    )
    def post(self, request):
        form = TokenRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        username, password = form.validated_data["username"], form.validated_data["password"]
        # The Django request, so that django-axes counts failures and its middleware sees a lockout.
        django_request = request._request
        user = authenticate(request=django_request, username=username, password=password)
        if getattr(django_request, "axes_locked_out", False):
            return lockout_response(django_request)
        if user is None:
            if blocked_user_for(password, username=username) is not None:
                raise UserBlocked()
            raise InvalidCredentials()
        # A successful login: last_login is updated and django-axes forgets earlier failures.
        user_logged_in.send(sender=user.__class__, request=django_request, user=user)
        key = issue_api_token(user, name=form.validated_data["name"])
        return Response({"token": key}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None, 401: ERRORS[401]}, summary="Revoke the token in use")
    def delete(self, request):
        key = get_authorization_header(request).split()[1].decode()
        revoke_api_token(key)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(responses={200: MeSerializer, 401: ERRORS[401]}, summary="The user of the token")
    def get(self, request):
        user = request.user
        memberships = list(selectors.staff_organizations_with_roles(user))
        operator = is_operator(user)
        data = {
            "id": user.pk,
            "email": user.email,
            "phone": user.phone,
            "full_name": user.full_name,
            "is_staff_member": operator or bool(memberships),
            "is_operator": operator,
            "organizations": memberships,
            "linked_accounts_count": selectors.linked_accounts_count(user),
        }
        return Response(MeSerializer(data).data)


class AccountPagination(LimitOffsetPagination):
    max_limit = 500


class AccountQuerysetMixin:
    serializer_class = AccountSerializer

    def get_queryset(self):
        return selectors.visible_accounts(self.request.user)


@extend_schema(parameters=[AccountFilterSerializer], responses={200: AccountSerializer(many=True), **ERRORS})
class AccountListView(AccountQuerysetMixin, generics.ListAPIView):
    """Accounts the user may see: linked ones for a consumer, their organisations' for staff."""

    pagination_class = AccountPagination

    def filter_queryset(self, queryset):
        filters = AccountFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        if "organization" in filters.validated_data:
            queryset = queryset.filter(organization_id=filters.validated_data["organization"])
        if filters.validated_data.get("search"):
            queryset = queryset.filter(number__startswith=filters.validated_data["search"].replace(" ", ""))
        return queryset


@extend_schema(responses={200: AccountSerializer, **ERRORS})
class AccountDetailView(AccountQuerysetMixin, generics.RetrieveAPIView):
    def get_object(self):
        # One answer for "missing" and "not yours", naming no model.
        account = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if account is None:
            raise exceptions.NotFound(_("No such account."))
        return account


class NotFoundView(APIView):
    """Unknown URLs under the API answer JSON, like every other API error."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def initial(self, request, *args, **kwargs):
        raise exceptions.NotFound(_("No such API endpoint: %(path)s") % {"path": request.path})
