"""Issue #10, item 14: a task's arguments and result are encrypted at rest, and an OCR
task's result keeps only the upload it is about (the fields are re-read from the encrypted
upload when the client polls). Existing rows are converted; reversible (to plain JSON)."""

import json

from django.db import migrations, models

import idrenew.lib.fields


def _rows(schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, name, arguments, result FROM core_taskrecord")
        return cursor.fetchall()


def _load(value):
    if value is None or value == "":
        return None
    return value if isinstance(value, (dict, list)) else json.loads(value)


def encrypt(apps, schema_editor):
    from idrenew.lib.crypto import DecryptionError, decrypt_text, encrypt_text

    def sealed(value):
        return encrypt_text(json.dumps(value, ensure_ascii=False, separators=(",", ":")))

    for pk, name, arguments, result in _rows(schema_editor):
        try:
            decrypt_text(str(arguments))
            continue  # converted already
        except (DecryptionError, ValueError, UnicodeError):
            pass
        args = _load(arguments) or {}
        kept = _load(result)
        if name == "idcard.read" and kept is not None and "upload_id" in args:
            kept = {"upload_id": args["upload_id"]}
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "UPDATE core_taskrecord SET arguments = %s, result = %s WHERE id = %s",
                [sealed(args), None if kept is None else sealed(kept), pk],
            )


def decrypt(apps, schema_editor):
    from idrenew.lib.crypto import decrypt_text

    for pk, _name, arguments, result in _rows(schema_editor):
        plain_args = decrypt_text(arguments) if arguments else "{}"
        plain_result = decrypt_text(result) if result else None
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "UPDATE core_taskrecord SET arguments = %s, result = %s WHERE id = %s",
                [plain_args, plain_result, pk],
            )


class Migration(migrations.Migration):
    dependencies = [("core", "0002_cache_table")]

    operations = [
        migrations.AlterField(
            model_name="taskrecord",
            name="arguments",
            field=idrenew.lib.fields.EncryptedJSONField(default=dict),
        ),
        migrations.AlterField(
            model_name="taskrecord",
            name="result",
            field=idrenew.lib.fields.EncryptedJSONField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="taskrecord",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, db_index=True),
        ),
        migrations.RunPython(encrypt, decrypt),
    ]
