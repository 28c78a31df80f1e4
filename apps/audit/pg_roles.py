"""The PostgreSQL role the app should run as, so that it cannot switch the audit triggers off.

The migration's triggers consult ``audit_append_only_guard`` and can be disabled by the tables' owner
(``ALTER TABLE … DISABLE TRIGGER``, ``DROP TRIGGER``) or a superuser (``session_replication_role``). So
migrations run as the owner and the app as another role: it gets ordinary DML on every table except
these two, where it may only read and append. A compromised app (SQL injection, a stolen
``DATABASE_URL``) then cannot rewrite history; the keyed chain and the checkpoints catch whoever can.
"""

from __future__ import annotations

from django.db import connection

AUDIT_APPEND_ONLY = "audit_auditevent"
GUARD = "audit_append_only_guard"


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def app_role_grants(role: str, *, owner: str | None = None) -> list[str]:
    """Statements the owner runs (after every ``migrate``) to give ``role`` what the app needs."""
    role = _quote(role)
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON {AUDIT_APPEND_ONLY} FROM {role}",
        f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON {GUARD} FROM {role}",
    ]
    if owner:  # tables and sequences that later migrations create
        default = f"ALTER DEFAULT PRIVILEGES FOR ROLE {_quote(owner)} IN SCHEMA public GRANT"
        statements[1:1] = [
            f"{default} SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
            f"{default} USAGE, SELECT, UPDATE ON SEQUENCES TO {role}",
        ]
    return statements


def role_problems(role: str) -> list[str]:
    """Why ``role`` could still disable the triggers (empty when it cannot)."""
    problems = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
        row = cursor.fetchone()
        if row is None:
            return [f"role {role} does not exist"]
        if row[0]:
            problems.append(f"{role} is a superuser")
        for table in (AUDIT_APPEND_ONLY, GUARD):
            cursor.execute(
                "SELECT pg_has_role(%s, tableowner, 'USAGE') FROM pg_tables WHERE tablename = %s", [role, table]
            )
            owns = cursor.fetchone()
            if owns and owns[0]:
                problems.append(f"{role} owns (or is a member of the owner of) {table}")
        for table, privilege in ((AUDIT_APPEND_ONLY, "UPDATE"), (AUDIT_APPEND_ONLY, "DELETE"), (GUARD, "UPDATE")):
            cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [role, table, privilege])
            if cursor.fetchone()[0]:
                problems.append(f"{role} has {privilege} on {table}")
    return problems
