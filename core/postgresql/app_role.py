"""The application role's bootstrap as one idempotent SQL statement, run by the master user.

The same text runs through a connection (`manage.py create_app_role`, the operator's
tunnel) and through the RDS Data API (the deploy's bootstrap, config/aws_lambda/
bootstrap.py), which reads the master secret server-side and takes one statement with
no parameters: hence a PL/pgSQL DO block, its names embedded as string literals and
quoted as identifiers inside it with format('%I'). Each action is reported with RAISE
NOTICE, which a psycopg connection collects and the Data API drops.
"""

from __future__ import annotations

# The first line of the error the block raises when run as the application role itself.
RUN_AS_MASTER = "Run this as the master user"

_BODY = """
DECLARE
    app_role text := {role};
    iam_role text := {iam_role};
    me text := current_user;
    may_act boolean;
    grant_clause text := '';
    relation record;
BEGIN
    IF app_role = me THEN
        RAISE EXCEPTION '{run_as_master}, not as % itself.', app_role;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = app_role) THEN
        RAISE NOTICE 'Role % exists.', app_role;
    ELSE
        EXECUTE format('CREATE ROLE %I LOGIN', app_role);
        RAISE NOTICE 'Created role % (LOGIN, no password).', app_role;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = iam_role) THEN
        RAISE NOTICE 'No role % here (it exists on RDS only): IAM login not granted.',
            iam_role;
    ELSIF EXISTS (SELECT 1 FROM pg_auth_members m
                JOIN pg_roles member ON member.oid = m.member AND member.rolname = app_role
                JOIN pg_roles parent ON parent.oid = m.roleid AND parent.rolname = iam_role) THEN
        RAISE NOTICE '% is a member of %.', app_role, iam_role;
    ELSE
        EXECUTE format('GRANT %I TO %I', iam_role, app_role);
        RAISE NOTICE 'Granted % to %: it logs in with IAM tokens.', iam_role, app_role;
    END IF;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), app_role);
    EXECUTE format('GRANT USAGE, CREATE ON SCHEMA public TO %I', app_role);
    RAISE NOTICE 'Granted CONNECT on %, USAGE and CREATE on schema public.',
        current_database();
    -- The master must be able to act as the role (`-c role=...`, the operator's tunnel),
    -- so that what it migrates belongs to the application too. From PostgreSQL 16 the
    -- creator of a role is made its admin without the right to act as it (SET FALSE): the
    -- membership that counts is one WITH SET, and the statements naming that option are
    -- built at run time, since earlier servers know no such column or clause.
    IF current_setting('server_version_num')::int >= 160000 THEN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM pg_auth_members m
                            WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = %L)
                              AND m.roleid = (SELECT oid FROM pg_roles WHERE rolname = %L)
                              AND m.set_option)', me, app_role)
            INTO may_act;
        grant_clause := ' WITH SET TRUE';
    ELSE
        may_act := EXISTS (SELECT 1 FROM pg_auth_members m
                           JOIN pg_roles member ON member.oid = m.member AND member.rolname = me
                           JOIN pg_roles parent ON parent.oid = m.roleid
                                               AND parent.rolname = app_role);
    END IF;
    IF NOT may_act THEN
        EXECUTE format('GRANT %I TO %I', app_role, me) || grant_clause;
        RAISE NOTICE 'Made % a member of %.', me, app_role;
    END IF;
    -- Relations first, then the sequences left over: one behind an identity or serial
    -- column follows its table.
    FOR relation IN
        SELECT c.relname,
               CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                              WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'S' THEN 'SEQUENCE'
                              ELSE 'TABLE' END AS kind
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
          AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = me)
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                          AND d.objid = c.oid AND d.deptype IN ('a', 'i'))
        ORDER BY c.relkind = 'S', c.relname
    LOOP
        EXECUTE format('ALTER %s public.%I OWNER TO %I', relation.kind, relation.relname,
                       app_role);
        RAISE NOTICE 'Gave % % to %.', lower(relation.kind), relation.relname, app_role;
    END LOOP;
END
"""


def bootstrap_sql(role: str, iam_role: str = "rds_iam") -> str:
    """Return the DO block that creates `role` and grants it what it lacks.

    `role` gets LOGIN without a password, `iam_role` (RDS's `rds_iam`) when that exists,
    CONNECT on the current database, USAGE and CREATE on schema public, and the relations
    in public that the current user owns; the current user becomes a member of it.
    Running it again changes nothing. It needs no connection to build.

    :raises ValueError: when a name is empty or holds a NUL character.
    """
    for name in (role, iam_role):
        if not name or "\x00" in name:
            raise ValueError(f"Not a role name: {name!r}")
    body = _BODY.format(
        role=quote_literal(role),
        iam_role=quote_literal(iam_role),
        run_as_master=RUN_AS_MASTER,
    )
    return f"DO {dollar_quote(body)}"


def quote_literal(value: str) -> str:
    """Quote `value` as an escape string literal, which reads the same whatever the
    session's standard_conforming_strings."""
    return "E'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def dollar_quote(body: str) -> str:
    """Quote `body` with a dollar tag that does not occur in it."""
    tag = "$bootstrap$"
    n = 0
    while tag in body:
        n += 1
        tag = f"$bootstrap{n}$"
    return f"{tag}{body}{tag}"
