from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.defaults import server_error as html_server_error


@never_cache
@require_GET
def healthz(request):
    """200 when the database answers, 503 with the reason otherwise (for load balancers and monitors)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return JsonResponse({"status": "error", "database": "error", "reason": str(exc)[:200]}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def server_error(request):
    """500: JSON for API clients, the usual page for people."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Internal server error.", "code": "server_error"}, status=500)
    return html_server_error(request)
