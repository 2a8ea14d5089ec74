from typing import Any

from django.http import Http404
from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from studio.errors import StudioError
from studio.lockout import locked_out_detail, retry_after


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Service errors become ``{"code", "detail"}`` with their status; the rest as DRF does.
    Basic credentials refused because django-axes has paused that username here say so, with
    429 and Retry-After, where DRF would say only "Invalid username/password"."""
    if isinstance(exc, StudioError):
        return Response({"code": exc.code, "detail": exc.message}, status=exc.status_code)
    if isinstance(exc, Http404):
        return Response(
            {"code": "not_found", "detail": "Not found."}, status=status.HTTP_404_NOT_FOUND
        )
    if isinstance(exc, AuthenticationFailed) and getattr(
        context.get("request"), "axes_locked_out", False
    ):
        return Response(
            {"code": "locked_out", "detail": locked_out_detail()},
            status=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": retry_after()},
        )
    return drf_exception_handler(exc, context)
