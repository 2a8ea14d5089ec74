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
DEFAULT_LAYER = {
    Slot.SHOES: 10,
    Slot.BOTTOM: 20,
    Slot.TOP: 30,
    Slot.DRESS: 30,
    Slot.OUTERWEAR: 40,
    Slot.ACCESSORY: 50,
}
