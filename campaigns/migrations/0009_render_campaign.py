import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Q, Subquery


def campaign_of_job(apps, schema_editor):
    Render = apps.get_model("campaigns", "Render")
    RenderJob = apps.get_model("campaigns", "RenderJob")
    Render.objects.update(
        campaign=Subquery(RenderJob.objects.filter(pk=OuterRef("job")).values("campaign")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0008_render_job_brand_finished"),
    ]

    operations = [
        migrations.AddField(
            model_name="render",
            name="campaign",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="campaigns.campaign",
            ),
        ),
        migrations.RunPython(campaign_of_job, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="render",
            name="campaign",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="campaigns.campaign",
            ),
        ),
        migrations.AddIndex(
            model_name="render",
            index=models.Index(
                fields=["campaign", "-shortlisted_at", "-id"],
                condition=Q(shortlisted_at__isnull=False) & ~Q(thumbnail=""),
                name="render_campaign_shortlisted",
            ),
        ),
        migrations.AddIndex(
            model_name="render",
            index=models.Index(
                fields=["campaign", "-created_at", "-id"],
                condition=~Q(thumbnail=""),
                name="render_campaign_newest",
            ),
        ),
    ]
