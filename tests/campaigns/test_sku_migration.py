"""The migration that makes a SKU one garment in any case names the SKUs a catalogue holds in
two cases, rather than failing on the index or renaming one."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("campaigns", "0010_newest_first_indexes")]
AFTER = [("campaigns", "0011_garment_sku_any_case")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_skus_in_two_cases_stop_the_migration_naming_them(world):
    apps = migrate(BEFORE)
    try:
        Garment = apps.get_model("campaigns", "Garment")
        brand = world.brand_a.pk
        for sku in ("AU-1", "au-1", "AU-2"):
            Garment.objects.create(brand_id=brand, sku=sku, name=sku, category="top")
        Garment.objects.create(brand_id=world.brand_b.pk, sku="au-2", name="B's", category="top")
        with pytest.raises(RuntimeError) as refused:
            migrate(AFTER)
        assert f"brand {brand}: AU-1, au-1." in str(refused.value)
        assert "AU-2" not in str(refused.value)  # another brand's au-2 is another garment
        Garment.objects.filter(sku="au-1").delete()
    finally:
        migrate(AFTER)
