from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("webhooks", "0002_outbound")]

    operations = [
        migrations.AddField(model_name="webhookendpoint", name="ordered", field=models.BooleanField(default=True)),
        migrations.AddField(model_name="webhookdelivery", name="next_attempt_at",
                            field=models.DateTimeField(blank=True, null=True)),
    ]
