"""Make the audit table append-only in the database itself, so raw SQL cannot edit history either.

The triggers consult ``audit_append_only_guard`` (one row, ``enforced`` = 1). It exists for the
test suite only, which switches enforcement off so Django can empty tables between transactional
tests. Anyone able to flip it could also drop the triggers; the hash chain still exposes any edit.
"""

from django.db import migrations

GUARD = [
    "CREATE TABLE audit_append_only_guard (enforced integer NOT NULL);",
    "INSERT INTO audit_append_only_guard (enforced) VALUES (1);",
]
SQLITE = [
    *GUARD,
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent "
    "WHEN (SELECT enforced FROM audit_append_only_guard) = 1 "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent "
    "WHEN (SELECT enforced FROM audit_append_only_guard) = 1 "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_event_no_update;",
    "DROP TRIGGER IF EXISTS audit_event_no_delete;",
    "DROP TABLE IF EXISTS audit_append_only_guard;",
]

POSTGRES = [
    *GUARD,
    """
    CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
    BEGIN
        IF (SELECT enforced FROM audit_append_only_guard LIMIT 1) = 1 THEN
            RAISE EXCEPTION 'audit events are append-only';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    "CREATE TRIGGER audit_event_no_update_delete BEFORE UPDATE OR DELETE ON audit_auditevent "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_auditevent "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS audit_event_no_update_delete ON audit_auditevent;",
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;",
    "DROP FUNCTION IF EXISTS audit_event_append_only();",
    "DROP TABLE IF EXISTS audit_append_only_guard;",
]


def _run(statements_by_vendor):
    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        )
    ]
