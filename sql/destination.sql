-- Destination schema: the changes table, its daily partitions and their retention.
-- Safe to run again: every statement checks what is there first.

-- the source's event triggers must not track the table being created (where the destination is the source); an
-- application's own table named changes in a source elsewhere is tracked as any other
SELECT set_config('audit_trail.creating_destination', 'on', false);
CREATE TABLE IF NOT EXISTS changes (
  "id" uuid NOT NULL,
  "database" varchar(255) NOT NULL,
  "schema" varchar(255) NOT NULL,
  "table" varchar(255) NOT NULL,
  "primary_key" varchar(255),
  "operation" text NOT NULL CONSTRAINT changes_operation_check
    CHECK ("operation" IN ('CREATE', 'UPDATE', 'DELETE', 'TRUNCATE', 'SNAPSHOT')),
  "before" jsonb NOT NULL DEFAULT '{}',
  "after" jsonb NOT NULL DEFAULT '{}',
  "context" jsonb NOT NULL DEFAULT '{}',
  "committed_at" timestamptz NOT NULL,
  "queued_at" timestamptz NOT NULL,
  "created_at" timestamptz NOT NULL DEFAULT clock_timestamp(),
  "transaction_id" bigint NOT NULL,
  "position" bigint NOT NULL,
  "fallback_columns" text[],
  "partial" boolean NOT NULL DEFAULT false,
  PRIMARY KEY ("id", "committed_at")
) PARTITION BY RANGE ("committed_at");
-- the columns of before/after ("(context)" for the context) stored in fallback form, NULL when none; older
-- destinations get the column here
ALTER TABLE changes ADD COLUMN IF NOT EXISTS "fallback_columns" text[];
-- true where before or after lacks columns whose values the WAL did not carry (the source table's replica identity
-- was not FULL): such a column is left out of the image, never stored as null; older destinations get the column here
ALTER TABLE changes ADD COLUMN IF NOT EXISTS "partial" boolean NOT NULL DEFAULT false;
-- with --hash-chain: the change's place in its database's hash chain and its link (docs/tamper-evidence.md); NULL
-- without; older destinations get the columns here
ALTER TABLE changes ADD COLUMN IF NOT EXISTS "chain_sequence" bigint;
ALTER TABLE changes ADD COLUMN IF NOT EXISTS "chain_hash" text;
-- after an erasure (docs/erasure.md): per erased value, the commitment its chain link covers and the erasure's number,
-- as {"after": {"email": {"commitment": "...", "erasure": 1}}}; NULL where nothing was erased
ALTER TABLE changes ADD COLUMN IF NOT EXISTS "erased" jsonb;
-- the WAL position of the change's commit, the order PostgreSQL committed in and the hash chain's; NULL for baseline
-- rows and for changes stored before the column was; older destinations get the column here
ALTER TABLE changes ADD COLUMN IF NOT EXISTS "commit_position" bigint;

-- baseline snapshot rows (docs/query.md#baseline) have operation SNAPSHOT; an older destination's check gets it here
-- (once: PostgreSQL checks the rows already stored against the new one)
DO $$
DECLARE
  old_check text;
BEGIN
  SELECT conname INTO old_check FROM pg_constraint
   WHERE conrelid = 'changes'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%operation%'
     AND pg_get_constraintdef(oid) NOT LIKE '%SNAPSHOT%';
  IF old_check IS NOT NULL THEN
    EXECUTE format('ALTER TABLE changes DROP CONSTRAINT %I', old_check);
    ALTER TABLE changes ADD CONSTRAINT changes_operation_check
      CHECK ("operation" IN ('CREATE', 'UPDATE', 'DELETE', 'TRUNCATE', 'SNAPSHOT'));
  END IF;
END
$$;

-- the job recognizes its own destination by this comment and never tracks it
COMMENT ON TABLE changes IS 'audit-trail destination: row changes captured from the WAL';
SELECT set_config('audit_trail.creating_destination', 'off', false);
-- where the destination is the source, the event triggers saw this table before its comment
DO $$
DECLARE
  published regclass;
BEGIN
  FOR published IN
    SELECT r.prrelid::regclass FROM pg_publication_rel r JOIN pg_publication p ON p.oid = r.prpubid
     WHERE p.pubname = 'bemi' AND r.prrelid IN (SELECT relid FROM pg_partition_tree('changes'))
  LOOP
    EXECUTE format('ALTER PUBLICATION bemi DROP TABLE %s', published);
  END LOOP;
END
$$;

-- a change whose day has no partition yet lands here, so a write never fails for want of one
CREATE TABLE IF NOT EXISTS changes_default PARTITION OF changes DEFAULT;

-- the images' values (after @> / @?): left out, or dropped, where setup was told that nobody queries them
-- (--no-image-indexes sets audit_trail.image_indexes to off; docs/query.md#indexes)
DO $$
BEGIN
  IF coalesce(current_setting('audit_trail.image_indexes', true), '') = 'off' THEN
    DROP INDEX IF EXISTS changes_before_idx;
    DROP INDEX IF EXISTS changes_after_idx;
  ELSE
    CREATE INDEX IF NOT EXISTS changes_before_idx ON changes USING gin ("before" jsonb_path_ops);
    CREATE INDEX IF NOT EXISTS changes_after_idx ON changes USING gin ("after" jsonb_path_ops);
  END IF;
END
$$;
CREATE INDEX IF NOT EXISTS changes_context_idx ON changes USING gin ("context" jsonb_path_ops);
-- the changes of one record newest first, and a table's records each newest first (changes_table_at): table and
-- key lead, as every record query names both; it replaces changes_record_idx (key first, time ascending, no position)
CREATE INDEX IF NOT EXISTS changes_table_record_idx
  ON changes ("table", "primary_key", "schema", "database", "committed_at" DESC, "position" DESC);
DROP INDEX IF EXISTS changes_record_idx;
CREATE INDEX IF NOT EXISTS changes_committed_at_idx ON changes ("committed_at");
-- a table's TRUNCATEs, which a table's state and a record's history look for after each change: read through the time
-- index, that look went over every change after it (over a baseline, all at one moment: every row after every row)
CREATE INDEX IF NOT EXISTS changes_truncate_idx ON changes ("database", "committed_at", "position")
  WHERE "primary_key" IS NULL AND "operation" = 'TRUNCATE';
-- a chain in order, for verify and for the job's start (its last link); only chained rows
CREATE INDEX IF NOT EXISTS changes_chain_idx ON changes ("database", "chain_sequence") WHERE "chain_sequence" IS NOT NULL;

SELECT set_config('audit_trail.creating_destination', 'on', false);
-- The schema history (docs/query.md#schema-history): one row per DDL on a tracked table, in WAL order, with the
-- table's columns after it ([{"name", "type", "number"}], the number kept across a rename; [] after DROP TABLE) and
-- the statement's context; a BASELINE row, written by setup, holds a table's columns when setup first found it without
-- history. relation is the table's oid, which a table rename keeps.
CREATE TABLE IF NOT EXISTS schema_changes (
  "id" uuid PRIMARY KEY,
  "database" varchar(255) NOT NULL,
  "schema" varchar(255) NOT NULL,
  "table" varchar(255) NOT NULL,
  "relation" bigint NOT NULL,
  "command" text NOT NULL,
  "columns" jsonb NOT NULL,
  "context" jsonb NOT NULL DEFAULT '{}',
  "committed_at" timestamptz NOT NULL,
  "transaction_id" bigint NOT NULL,
  "position" bigint NOT NULL,
  "created_at" timestamptz NOT NULL DEFAULT clock_timestamp()
);
COMMENT ON TABLE schema_changes IS 'audit-trail destination: each DDL on a tracked table, with its columns after it';
CREATE INDEX IF NOT EXISTS schema_changes_table_idx
  ON schema_changes ("table", "schema", "database", "committed_at" DESC, "position" DESC);
CREATE INDEX IF NOT EXISTS schema_changes_relation_idx
  ON schema_changes ("relation", "database", "committed_at" DESC, "position" DESC);
-- The moment each table's baseline snapshot rows are stamped with (docs/query.md#baseline), taken once per table.
CREATE TABLE IF NOT EXISTS snapshots (
  "database" varchar(255) NOT NULL,
  "schema" varchar(255) NOT NULL,
  "table" varchar(255) NOT NULL,
  "started_at" timestamptz NOT NULL,
  PRIMARY KEY ("database", "schema", "table")
);
COMMENT ON TABLE snapshots IS 'audit-trail destination: the moment of each table''s baseline snapshot';
-- Each baseline snapshot chunk whose rows the sink began to store (by Flink CDC's split id), so that one read again
-- after a restart is told apart from one read the first time.
CREATE TABLE IF NOT EXISTS snapshot_chunks (
  "database" varchar(255) NOT NULL,
  "schema" varchar(255) NOT NULL,
  "table" varchar(255) NOT NULL,
  "split" text NOT NULL,
  "begun_at" timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY ("database", "split")
);
COMMENT ON TABLE snapshot_chunks IS 'audit-trail destination: the baseline snapshot chunks stored';
SELECT set_config('audit_trail.creating_destination', 'off', false);

-- Creates the daily partitions (UTC days) from today to days_ahead days ahead, and those of the past days
-- that have rows waiting in changes_default, moving the rows into them. Returns how many it created.
-- A partition is only ever created as one (never a table attached later), so the source's event triggers never
-- track it; a Bemi package's own _bemi_create_triggers, which knows nothing of the destination, may add its row
-- trigger all the same: it is dropped here.
CREATE OR REPLACE FUNCTION changes_create_partitions(days_ahead integer DEFAULT 7) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  today date := (now() AT TIME ZONE 'UTC')::date;
  day date;
  waiting boolean;
  created integer := 0;
  context_trigger record;
BEGIN
  -- every subtask of the job runs this: one at a time
  PERFORM pg_advisory_xact_lock(hashtext('changes_create_partitions'));
  -- a partition cannot be created while the default partition holds rows of its range: the default steps aside,
  -- in this transaction, which keeps writers waiting until it is back
  waiting := EXISTS (SELECT 1 FROM changes_default);
  IF waiting THEN
    ALTER TABLE changes DETACH PARTITION changes_default;
  END IF;
  FOR day IN
    SELECT generate_series(today, today + days_ahead, interval '1 day')::date
    UNION
    SELECT DISTINCT ("committed_at" AT TIME ZONE 'UTC')::date FROM changes_default
    ORDER BY 1
  LOOP
    IF to_regclass(quote_ident('changes_' || to_char(day, 'YYYYMMDD'))) IS NULL THEN
      EXECUTE format('CREATE TABLE %I PARTITION OF changes FOR VALUES FROM (%L) TO (%L)', 'changes_' || to_char(day, 'YYYYMMDD'),
                     day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC');
      created := created + 1;
    END IF;
  END LOOP;
  IF waiting THEN
    -- every waiting row's day has its partition now
    WITH moved AS (DELETE FROM changes_default RETURNING *) INSERT INTO changes SELECT * FROM moved;
    ALTER TABLE changes ATTACH PARTITION changes_default DEFAULT;
  END IF;
  FOR context_trigger IN
    SELECT t.tgname, t.tgrelid::regclass AS relation FROM pg_trigger t
     WHERE (t.tgrelid IN (SELECT relid FROM pg_partition_tree('changes')) OR t.tgrelid IN (to_regclass('privacy_policies'), to_regclass('erasures'), to_regclass('chain_anchors'),
                         to_regclass('schema_changes'), to_regclass('snapshots'),
                         to_regclass('snapshot_chunks')))
       AND t.tgparentid = 0
       AND (t.tgname LIKE '\_bemi\_row\_trigger\_%' OR t.tgfoid IN (SELECT oid FROM pg_proc WHERE proname = '_bemi_row_trigger_func'))
  LOOP
    EXECUTE format('DROP TRIGGER %I ON %s', context_trigger.tgname, context_trigger.relation);
  END LOOP;
  RETURN created;
END
$$;

-- Drops the daily partitions wholly older than keep_days days, and such rows of changes_default.
-- Returns how many partitions it dropped. NULL or 0 keeps everything.
-- Keeps, per database, the last chain link of the rows about to be dropped (those of relation committed before
-- before, or all where NULL) in chain_anchors, where it is newer than the one kept: verify goes on from it
-- (docs/tamper-evidence.md), and the job signs it where it signs the chain heads.
CREATE OR REPLACE FUNCTION changes_keep_anchor(relation text, before timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('INSERT INTO chain_anchors ("database", "sequence", "hash", "dropped_at")
    SELECT DISTINCT ON ("database") "database", "chain_sequence", "chain_hash", clock_timestamp() FROM %s
     WHERE "chain_sequence" IS NOT NULL AND ($1 IS NULL OR "committed_at" < $1)
     ORDER BY "database", "chain_sequence" DESC
    ON CONFLICT ("database") DO UPDATE SET "sequence" = EXCLUDED."sequence", "hash" = EXCLUDED."hash",
                                           "dropped_at" = EXCLUDED."dropped_at"
     WHERE EXCLUDED."sequence" > chain_anchors."sequence"', relation) USING before;
END
$$;

CREATE OR REPLACE FUNCTION changes_apply_retention(keep_days integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  cutoff date;
  partition regclass;
  partition_name text;
  day date;
  dropped integer := 0;
  creating text := current_setting('audit_trail.creating_destination', true);
BEGIN
  IF keep_days IS NULL OR keep_days <= 0 THEN
    RETURN 0;
  END IF;
  -- where the destination is the source, its dropped partitions are not the schema history's
  PERFORM set_config('audit_trail.creating_destination', 'on', true);
  PERFORM pg_advisory_xact_lock(hashtext('changes_create_partitions'));
  cutoff := (now() AT TIME ZONE 'UTC')::date - keep_days;
  -- only partitions of changes, in whatever schema, dropped by their own oid: never a table of the same name elsewhere
  FOR partition, partition_name IN
    SELECT c.oid::regclass, c.relname FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'changes'::regclass AND c.relname ~ '^changes_[0-9]{8}$'
  LOOP
    BEGIN
      day := to_date(substring(partition_name from 9), 'YYYYMMDD');
    EXCEPTION WHEN OTHERS THEN
      CONTINUE; -- not a date, as in changes_99999999 or changes_20241399: not a daily partition
    END;
    IF day < cutoff AND partition_name = 'changes_' || to_char(day, 'YYYYMMDD') THEN
      PERFORM changes_keep_anchor(partition::text, NULL);
      EXECUTE format('DROP TABLE %s', partition);
      dropped := dropped + 1;
    END IF;
  END LOOP;
  PERFORM changes_keep_anchor('changes_default', cutoff::timestamp AT TIME ZONE 'UTC');
  DELETE FROM changes_default WHERE "committed_at" < cutoff::timestamp AT TIME ZONE 'UTC';
  PERFORM set_config('audit_trail.creating_destination', coalesce(creating, 'off'), true);
  RETURN dropped;
END
$$;

-- Asking the audit trail questions. Each is a SQL function returning rows, called in FROM, so that PostgreSQL
-- inlines it into the calling query: the query's own plan then uses the indexes and prunes the partitions
-- (plpgsql would hide both). A record is its table, schema, database and primary key as stored (a composite key
-- is the JSON array text of changes.primary_key); database_name NULL means any. The last change at a moment is the
-- one with the greatest (committed_at, position). A TRUNCATE change of a table ends every record of it before.

-- The names the table called table_name at as_of has had (schema_changes follows it by its oid through renames), each
-- with the span of the trail it held it in, from (since_at, since_position) up to before (until_at, until_position):
-- the changes stored under those names in those spans are its records'. A first name that setup recorded (BASELINE:
-- the history began after the table) holds from the trail's start.
-- Where the schema history has never seen the name (no event triggers), the name itself, all along.
CREATE OR REPLACE FUNCTION changes_table_names(table_name text, as_of timestamptz, schema_name text, database_name text)
RETURNS TABLE ("database" text, "schema" text, "table" text, "since_at" timestamptz, "since_position" bigint,
               "until_at" timestamptz, "until_position" bigint)
LANGUAGE sql STABLE ROWS 2 AS $$
  SELECT h."database", h."schema", h."table",
         CASE WHEN h."baseline" THEN '-infinity' ELSE h."committed_at" END, CASE WHEN h."baseline" THEN 0 ELSE h."position" END,
         coalesce(h."next_at", 'infinity'), coalesce(h."next_position", 0)
    FROM (SELECT s."database", s."schema", s."table", s."command", s."committed_at", s."position",
                 lag(s."id") OVER w IS NULL AND s."command" = 'BASELINE' AS "baseline",
                 lead(s."committed_at") OVER w AS "next_at", lead(s."position") OVER w AS "next_position"
            FROM schema_changes s
           WHERE (s."relation", s."database") IN
                 -- the tables called so at as_of: a row naming one, with no rename or drop after it by then
                 (SELECT r."relation", r."database" FROM schema_changes r
                   WHERE r."table" = table_name AND r."schema" = schema_name AND r."command" <> 'DROP TABLE'
                     AND (database_name IS NULL OR r."database" = database_name)
                     AND (r."committed_at" <= as_of
                          OR r."command" = 'BASELINE' AND NOT EXISTS (SELECT FROM schema_changes e
                                          WHERE e."relation" = r."relation" AND e."database" = r."database"
                                            AND (e."committed_at", e."position") < (r."committed_at", r."position")))
                     AND NOT EXISTS (SELECT FROM schema_changes l
                                      WHERE l."relation" = r."relation" AND l."database" = r."database"
                                        AND l."committed_at" <= as_of
                                        AND (l."committed_at", l."position") > (r."committed_at", r."position")
                                        AND (l."table" <> r."table" OR l."schema" <> r."schema" OR l."command" = 'DROP TABLE')))
          WINDOW w AS (PARTITION BY s."database", s."relation" ORDER BY s."committed_at", s."position")) h
   WHERE h."command" <> 'DROP TABLE'
  UNION ALL
  SELECT database_name, schema_name, table_name, '-infinity', 0, 'infinity', 0
   WHERE NOT EXISTS (SELECT FROM schema_changes s
                      WHERE s."table" = table_name AND s."schema" = schema_name
                        AND (database_name IS NULL OR s."database" = database_name))
$$;

-- An image written at (image_at, image_position), as the table's columns were at as_of (schema_changes): a column
-- renamed since under its new name, one dropped since left out, one added since as null; NULL where the table had
-- been dropped by then; the image as stored where the schema history does not cover both moments.
CREATE OR REPLACE FUNCTION changes_columns_at(database_name text, schema_name text, table_name text,
                                              image_at timestamptz, image_position bigint, as_of timestamptz,
                                              image jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN written IS NULL OR shown IS NULL OR written."id" = shown."id" THEN image
              WHEN shown."command" = 'DROP TABLE' THEN NULL
              -- a column the image left out (unchanged TOAST, partial image) stays out; one added since is null
              ELSE (SELECT coalesce(jsonb_object_agg(n."name", image -> n."then"), '{}')
                      FROM (SELECT now_column->>'name' AS "name", then_column->>'name' AS "then"
                              FROM jsonb_array_elements(shown."columns") now_column
                              LEFT JOIN jsonb_array_elements(written."columns") then_column
                                ON then_column->'number' = now_column->'number') n
                     WHERE n."then" IS NULL OR image ? n."then")
         END
    FROM (SELECT) one
    LEFT JOIN LATERAL (SELECT * FROM schema_changes s
                        WHERE s."table" = table_name AND s."schema" = schema_name AND s."database" = database_name
                          AND (s."committed_at", s."position") <= (image_at, image_position)
                        ORDER BY s."committed_at" DESC, s."position" DESC LIMIT 1) written ON true
    -- the same table (its oid) at as_of, whatever its name then
    LEFT JOIN LATERAL (SELECT * FROM schema_changes s
                        WHERE s."relation" = written."relation" AND s."database" = database_name
                          AND s."committed_at" <= as_of
                        ORDER BY s."committed_at" DESC, s."position" DESC LIMIT 1) shown ON true
$$;

-- A record as of a moment: the "after" of its last change at or before as_of, with the columns the table had then
-- (changes_columns_at); no row if it did not exist then. The table is the one called table_name at as_of, its changes
-- found under each name it has had (changes_table_names).
CREATE OR REPLACE FUNCTION changes_record_at(table_name text, key text, as_of timestamptz,
                                             schema_name text DEFAULT 'public', database_name text DEFAULT NULL)
RETURNS TABLE ("primary_key" varchar, "after" jsonb, "changed_at" timestamptz, "change_id" uuid)
LANGUAGE sql STABLE AS $$
  SELECT c."primary_key", a."after", c."committed_at", c."id"
    FROM (SELECT o.* FROM changes_table_names(table_name, as_of, schema_name, database_name) n
            JOIN changes o ON o."table" = n."table" AND o."schema" = n."schema"
                          AND o."database" = coalesce(n."database", o."database")
           WHERE o."primary_key" = key AND o."committed_at" <= as_of
             AND (o."committed_at", o."position") >= (n."since_at", n."since_position")
             AND (o."committed_at", o."position") < (n."until_at", n."until_position")
           ORDER BY o."committed_at" DESC, o."position" DESC
           LIMIT 1) c
   CROSS JOIN LATERAL (SELECT changes_columns_at(c."database", c."schema", c."table", c."committed_at", c."position",
                                                 as_of, c."after") AS "after") a
   WHERE c."operation" IN ('CREATE', 'UPDATE', 'SNAPSHOT') AND a."after" IS NOT NULL
     AND NOT EXISTS (SELECT FROM changes_table_names(table_name, as_of, schema_name, database_name) n
                       JOIN changes t ON t."table" = n."table" AND t."schema" = n."schema" AND t."database" = c."database"
                      WHERE t."primary_key" IS NULL AND t."operation" = 'TRUNCATE'
                        AND t."committed_at" >= c."committed_at" AND t."committed_at" <= as_of
                        AND (t."committed_at", t."position") > (c."committed_at", c."position")
                        AND (t."committed_at", t."position") >= (n."since_at", n."since_position")
                        AND (t."committed_at", t."position") < (n."until_at", n."until_position"))
$$;

-- A table as of a moment: every record that existed then (a table without primary key has none), with its values, in
-- the columns the table had then (changes_columns_at); the table as changes_record_at finds it.
CREATE OR REPLACE FUNCTION changes_table_at(table_name text, as_of timestamptz,
                                            schema_name text DEFAULT 'public', database_name text DEFAULT NULL)
RETURNS TABLE ("database" varchar, "primary_key" varchar, "after" jsonb, "changed_at" timestamptz, "change_id" uuid)
LANGUAGE sql STABLE AS $$
  SELECT c."database", c."primary_key", a."after", c."committed_at", c."id"
    FROM (SELECT DISTINCT ON (o."primary_key", o."database") o.*
            FROM changes_table_names(table_name, as_of, schema_name, database_name) n
            JOIN changes o ON o."table" = n."table" AND o."schema" = n."schema"
                          AND o."database" = coalesce(n."database", o."database")
           WHERE o."primary_key" IS NOT NULL AND o."committed_at" <= as_of
             AND (o."committed_at", o."position") >= (n."since_at", n."since_position")
             AND (o."committed_at", o."position") < (n."until_at", n."until_position")
           ORDER BY o."primary_key", o."database", o."committed_at" DESC, o."position" DESC) c
   CROSS JOIN LATERAL (SELECT changes_columns_at(c."database", c."schema", c."table", c."committed_at", c."position",
                                                 as_of, c."after") AS "after") a
   WHERE c."operation" IN ('CREATE', 'UPDATE', 'SNAPSHOT') AND a."after" IS NOT NULL
     AND NOT EXISTS (SELECT FROM changes_table_names(table_name, as_of, schema_name, database_name) n
                       JOIN changes t ON t."table" = n."table" AND t."schema" = n."schema" AND t."database" = c."database"
                      WHERE t."primary_key" IS NULL AND t."operation" = 'TRUNCATE'
                        AND t."committed_at" >= c."committed_at" AND t."committed_at" <= as_of
                        AND (t."committed_at", t."position") > (c."committed_at", c."position")
                        AND (t."committed_at", t."position") >= (n."since_at", n."since_position")
                        AND (t."committed_at", t."position") < (n."until_at", n."until_position"))
$$;

-- A record's history, oldest first: each change's time, operation, context, and only the columns it changed, as
-- {"column": {"before": old, "after": new}} (no "before" on CREATE, no "after" on DELETE). A TRUNCATE of its table that
-- ended the record is in it too, with the record's last values as before (primary_key NULL in changes), where the
-- record's last change before it is in [since, until] (so the query reads only those days). A change of the primary
-- key is stored as the old key's DELETE and the new key's CREATE at one position: next_key on that DELETE names the
-- new key, previous_key on that CREATE the old one, to follow the record across it. The table is the one called
-- table_name at until (or now), its changes found under every name it has had (changes_table_names).
CREATE OR REPLACE FUNCTION changes_record_history(table_name text, key text,
                                                  since timestamptz DEFAULT '-infinity', until timestamptz DEFAULT 'infinity',
                                                  schema_name text DEFAULT 'public', database_name text DEFAULT NULL)
RETURNS TABLE ("committed_at" timestamptz, "operation" text, "context" jsonb, "changed" jsonb,
               "previous_key" varchar, "next_key" varchar, "transaction_id" bigint, "position" bigint, "change_id" uuid)
LANGUAGE sql STABLE AS $$
  SELECT c."committed_at", c."operation", c."context",
         (SELECT coalesce(jsonb_object_agg(k.name,
                   CASE WHEN c."before" ? k.name THEN jsonb_build_object('before', c."before" -> k.name) ELSE '{}' END
                   || CASE WHEN c."after" ? k.name THEN jsonb_build_object('after', c."after" -> k.name) ELSE '{}' END), '{}')
            FROM (SELECT jsonb_object_keys(c."before") UNION SELECT jsonb_object_keys(c."after")) k(name)
           WHERE (c."before" -> k.name) IS DISTINCT FROM (c."after" -> k.name)),
         CASE WHEN c."operation" = 'CREATE' THEN
           (SELECT o."primary_key" FROM changes o
             WHERE o."committed_at" = c."committed_at" AND o."position" = c."position" AND o."transaction_id" = c."transaction_id"
               AND o."table" = c."table" AND o."schema" = c."schema" AND o."database" = c."database"
               AND o."operation" = 'DELETE' AND o."primary_key" <> c."primary_key"
               AND o."committed_at" >= since AND o."committed_at" <= until LIMIT 1) END,
         CASE WHEN c."operation" = 'DELETE' THEN
           (SELECT o."primary_key" FROM changes o
             WHERE o."committed_at" = c."committed_at" AND o."position" = c."position" AND o."transaction_id" = c."transaction_id"
               AND o."table" = c."table" AND o."schema" = c."schema" AND o."database" = c."database"
               AND o."operation" = 'CREATE' AND o."primary_key" <> c."primary_key"
               AND o."committed_at" >= since AND o."committed_at" <= until LIMIT 1) END,
         c."transaction_id", c."position", c."id"
    FROM (SELECT o."committed_at", o."operation", o."context", o."before", o."after", o."primary_key", o."table",
                 o."schema", o."database", o."transaction_id", o."position", o."id"
            FROM changes_table_names(table_name, least(until, now()), schema_name, database_name) n
            JOIN changes o ON o."table" = n."table" AND o."schema" = n."schema"
                          AND o."database" = coalesce(n."database", o."database")
           WHERE o."primary_key" = key AND o."committed_at" >= since AND o."committed_at" <= until
             AND (o."committed_at", o."position") >= (n."since_at", n."since_position")
             AND (o."committed_at", o."position") < (n."until_at", n."until_position")
          UNION ALL
          -- a TRUNCATE of the table, where it ended the record (its last change before was a CREATE or UPDATE, with
          -- no TRUNCATE between): its before is the record's last image
          SELECT t."committed_at", t."operation", t."context", p."after", '{}'::jsonb, key::varchar, t."table",
                 t."schema", t."database", t."transaction_id", t."position", t."id"
            FROM changes t
            CROSS JOIN LATERAL (SELECT l."operation", l."after", l."committed_at", l."position" FROM changes l
                                 WHERE l."table" = t."table" AND l."primary_key" = key AND l."schema" = t."schema"
                                   AND l."database" = t."database" AND l."committed_at" <= t."committed_at"
                                   AND l."committed_at" >= since AND l."committed_at" <= until
                                   AND (l."committed_at", l."position") < (t."committed_at", t."position")
                                 ORDER BY l."committed_at" DESC, l."position" DESC
                                 LIMIT 1) p
            JOIN changes_table_names(table_name, least(until, now()), schema_name, database_name) n
              ON t."table" = n."table" AND t."schema" = n."schema" AND t."database" = coalesce(n."database", t."database")
             AND (t."committed_at", t."position") >= (n."since_at", n."since_position")
             AND (t."committed_at", t."position") < (n."until_at", n."until_position")
           WHERE t."primary_key" IS NULL AND t."operation" = 'TRUNCATE'
             AND t."committed_at" >= since AND t."committed_at" <= until
             AND p."operation" IN ('CREATE', 'UPDATE', 'SNAPSHOT')
             AND NOT EXISTS (SELECT FROM changes e
                              WHERE e."table" = t."table" AND e."primary_key" IS NULL AND e."schema" = t."schema"
                                AND e."database" = t."database" AND e."operation" = 'TRUNCATE'
                                AND e."committed_at" >= p."committed_at" AND e."committed_at" <= t."committed_at"
                                AND e."committed_at" >= since AND e."committed_at" <= until
                                AND (e."committed_at", e."position") > (p."committed_at", p."position")
                                AND (e."committed_at", e."position") < (t."committed_at", t."position"))) c
   ORDER BY c."committed_at", c."position"
$$;

-- The changes made with one context, across all tables, oldest first: context_match is contained in their context,
-- as in changes_by_context('{"request_id": "a1b2"}').
CREATE OR REPLACE FUNCTION changes_by_context(context_match jsonb,
                                              since timestamptz DEFAULT '-infinity', until timestamptz DEFAULT 'infinity')
RETURNS SETOF changes
LANGUAGE sql STABLE AS $$
  SELECT * FROM changes
   WHERE "context" @> context_match AND "committed_at" >= since AND "committed_at" <= until
   ORDER BY "committed_at", "position"
$$;

-- Undo, reviewed (docs/query.md#undo): the SQL that reverts a set of changes in the source database, newest first, in
-- one transaction, under a Bemi context naming what it reverts (so the revert is in the trail too). Each statement
-- finds its row by every column of the image the change left and stops the whole revert where the row is no longer
-- so (changed again since: a conflict, never a silent overwrite); values come back through jsonb_populate_record, the
-- inverse of the to_jsonb form they are stored in. Changes it cannot revert exactly are refused with the reason.
CREATE OR REPLACE FUNCTION changes_revert_sql(change_ids uuid[], what text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
  c changes;
  relation text;
  record_name text;
  statement text;
  assignments text;
  columns text;
  matching text;
  body text := '';
  reverted integer := 0;
  conflicts text;
  tag text := 'revert';
  context text;
BEGIN
  FOR c IN SELECT * FROM changes WHERE "id" = ANY(change_ids)
            ORDER BY "committed_at" DESC, "transaction_id" DESC, "position" DESC, ("operation" = 'CREATE') DESC LOOP
    relation := format('%I.%I', c."schema", c."table");
    record_name := c."schema" || '.' || c."table" || coalesce(' key ' || c."primary_key", '');
    IF c."operation" = 'SNAPSHOT' THEN
      RAISE EXCEPTION 'Cannot revert % (the baseline of %): a baseline is the record''s state when its snapshot was taken, not a change; choose a moment after it', c."id", record_name;
    ELSIF c."operation" = 'TRUNCATE' THEN
      RAISE EXCEPTION 'Cannot revert change % (TRUNCATE of %.%): the trail holds no statements for it, only the rows before it (changes_table_at)', c."id", c."schema", c."table";
    ELSIF c."partial" THEN
      RAISE EXCEPTION 'Cannot revert change % of %: the WAL did not carry all its values (partial image, docs/values.md)', c."id", record_name;
    ELSIF c."fallback_columns" IS NOT NULL THEN
      RAISE EXCEPTION 'Cannot revert change % of %: columns % are stored in fallback form, not exactly', c."id", record_name, c."fallback_columns";
    ELSIF c."erased" IS NOT NULL AND (c."erased" ? 'before' OR c."erased" ? 'after') THEN
      RAISE EXCEPTION 'Cannot revert change % of %: values of it were erased (docs/erasure.md)', c."id", record_name;
    END IF;
    -- each column as the change left it: the same value read back, or (a json or jsonb null, which the stored form
    -- cannot tell from NULL) the same stored form
    SELECT string_agg(format('(to_jsonb(t.%1$I) IS NOT DISTINCT FROM to_jsonb(a.%1$I) OR to_jsonb(t.%1$I) = %2$L::jsonb)',
                             k, c."after" -> k), ' AND ' ORDER BY k)
      INTO matching FROM jsonb_object_keys(CASE WHEN c."operation" = 'DELETE' THEN '{}' ELSE c."after" END) AS k;
    IF c."operation" = 'CREATE' THEN
      statement := format('DELETE FROM %s AS t USING jsonb_populate_record(NULL::%s, %L::jsonb) AS a WHERE %s',
                          relation, relation, c."after", matching);
    ELSIF c."operation" = 'UPDATE' THEN
      SELECT string_agg(format('%1$I = b.%1$I', k), ', ' ORDER BY k) INTO assignments
        FROM jsonb_object_keys(c."before") AS k WHERE c."before" -> k IS DISTINCT FROM c."after" -> k;
      CONTINUE WHEN assignments IS NULL; -- it changed no value: nothing to set back
      statement := format('UPDATE %s AS t SET %s FROM jsonb_populate_record(NULL::%s, %L::jsonb) AS b,'
                          ' jsonb_populate_record(NULL::%s, %L::jsonb) AS a WHERE %s',
                          relation, assignments, relation, c."before", relation, c."after", matching);
    ELSE
      SELECT string_agg(format('%I', k), ', ' ORDER BY k) INTO columns FROM jsonb_object_keys(c."before") AS k;
      statement := format('INSERT INTO %s (%s) SELECT %s FROM jsonb_populate_record(NULL::%s, %L::jsonb)',
                          relation, columns, columns, relation, c."before");
    END IF;
    -- the RAISE's message: its one placeholder is the row count; a % of a name or key doubled
    body := body || format(E'  %s;\n  GET DIAGNOSTICS revert_rows = ROW_COUNT;\n  IF revert_rows <> 1 THEN\n    RAISE EXCEPTION %L, revert_rows;\n  END IF;\n',
                           statement,
                           replace(format('Conflict: %s was changed after change %s (%s at %s): ', record_name, c."id",
                                          c."operation", c."committed_at"), '%', '%%')
                           || '% rows are as it left it; nothing was reverted');
    reverted := reverted + 1;
  END LOOP;
  IF reverted = 0 THEN
    RETURN '-- Nothing to revert: no change found, or none that changed a value' || E'\n';
  END IF;
  -- the trail's own list: the records changed again after the last reverted change of each, by other changes
  SELECT string_agg(format('--   %s.%s key %s: %s at %s (change %s)', l."schema", l."table", l."primary_key",
                           l."operation", l."committed_at", l."id"), E'\n' ORDER BY l."committed_at", l."position")
    INTO conflicts
    FROM changes l
    JOIN (SELECT r."database", r."schema", r."table", r."primary_key", max(r."committed_at") AS "at"
            FROM changes r WHERE r."id" = ANY(change_ids) AND r."primary_key" IS NOT NULL
           GROUP BY 1, 2, 3, 4) last
      ON l."database" = last."database" AND l."schema" = last."schema" AND l."table" = last."table"
     AND l."primary_key" = last."primary_key" AND l."committed_at" > last."at"
   WHERE NOT (l."id" = ANY(change_ids));
  context := replace(jsonb_build_object('reverts', coalesce(what, reverted || ' changes'), 'changes', reverted)::text,
                     '*/', '*\/');
  WHILE position('$' || tag || '$' IN body) > 0 LOOP
    tag := tag || '_';
  END LOOP;
  RETURN format(E'-- Reverts %s: %s changes, newest first. Run it in the source database.\n', coalesce(what, 'changes'), reverted)
      || CASE WHEN conflicts IS NULL THEN ''
              ELSE E'-- CONFLICTS: changed again after what this reverts, so the statements below stop at them:\n'
                   || conflicts || E'\n' END
      -- a column of a reverted table may have any name: in its statements, the column wins
      || format(E'BEGIN;\nDO $%s$\n#variable_conflict use_column\nDECLARE\n  revert_rows bigint;\nBEGIN\n%sEND\n$%s$ /*Bemi %s Bemi*/;\nCOMMIT;\n', tag, body, tag, context);
END
$$;

CREATE OR REPLACE FUNCTION changes_revert_transaction_sql(database_name text, transaction bigint) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT changes_revert_sql(array_agg("id"), 'transaction ' || transaction || ' of ' || database_name)
    FROM changes WHERE "database" = database_name AND "transaction_id" = transaction
$$;

CREATE OR REPLACE FUNCTION changes_revert_context_sql(context_match jsonb,
                                                      since timestamptz DEFAULT '-infinity', until timestamptz DEFAULT 'infinity')
RETURNS text LANGUAGE sql STABLE AS $$
  SELECT changes_revert_sql(array_agg("id"), 'the changes made under context ' || context_match::text)
    FROM changes_by_context(context_match, since, until)
$$;

-- A record, or every record of a table, back to its state at as_of: the revert of every change made to it since
CREATE OR REPLACE FUNCTION changes_restore_record_sql(table_name text, key text, as_of timestamptz,
                                                      schema_name text DEFAULT 'public', database_name text DEFAULT NULL)
RETURNS text LANGUAGE sql STABLE AS $$
  SELECT changes_revert_sql(array_agg("id"), schema_name || '.' || table_name || ' key ' || key || ' to ' || as_of)
    FROM changes WHERE "table" = table_name AND "primary_key" = key AND "schema" = schema_name
                   AND (database_name IS NULL OR "database" = database_name) AND "committed_at" > as_of
$$;

CREATE OR REPLACE FUNCTION changes_restore_table_sql(table_name text, as_of timestamptz,
                                                     schema_name text DEFAULT 'public', database_name text DEFAULT NULL)
RETURNS text LANGUAGE sql STABLE AS $$
  SELECT changes_revert_sql(array_agg("id"), schema_name || '.' || table_name || ' to ' || as_of)
    FROM changes WHERE "table" = table_name AND "schema" = schema_name
                   AND (database_name IS NULL OR "database" = database_name) AND "committed_at" > as_of
$$;

-- The hash chain checked in SQL (docs/tamper-evidence.md): the canonical JSON of a value, one link, and changes_verify,
-- which walks a database's chain, or its part committed in a time range, and returns the first bad change.
CREATE OR REPLACE FUNCTION changes_canonical_json(value jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  -- jsonb prints scalars as the form wants them; objects need their keys in code point order ("C") and no spaces
  CASE jsonb_typeof(value)
  WHEN 'object' THEN
    RETURN '{' || coalesce((SELECT string_agg(to_jsonb(k)::text || ':' || changes_canonical_json(value -> k), ','
                                              ORDER BY k COLLATE "C")
                              FROM jsonb_object_keys(value) AS k), '') || '}';
  WHEN 'array' THEN
    RETURN '[' || coalesce((SELECT string_agg(changes_canonical_json(a.e), ',' ORDER BY a.i)
                              FROM jsonb_array_elements(value) WITH ORDINALITY AS a(e, i)), '') || ']';
  ELSE
    RETURN value::text;
  END CASE;
END
$$;

-- An image's or a context's commitments; an erased value (the marker) enters as the commitment its erasure kept
CREATE OR REPLACE FUNCTION changes_commitments(image jsonb, erased jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(jsonb_object_agg(e.key,
           CASE WHEN e.value = '"[erased]"'::jsonb AND jsonb_typeof(erased -> e.key -> 'commitment') = 'string'
                THEN erased -> e.key ->> 'commitment'
                ELSE encode(sha256(convert_to('[' || to_jsonb(e.key)::text || ',' || changes_canonical_json(e.value) || ']',
                                              'UTF8')), 'hex') END), '{}')
    FROM jsonb_each(CASE WHEN jsonb_typeof(image) = 'object' THEN image ELSE '{}' END) AS e
$$;

CREATE OR REPLACE FUNCTION changes_chain_link(previous text, c changes) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT encode(sha256(convert_to(changes_canonical_json(jsonb_build_array(
           'audit-trail-chain-1', previous, c."chain_sequence", c."id", c."database", c."schema", c."table", c."primary_key",
           c."operation", (extract(epoch FROM c."committed_at") * 1000000)::bigint, c."transaction_id", c."position",
           c."partial", to_jsonb(c."fallback_columns"), changes_commitments(c."before", c."erased" -> 'before'),
           changes_commitments(c."after", c."erased" -> 'after'), changes_commitments(c."context", c."erased" -> 'context'))),
         'UTF8')), 'hex')
$$;

CREATE OR REPLACE FUNCTION changes_verify(database_name text, since timestamptz DEFAULT '-infinity',
                                          until timestamptz DEFAULT 'infinity')
RETURNS TABLE ("intact" boolean, "checked" bigint, "first_sequence" bigint, "last_sequence" bigint, "kind" text,
               "sequence" bigint, "change_id" uuid, "detail" text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  r changes;
  previous text;
  expected bigint;
  n bigint := 0;
  from_sequence bigint;
  to_sequence bigint;
  started timestamptz;
  unlinked uuid;
  anchor_sequence bigint;
BEGIN
  SELECT min(c."chain_sequence") INTO from_sequence FROM changes c
   WHERE c."database" = database_name AND c."chain_sequence" IS NOT NULL AND c."committed_at" >= since;
  SELECT max(c."chain_sequence") INTO to_sequence FROM changes c
   WHERE c."database" = database_name AND c."chain_sequence" IS NOT NULL AND c."committed_at" <= until;
  IF from_sequence IS NULL OR to_sequence IS NULL OR to_sequence < from_sequence THEN
    RETURN QUERY SELECT true, 0::bigint, NULL::bigint, NULL::bigint, NULL::text, NULL::bigint, NULL::uuid,
                        'no chained changes'::text;
    RETURN;
  END IF;
  -- the link before the first change checked is taken on trust: the chain's start, or the range's predecessor
  IF from_sequence = 1 THEN
    previous := repeat('0', 64);
  ELSE
    SELECT c."chain_hash" INTO previous FROM changes c
     WHERE c."database" = database_name AND c."chain_sequence" = from_sequence - 1 LIMIT 1;
    IF previous IS NULL THEN
      -- the changes before were dropped: the retention's anchor holds their last link
      SELECT a."sequence", a."hash" INTO anchor_sequence, previous FROM chain_anchors a WHERE a."database" = database_name;
      IF anchor_sequence < from_sequence - 1 THEN
        RETURN QUERY SELECT false, 0::bigint, from_sequence, to_sequence,
                            CASE WHEN anchor_sequence = from_sequence - 2 THEN 'deleted' ELSE 'missing range' END,
                            anchor_sequence + 1, NULL::uuid,
                            'no change at sequence numbers ' || (anchor_sequence + 1) || ' to ' || (from_sequence - 1)
                            || ', after the retention anchor';
        RETURN;
      ELSIF anchor_sequence IS DISTINCT FROM from_sequence - 1 THEN
        previous := NULL;
      END IF;
    END IF;
  END IF;
  expected := from_sequence;
  FOR r IN SELECT * FROM changes c WHERE c."database" = database_name
                                     AND c."chain_sequence" BETWEEN from_sequence AND to_sequence
            ORDER BY c."database", c."chain_sequence" LOOP
    IF r."chain_sequence" < expected THEN
      RETURN QUERY SELECT false, n, from_sequence, to_sequence, 'inserted'::text, r."chain_sequence", r."id",
                          'a second change at this sequence number'::text;
      RETURN;
    ELSIF r."chain_sequence" > expected THEN
      RETURN QUERY SELECT false, n, from_sequence, to_sequence,
                          CASE WHEN r."chain_sequence" = expected + 1 THEN 'deleted' ELSE 'missing range' END,
                          expected, NULL::uuid,
                          'no change at sequence numbers ' || expected || ' to ' || (r."chain_sequence" - 1);
      RETURN;
    ELSIF previous IS NOT NULL AND changes_chain_link(previous, r) IS DISTINCT FROM r."chain_hash" THEN
      RETURN QUERY SELECT false, n, from_sequence, to_sequence, 'modified'::text, r."chain_sequence", r."id",
                          'its values or its link differ from what was chained'::text;
      RETURN;
    END IF;
    previous := r."chain_hash";
    expected := expected + 1;
    n := n + 1;
    started := coalesce(started, r."committed_at");
  END LOOP;
  -- a change without a link committed since the chain began: inserted by hand, or stored while not chaining
  SELECT c."id" INTO unlinked FROM changes c
   WHERE c."committed_at" >= started AND c."committed_at" <= until AND c."database" = database_name
     AND c."chain_sequence" IS NULL LIMIT 1;
  IF unlinked IS NOT NULL THEN
    RETURN QUERY SELECT false, n, from_sequence, to_sequence, 'inserted'::text, NULL::bigint, unlinked,
                        'a change without a link, committed after the chain began'::text;
    RETURN;
  END IF;
  RETURN QUERY SELECT true, n, from_sequence, to_sequence, NULL::text, NULL::bigint, NULL::uuid, NULL::text;
END
$$;

-- The privacy policy each start applied, a row where it differs from the one before (docs/privacy.md): the rules
-- as JSON, their SHA-256, and an id of the hash key (a SHA-256 of it, never the key), so that a change of policy or of
-- key is in the trail with its time.
-- Marked as the destination's (as changes is, by its comment), so that a source that is also the destination never
-- tracks it.
SELECT set_config('audit_trail.creating_destination', 'on', false);
CREATE TABLE IF NOT EXISTS privacy_policies (
  "applied_at" timestamptz NOT NULL DEFAULT clock_timestamp(),
  "policy" jsonb NOT NULL,
  "sha256" text NOT NULL,
  "hash_key_id" text
);
COMMENT ON TABLE privacy_policies IS 'audit-trail destination: the privacy policy of each start that changed it';
-- The receipt of each erasure (docs/erasure.md), a hash chain of their own: hash is the SHA-256 of the canonical form
-- of the fields and the previous receipt's hash; digest covers every value the erasure replaced.
CREATE TABLE IF NOT EXISTS erasures (
  "sequence" bigint PRIMARY KEY,
  "id" uuid NOT NULL UNIQUE,
  "database" varchar(255) NOT NULL,
  "erased_at" timestamptz NOT NULL,
  "erased_by" text NOT NULL,
  "reason" text NOT NULL,
  "subject" jsonb NOT NULL,
  "scope" jsonb NOT NULL,
  "change_count" bigint NOT NULL,
  "value_count" bigint NOT NULL,
  "digest" text NOT NULL,
  "hash" text NOT NULL
);
COMMENT ON TABLE erasures IS 'audit-trail destination: the receipt of each erasure';
-- Per database, the last chain link of the changes a retention dropped (docs/tamper-evidence.md)
CREATE TABLE IF NOT EXISTS chain_anchors (
  "database" varchar(255) PRIMARY KEY,
  "sequence" bigint NOT NULL,
  "hash" text NOT NULL,
  "dropped_at" timestamptz NOT NULL
);
COMMENT ON TABLE chain_anchors IS 'audit-trail destination: the last chain link a retention dropped';
SELECT set_config('audit_trail.creating_destination', 'off', false);

SELECT changes_create_partitions(7);
