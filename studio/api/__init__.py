from typing import Any

from django.http import Http404
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from studio.errors import StudioError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Service errors become ``{"code", "detail"}`` with their status; the rest as DRF does."""
    if isinstance(exc, StudioError):
        return Response({"code": exc.code, "detail": exc.message}, status=exc.status_code)
    if isinstance(exc, Http404):
        return Response(
            {"code": "not_found", "detail": "Not found."}, status=status.HTTP_404_NOT_FOUND
        )
    return drf_exception_handler(exc, context)
