"""Starter terms for protest detentions, and the role groups' permissions on the new models.

Adds the Code of Administrative Offences (a vocabulary of its own) with the articles used
against protesters, the Criminal Code's articles on assemblies, riots and the police, the
event kind "assembly" and the detention steps of administrative outcomes. Each term is created
with its English label and a history row, only when missing (a coordinator may have added or
reworded it); the Russian and Tajik labels are in ``cases/vocabularies_data.py``.
"""

from django.db import migrations
from django.utils import timezone

from monitor.roles import sync_role_groups

REASON = "Starter vocabulary"

# (vocabulary, parent code, code, English label) — frozen here, as a migration must be.
TERMS = (
    ("criminal_article", "tjk-cc", "tjk-cc-160",
     "Art. 160 CC RT — Obstructing an assembly, rally, demonstration, march or picket"),
    ("criminal_article", "tjk-cc", "tjk-cc-188", "Art. 188 CC RT — Mass riots"),
    ("criminal_article", "tjk-cc", "tjk-cc-307-3",
     "Art. 307.3 CC RT — Organising the activity of an extremist organisation"),
    ("criminal_article", "tjk-cc", "tjk-cc-328",
     "Art. 328 CC RT — Violence against a representative of authority"),
    ("criminal_article", "tjk-cc", "tjk-cc-330",
     "Art. 330 CC RT — Insulting a representative of authority"),
    ("administrative_article", "", "tjk-coao",
     "Code of Administrative Offences of the Republic of Tajikistan"),
    ("administrative_article", "tjk-coao", "tjk-coao-460",
     "Art. 460 CoAO RT — Petty hooliganism"),
    ("administrative_article", "tjk-coao", "tjk-coao-478",
     "Art. 478 CoAO RT — Breaking the rules for organising or holding assemblies, rallies, "
     "demonstrations, marches and pickets"),
    ("administrative_article", "tjk-coao", "tjk-coao-479",
     "Art. 479 CoAO RT — Disobeying a lawful order or demand of a police officer"),
    ("event_type", "", "assembly", "Assembly (rally, demonstration, picket, march)"),
    ("detention_step_kind", "", "released_without_charge", "Released without charge"),
    ("detention_step_kind", "", "warning", "Warning"),
    ("detention_step_kind", "", "fined", "Fined"),
    ("detention_step_kind", "", "administrative_arrest", "Administrative arrest"),
    ("detention_step_kind", "", "community_work", "Community work"),
)  # fmt: skip


def add_terms(apps, schema_editor):
    term_model = apps.get_model("monitor", "Term")
    history_model = apps.get_model("monitor", "HistoricalTerm")
    history_fields = {f.attname for f in history_model._meta.fields}
    terms = term_model._base_manager
    now = timezone.now()
    for vocabulary, parent_code, code, label in TERMS:
        if terms.filter(vocabulary=vocabulary, code=code).exists():
            continue
        parent = terms.filter(vocabulary=vocabulary, code=parent_code).first()
        if parent_code and parent is None:
            continue  # the coordinator removed the parent's code: leave the branch out
        siblings = terms.filter(vocabulary=vocabulary, parent=parent)
        position = max(siblings.values_list("position", flat=True), default=0) + 1
        term = term_model(
            vocabulary=vocabulary, code=code, label=label, parent=parent, position=position
        )
        term.save()
        values = {
            f.attname: getattr(term, f.attname)
            for f in term_model._meta.fields
            if f.attname in history_fields
        }
        history_model._base_manager.create(
            **values,
            history_date=now,
            history_type="+",
            history_change_reason=REASON,
            history_user=None,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("monitor", "0003_administrative_articles"),
        ("cases", "0003_protest_detentions"),
    ]

    operations = [
        migrations.RunPython(add_terms, migrations.RunPython.noop),
        migrations.RunPython(sync_role_groups, migrations.RunPython.noop),
    ]
