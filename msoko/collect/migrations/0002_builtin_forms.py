"""The built-in forms of seed 003 (the low-result-schools monitoring, school level)."""

from django.db import migrations


def load(apps, schema_editor):
    from msoko.access.audit import DANGEROUS_unaudited
    from msoko.collect.catalog import load_forms

    # Historical models cannot write audit rows; the forms are the shipped catalog.
    with DANGEROUS_unaudited():
        load_forms(apps.get_model("collect", "DataForm"), apps.get_model("collect", "FormField"))


class Migration(migrations.Migration):
    dependencies = [("collect", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
