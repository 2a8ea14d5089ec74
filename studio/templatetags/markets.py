from collections.abc import Iterable

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django_countries import countries

register = template.Library()


@register.filter
def markets(codes: Iterable[str]) -> SafeString:
    """Market codes as the studio writes them (DE, FR), each naming its country on hover."""
    return format_html_join(
        ", ", '<abbr title="{}">{}</abbr>', ((countries.name(code) or code, code) for code in codes)
    )
