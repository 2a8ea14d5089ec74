from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.forms.boundfield import BoundWidget

from campaigns.enums import (
    DEFAULT_LAYER,
    GPU_BUDGET_MAX_SECONDS,
    LAYER_MAX,
    SLOT_OF,
    GarmentCategory,
    JobState,
    Priority,
    SceneKind,
    Slot,
)
from campaigns.models import Campaign, Garment, Look, Scene
from campaigns.poses import POSES, Pose
from campaigns.rendering.base import FORMATS
from campaigns.selectors import first_of_each_category
from campaigns.services import CampaignInput, MatrixSpec
from studio.db import ID_MAX
from studio.errors import TEXT_MAX
from studio.forms import FilterForm, RowsField
from twins.enums import Channel, ContentTag
from twins.models import Twin


def posted_ids(field: forms.BoundField) -> list[int]:
    """The ids a picker's checkboxes hold, as posted (ids no key holds left out)."""
    return [int(pk) for pk in field.value() or [] if str(pk).isdecimal() and int(pk) <= ID_MAX]


def _comma_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


class GarmentEditForm(forms.Form):
    """A garment's details; a new packshot or cut-out replaces the old one, none keeps it."""

    name = forms.CharField(max_length=200)
    category = forms.ChoiceField(choices=GarmentCategory.choices)
    colourways = forms.CharField(required=False, help_text="Comma-separated: ecru, navy")
    sizes = forms.CharField(required=False, help_text="Comma-separated: XS, S, M, L")
    season = forms.CharField(required=False, max_length=32)
    packshot = forms.FileField(required=False, help_text="Packshot or flat-lay (JPEG, PNG, WebP).")
    cutout = forms.FileField(
        required=False,
        label="Cut-out",
        help_text="PNG with transparency. Leave empty to keep it, or to compute it from a new "
        "packshot.",
    )

    def clean_colourways(self) -> list[str]:
        return _comma_list(self.cleaned_data["colourways"])

    def clean_sizes(self) -> list[str]:
        return _comma_list(self.cleaned_data["sizes"])


class GarmentForm(GarmentEditForm):
    """A new garment: its details and its SKU, the key product feeds update it by."""

    sku = forms.CharField(max_length=64, label="SKU")
    field_order = ["sku"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cutout = self.fields["cutout"]
        cutout.help_text = "PNG with transparency. Leave empty to compute it from the packshot."


class GarmentImportForm(forms.Form):
    feed = forms.FileField(
        label="Product feed (CSV)",
        help_text="Columns: sku, name, category, colourways, sizes, season (lists with ;).",
    )


class MaskForm(forms.Form):
    mask = forms.FileField(help_text="PNG: white keeps, black removes; the packshot's size.")


class StrokesForm(forms.Form):
    """What the cut-out editor paints over the packshot; the page's script fills it in."""

    use_required_attribute = False  # the script fills the field in as the form is sent

    strokes = forms.FileField(help_text="PNG at the packshot's size: green keeps, red removes.")
    # The SHA-256 of the cut-out the strokes were painted over (empty: not checked).
    seen = forms.CharField(required=False, widget=forms.HiddenInput)


class GarmentFilterForm(FilterForm):
    q = forms.CharField(required=False, label="Search")
    category = forms.ChoiceField(
        required=False, choices=[("", "All categories"), *GarmentCategory.choices]
    )
    season = forms.ChoiceField(required=False, choices=())
    cutout = forms.ChoiceField(
        required=False,
        label="Cut-out",
        choices=[
            ("", "Any cut-out"),
            ("computed", "Cut-out computed, to check"),
            ("missing", "No cut-out"),
        ],
    )

    shelf = forms.ChoiceField(
        required=False,
        label="Catalogue or archive",
        choices=[("", "In the catalogue"), ("archived", "Archived")],
    )

    def __init__(self, *args: Any, seasons: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "All seasons"), *((season, season) for season in seasons)]
        self.fields["season"].choices = choices  # type: ignore[attr-defined]


class LookFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Look, garment or SKU"}),
    )
    garment = forms.IntegerField(
        required=False, min_value=1, max_value=ID_MAX, widget=forms.HiddenInput
    )


PICKS_PER_CATEGORY = 24  # catalogue cards of each category on the builder; a search finds the rest
LOOK_PICKS = 24  # look cards on the matrix builder besides those ticked; a search finds the rest


@dataclass(frozen=True)
class GarmentPick:
    """A garment on the look builder's board: chosen or not, at which layer."""

    garment: Garment
    chosen: bool
    layer: str  # as typed, or as the look has it; blank for the slot's default
    default_layer: int


@dataclass(frozen=True)
class PickSlot:
    label: str
    picks: list[GarmentPick]
    total: int  # the slot's garments that match, shown or not

    @property
    def shown(self) -> int:
        return len(self.picks)


class LookForm(forms.Form):
    """A look's name, notes and garments, each chosen garment with an optional layer (higher
    is drawn over lower; blank takes the slot's default)."""

    name = forms.CharField(max_length=200)
    notes = forms.CharField(
        required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
    garments = RowsField(
        queryset=Garment.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="One per slot, any number of accessories; a dress goes without top or bottom.",
    )
    layer_max = LAYER_MAX

    def __init__(self, *args: Any, garments: QuerySet[Garment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["garments"].queryset = garments  # type: ignore[attr-defined]

    def _layer_typed(self, garment_id: int) -> str:
        if self.is_bound:
            return str(self.data.get(f"layer-{garment_id}", "")).strip()
        layer = self.initial.get("layers", {}).get(garment_id)
        return "" if layer is None else str(layer)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        layers: dict[int, int | None] = {}
        for garment in data.get("garments", []):
            typed = self._layer_typed(garment.pk)
            if not typed:
                layers[garment.pk] = None
            elif typed.isdecimal() and int(typed) <= LAYER_MAX:
                layers[garment.pk] = int(typed)
            else:
                self.add_error(
                    "garments",
                    f"The layer of {garment.name} is “{typed}”: give a whole number from 0 to"
                    f" {LAYER_MAX}, or leave it blank for the slot's default.",
                )
        data["layers"] = layers
        return data

    def _chosen_ids(self) -> list[int]:
        """The garments chosen, as posted or as the look has them."""
        return posted_ids(self["garments"])

    def _by_slot(
        self, garments: Sequence[Garment], chosen: bool, totals: dict[str, int]
    ) -> list[PickSlot]:
        board: dict[str, list[GarmentPick]] = {slot: [] for slot in Slot.values}
        for garment in garments:
            slot = SLOT_OF[GarmentCategory(garment.category)]
            layer = self._layer_typed(garment.pk)
            board[slot].append(GarmentPick(garment, chosen, layer, DEFAULT_LAYER[slot]))
        return [
            PickSlot(Slot(slot).label, picks, totals.get(slot, len(picks)))
            for slot, picks in board.items()
            if picks
        ]

    def chosen(self) -> list[PickSlot]:
        """The chosen garments by slot, in slot order."""
        garments = self.fields["garments"].queryset.filter(pk__in=self._chosen_ids())  # type: ignore[attr-defined]
        return self._by_slot(list(garments), chosen=True, totals={})

    def catalogue(self, garments: QuerySet[Garment]) -> list[PickSlot]:
        """``garments`` not chosen yet, by slot: the first ``PICKS_PER_CATEGORY`` of each
        category by name, and how many match in all."""
        rows, counts = first_of_each_category(
            garments.exclude(pk__in=self._chosen_ids()), first=PICKS_PER_CATEGORY
        )
        totals: dict[str, int] = {}
        for category, count in counts.items():
            slot = SLOT_OF[GarmentCategory(category)]
            totals[slot] = totals.get(slot, 0) + count
        return self._by_slot(rows, chosen=False, totals=totals)


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=200)
    brief = forms.CharField(
        required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    starts_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    markets = forms.CharField(help_text="Country codes, comma-separated: DE, FR, IT")
    channels = forms.MultipleChoiceField(
        choices=Channel.choices, widget=forms.CheckboxSelectMultiple
    )
    content_tags = forms.MultipleChoiceField(
        required=False,
        choices=ContentTag.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="What the content is about: the talent's standing terms may exclude it.",
    )
    gpu_budget_minutes = forms.IntegerField(
        min_value=0,
        max_value=GPU_BUDGET_MAX_SECONDS // 60,
        initial=60,
        label="GPU budget (minutes)",
    )
    backend = forms.ChoiceField(
        choices=(),
        label="Render backend",
        help_text="preview: garment cut-outs laid on the twin's reference photo, on the CPU, in a "
        "blink, to settle the matrix. diffusers: the twin's trained LoRA wears the look, on GPU "
        "workers.",
    )
    owner = forms.ChoiceField(
        choices=(),
        required=False,
        help_text="Who answers for it: a creative director or brand admin.",
    )

    def __init__(self, *args: Any, owners: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [  # type: ignore[attr-defined]
            (user.username, user.get_full_name() or user.username) for user in owners
        ]
        self.fields["backend"].choices = [  # type: ignore[attr-defined]
            (name, name)
            for name in settings.RENDER_BACKENDS
            if name != "null"  # benchmarks only
        ]
        self.fields["backend"].initial = settings.RENDER_BACKEND

    def clean_markets(self) -> list[str]:
        return _comma_list(self.cleaned_data["markets"])

    def campaign_input(self) -> CampaignInput:
        data = self.cleaned_data
        return CampaignInput(
            name=data["name"],
            brief=data["brief"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            markets=data["markets"],
            channels=data["channels"],
            content_tags=data["content_tags"],
            gpu_budget_seconds=data["gpu_budget_minutes"] * 60,
            backend=data["backend"],
            owner=data["owner"],
        )

    @staticmethod
    def initial_for(campaign: Campaign) -> dict[str, Any]:
        return {
            "name": campaign.name,
            "brief": campaign.brief,
            "starts_on": campaign.starts_on,
            "ends_on": campaign.ends_on,
            "markets": ", ".join(campaign.markets),
            "channels": campaign.channels,
            "content_tags": campaign.content_tags,
            "gpu_budget_minutes": campaign.gpu_budget_seconds // 60,
            "backend": campaign.backend,
            "owner": campaign.owner.username,
        }


class SceneForm(forms.Form):
    name = forms.CharField(max_length=120)
    kind = forms.ChoiceField(choices=SceneKind.choices)
    value = forms.CharField(
        required=False, max_length=500, help_text="A colour like #e8e4dc, or a prompt."
    )
    image = forms.FileField(required=False, help_text="For an image scene (JPEG, PNG, WebP).")


class SceneEditForm(forms.Form):
    """A scene's name, and its colour or prompt, or another image (its kind stays)."""

    name = forms.CharField(max_length=120)
    value = forms.CharField(required=False, max_length=500)
    image = forms.FileField(required=False)


class MatrixForm(forms.Form):
    looks = RowsField(queryset=Look.objects.none(), widget=forms.CheckboxSelectMultiple)
    twins = RowsField(
        queryset=Twin.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Twins your brand holds an active license for.",
    )
    poses = forms.MultipleChoiceField(
        choices=[(p.name, p.label) for p in POSES.values()], widget=forms.CheckboxSelectMultiple
    )
    scenes = RowsField(queryset=Scene.objects.none(), widget=forms.CheckboxSelectMultiple)
    formats = forms.MultipleChoiceField(
        choices=[(f, f) for f in FORMATS], widget=forms.CheckboxSelectMultiple
    )
    variants = forms.IntegerField(min_value=1, max_value=20, initial=1, help_text="Seeds per shot.")
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int, initial=Priority.NORMAL)

    def __init__(
        self,
        *args: Any,
        looks: QuerySet[Look],
        twins: QuerySet[Twin],
        scenes: QuerySet[Scene],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["looks"].queryset = looks  # type: ignore[attr-defined]
        self.fields["twins"].queryset = twins  # type: ignore[attr-defined]
        self.fields["scenes"].queryset = scenes  # type: ignore[attr-defined]

    def chosen_looks(self) -> list[Look]:
        """The looks ticked, as posted."""
        looks: QuerySet[Look] = self.fields["looks"].queryset  # type: ignore[attr-defined]
        return list(looks.filter(pk__in=posted_ids(self["looks"])))

    def look_picks(self, looks: QuerySet[Look]) -> tuple[list[Look], int]:
        """The first ``LOOK_PICKS`` of ``looks`` not ticked, and how many there are in all."""
        rest = looks.exclude(pk__in=posted_ids(self["looks"]))
        return list(rest[:LOOK_PICKS]), rest.count()

    def pose_picks(self) -> list[tuple[BoundWidget, Pose]]:
        """Each pose's checkbox with the pose, for its figure."""
        return [(choice, POSES[choice.data["value"]]) for choice in self["poses"]]

    def format_picks(self, side: int = 56) -> list[tuple[BoundWidget, int, int]]:
        """Each format's checkbox with the width and height of its frame, the longer ``side``."""
        picks = []
        for choice in self["formats"]:
            w, h = (int(n) for n in choice.data["value"].split(":"))
            picks.append((choice, round(side * w / max(w, h)), round(side * h / max(w, h))))
        return picks

    def spec(self) -> MatrixSpec:
        data = self.cleaned_data
        return MatrixSpec(
            looks=tuple(look.pk for look in data["looks"]),
            twins=tuple(twin.pk for twin in data["twins"]),
            poses=tuple(data["poses"]),
            scenes=tuple(scene.pk for scene in data["scenes"]),
            formats=tuple(data["formats"]),
            variants=data["variants"],
            priority=data["priority"],
        )


class BoardFilterForm(FilterForm):
    look = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, choices=())
    twin = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, choices=())
    state = forms.ChoiceField(
        required=False, label="Status", choices=[("", "Any status"), *JobState.choices]
    )
    shortlisted = forms.BooleanField(required=False, label="Shortlisted only")
    pose = forms.ChoiceField(required=False, choices=())
    scene = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, choices=())
    format = forms.ChoiceField(required=False, choices=())

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only what the matrix holds is offered: poses, formats and scenes in one query.
        used = set(campaign.shots.values_list("pose", "format", "scene").distinct())
        poses, formats, scenes = ({row[n] for row in used} for n in range(3))
        self.fields["pose"].choices = [  # type: ignore[attr-defined]
            ("", "Every pose"),
            *((p.name, p.label) for p in POSES.values() if p.name in poses),
        ]
        self.fields["format"].choices = [  # type: ignore[attr-defined]
            ("", "Every format"),
            *((f, f) for f in FORMATS if f in formats),
        ]
        self.fields["scene"].choices = [  # type: ignore[attr-defined]
            ("", "Every scene"),
            *campaign.scenes.filter(pk__in=scenes).values_list("pk", "name"),
        ]
        looks = Look.objects.filter(pk__in=campaign.shots.values("look")).values_list("pk", "name")
        twins = Twin.objects.filter(pk__in=campaign.shots.values("twin")).select_related("talent")
        self.fields["look"].choices = [("", "Every look"), *looks]  # type: ignore[attr-defined]
        self.fields["twin"].choices = [("", "Every twin"), *((t.pk, str(t)) for t in twins)]  # type: ignore[attr-defined]
