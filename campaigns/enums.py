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
