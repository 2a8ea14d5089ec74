from django.db import models


class GarmentCategory(models.TextChoices):
    TOP = "top", "Top"
    BOTTOM = "bottom", "Bottom"
    DRESS = "dress", "Dress"
    OUTERWEAR = "outerwear", "Outerwear"
    SHOES = "shoes", "Shoes"
    ACCESSORY = "accessory", "Accessory"
    SWIMWEAR = "swimwear", "Swimwear"
    LINGERIE = "lingerie", "Lingerie"


class Slot(models.TextChoices):
    TOP = "top", "Top"
    BOTTOM = "bottom", "Bottom"
    DRESS = "dress", "Dress"
    OUTERWEAR = "outerwear", "Outerwear"
    SHOES = "shoes", "Shoes"
    ACCESSORY = "accessory", "Accessories"


# The slot a garment takes by its category, and its default layer (higher is drawn over lower).
SLOT_OF = {
    GarmentCategory.TOP: Slot.TOP,
    GarmentCategory.BOTTOM: Slot.BOTTOM,
    GarmentCategory.DRESS: Slot.DRESS,
    GarmentCategory.OUTERWEAR: Slot.OUTERWEAR,
    GarmentCategory.SHOES: Slot.SHOES,
    GarmentCategory.ACCESSORY: Slot.ACCESSORY,
    GarmentCategory.SWIMWEAR: Slot.DRESS,
    GarmentCategory.LINGERIE: Slot.TOP,
}
LAYER_MAX = 1000
SEASON_MAX = 32  # a garment's season: its column's length
LIST_MAX, LIST_ITEM_MAX = 50, 64  # a garment's colourways or sizes, and each one's length
GPU_BUDGET_MAX_SECONDS = 60_000_000  # a million GPU-minutes: a campaign's budget
DEFAULT_LAYER = {
    Slot.SHOES: 10,
    Slot.BOTTOM: 20,
    Slot.TOP: 30,
    Slot.DRESS: 30,
    Slot.OUTERWEAR: 40,
    Slot.ACCESSORY: 50,
}


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_PRODUCTION = "in_production", "In production"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    SCHEDULED = "scheduled", "Scheduled"
    DONE = "done", "Done"
    ARCHIVED = "archived", "Archived"


# Which status a campaign may move to from which: the one place its transitions are decided.
CAMPAIGN_TRANSITIONS: dict[str, frozenset[str]] = {
    CampaignStatus.DRAFT: frozenset({CampaignStatus.IN_PRODUCTION, CampaignStatus.ARCHIVED}),
    CampaignStatus.IN_PRODUCTION: frozenset(
        {CampaignStatus.IN_REVIEW, CampaignStatus.DRAFT, CampaignStatus.ARCHIVED}
    ),
    CampaignStatus.IN_REVIEW: frozenset(
        {CampaignStatus.APPROVED, CampaignStatus.IN_PRODUCTION, CampaignStatus.ARCHIVED}
    ),
    CampaignStatus.APPROVED: frozenset({CampaignStatus.SCHEDULED, CampaignStatus.ARCHIVED}),
    CampaignStatus.SCHEDULED: frozenset({CampaignStatus.DONE, CampaignStatus.ARCHIVED}),
    CampaignStatus.DONE: frozenset({CampaignStatus.ARCHIVED}),
    CampaignStatus.ARCHIVED: frozenset({CampaignStatus.DRAFT}),
}


class SceneKind(models.TextChoices):
    COLOUR = "colour", "Colour"
    IMAGE = "image", "Image"
    PROMPT = "prompt", "Prompt"


class JobState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


JOB_ACTIVE = (JobState.QUEUED, JobState.RUNNING)
JOB_TERMINAL = (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)


class Priority(models.IntegerChoices):
    """Broker priority of a render job. On Redis a lower number is served first."""

    RUSH = 0, "Rush"
    NORMAL = 3, "Normal"
    BACKGROUND = 6, "Background"


# How the API names priorities: "rush", "normal", "background".
PRIORITY_NAMES = [(priority.label.lower(), priority.label) for priority in Priority]
