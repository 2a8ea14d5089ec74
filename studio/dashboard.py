"""Dashboard panels. Each app registers the panels it owns in its AppConfig.ready(), so the
dashboard shows every role what concerns them without studio importing the apps above it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class Panel:
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


PanelProvider = Callable[[HttpRequest], list[Panel]]
_providers: list[PanelProvider] = []


def register(provider: PanelProvider) -> PanelProvider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def panels_for(request: HttpRequest) -> list[Panel]:
    panels = [panel for provider in _providers for panel in provider(request)]
    return sorted(panels, key=lambda panel: (panel.order, panel.title))
