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
  "operation" text NOT NULL CHECK ("operation" IN ('CREATE', 'UPDATE', 'DELETE', 'TRUNCATE')),
  "before" jsonb NOT NULL DEFAULT '{}',
  "after" jsonb NOT NULL DEFAULT '{}',
  "context" jsonb NOT NULL DEFAULT '{}',
  "committed_at" timestamptz NOT NULL,
  "queued_at" timestamptz NOT NULL,
  "created_at" timestamptz NOT NULL DEFAULT clock_timestamp(),
  "transaction_id" bigint NOT NULL,
  "position" bigint NOT NULL,
  "fallback_columns" text[],
  PRIMARY KEY ("id", "committed_at")
) PARTITION BY RANGE ("committed_at");
-- the columns of before/after ("(context)" for the context) stored in fallback form, NULL when none; older
-- destinations get the column here
ALTER TABLE changes ADD COLUMN IF NOT EXISTS "fallback_columns" text[];

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

CREATE INDEX IF NOT EXISTS changes_before_idx ON changes USING gin ("before" jsonb_path_ops);
CREATE INDEX IF NOT EXISTS changes_after_idx ON changes USING gin ("after" jsonb_path_ops);
CREATE INDEX IF NOT EXISTS changes_context_idx ON changes USING gin ("context" jsonb_path_ops);
-- the history of one record: database, schema, table, primary key, then time
CREATE INDEX IF NOT EXISTS changes_record_idx
  ON changes ("primary_key", "table", "schema", "database", "committed_at");
CREATE INDEX IF NOT EXISTS changes_committed_at_idx ON changes ("committed_at");

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
     WHERE t.tgrelid IN (SELECT relid FROM pg_partition_tree('changes')) AND t.tgparentid = 0
       AND (t.tgname LIKE '\_bemi\_row\_trigger\_%' OR t.tgfoid IN (SELECT oid FROM pg_proc WHERE proname = '_bemi_row_trigger_func'))
  LOOP
    EXECUTE format('DROP TRIGGER %I ON %s', context_trigger.tgname, context_trigger.relation);
  END LOOP;
  RETURN created;
END
$$;

-- Drops the daily partitions wholly older than keep_days days, and such rows of changes_default.
-- Returns how many partitions it dropped. NULL or 0 keeps everything.
CREATE OR REPLACE FUNCTION changes_apply_retention(keep_days integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  cutoff date;
  partition regclass;
  partition_name text;
  day date;
  dropped integer := 0;
BEGIN
  IF keep_days IS NULL OR keep_days <= 0 THEN
    RETURN 0;
  END IF;
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
      EXECUTE format('DROP TABLE %s', partition);
      dropped := dropped + 1;
    END IF;
  END LOOP;
  DELETE FROM changes_default WHERE "committed_at" < cutoff::timestamp AT TIME ZONE 'UTC';
  RETURN dropped;
END
$$;

SELECT changes_create_partitions(7);
