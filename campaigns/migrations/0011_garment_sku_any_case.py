import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import Upper


def no_sku_twice_in_two_cases(apps, schema_editor):
    """A catalogue that holds one SKU in two cases (AU-1 and au-1) cannot take the constraint:
    say which, for a person to merge them, rather than fail on the index or rename a SKU."""
    Garment = apps.get_model("campaigns", "Garment")
    doubled = (
        Garment.objects.annotate(key=Upper("sku"))
        .values("brand_id", "key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("brand_id", "key")
    )
    if doubled:
        listed = "; ".join(
            f"brand {row['brand_id']}: "
            + ", ".join(
                Garment.objects.filter(brand_id=row["brand_id"], sku__iexact=row["key"])
                .order_by("sku")
                .values_list("sku", flat=True)
            )
            for row in doubled[:20]
        )
        raise RuntimeError(
            "SKUs are now one garment in any case, and these are in the catalogue in two: "
            f"{listed}. Rename or delete one of each, then migrate again."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0010_newest_first_indexes"),
        ("studio", "0003_unaccent"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(no_sku_twice_in_two_cases, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="garment",
            constraint=models.UniqueConstraint(
                models.F("brand"),
                django.db.models.functions.text.Upper("sku"),
                name="garment_sku_any_case_per_brand",
            ),
        ),
    ]
