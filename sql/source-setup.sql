-- Source setup: what the job needs in the database it reads. Safe to run again.
-- Run as a role that may create publications, replication slots and event triggers.

-- 1. Logical decoding must be on.
DO $$
BEGIN
  IF current_setting('wal_level') <> 'logical' THEN
    RAISE EXCEPTION 'wal_level is %, but logical replication needs logical', current_setting('wal_level')
      USING HINT = 'Run ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL.';
  END IF;
END
$$;

-- 2. The replication slot the job reads from; it keeps the WAL until the job has stored it.
--    First, before this transaction writes: a slot cannot be created after a write.
DO $$
DECLARE
  slot record;
BEGIN
  SELECT database, plugin INTO slot FROM pg_replication_slots WHERE slot_name = 'bemi';
  IF FOUND AND (slot.database IS DISTINCT FROM current_database() OR slot.plugin <> 'pgoutput') THEN
    RAISE EXCEPTION 'Replication slot bemi already exists for database % with plugin %, not for % with pgoutput',
      slot.database, slot.plugin, current_database()
      USING HINT = 'Slot names are unique per server: run SELECT pg_drop_replication_slot(''bemi''); in database '
        || coalesce(slot.database, '?') || ' if it is no longer used.';
  END IF;
END
$$;
SELECT pg_create_logical_replication_slot('bemi', 'pgoutput')
 WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = 'bemi');

-- 3. REPLICA IDENTITY FULL, so updates and deletes carry the whole previous row,
--    on every table of schema public now and on those created later.
CREATE OR REPLACE PROCEDURE _bemi_set_replica_identity() AS $$
DECLARE
  tracked regclass;
BEGIN
  FOR tracked IN
    SELECT c.oid::regclass FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relreplident <> 'f'
       -- never the audit trail's own destination (marked by its comment) or its partitions
       AND coalesce(obj_description(coalesce(pg_partition_root(c.oid), c.oid), 'pg_class'), '')
           NOT LIKE 'audit-trail destination%'
  LOOP
    EXECUTE format('ALTER TABLE %s REPLICA IDENTITY FULL', tracked);
  END LOOP;
END
$$ LANGUAGE plpgsql;

-- For a table created later it also adds the table to publication bemi, so the running job reads it at once;
-- the job drops the changes of tables it does not track. Never does it make the CREATE TABLE fail.
CREATE OR REPLACE FUNCTION _bemi_set_replica_identity_func() RETURNS event_trigger AS $$
DECLARE
  created regclass;
BEGIN
  CALL _bemi_set_replica_identity();
  IF EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'bemi' AND NOT puballtables) THEN
    FOR created IN
      SELECT c.oid::regclass FROM pg_class c
       WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
         AND c.relname <> 'changes'
         AND coalesce(obj_description(c.oid, 'pg_class'), '') NOT LIKE 'audit-trail destination%'
         AND NOT EXISTS (SELECT 1 FROM pg_publication_tables t
                          WHERE t.pubname = 'bemi' AND t.schemaname = 'public' AND t.tablename = c.relname)
    LOOP
      EXECUTE format('ALTER PUBLICATION bemi ADD TABLE %s', created);
    END LOOP;
  END IF;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'Could not add the new table to publication bemi (%): it is tracked from the job''s next start.', SQLERRM;
END
$$ LANGUAGE plpgsql;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = '_bemi_set_replica_identity_trigger') THEN
    CREATE EVENT TRIGGER _bemi_set_replica_identity_trigger ON ddl_command_end
      WHEN TAG IN ('CREATE TABLE', 'CREATE TABLE AS')
      EXECUTE FUNCTION _bemi_set_replica_identity_func();
  END IF;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'Not allowed to create event triggers: after creating a table, run CALL _bemi_set_replica_identity();';
END
$$;

CALL _bemi_set_replica_identity();

-- 4. Application context, as Bemi's ORM packages pass it: a row trigger on every tracked table copies the
--    /*Bemi {json} Bemi*/ comment of the statement into the WAL, as a _bemi message just before the row's change.
--    Where a Bemi package's migration created these objects already, they are left as they are.
DO $$
BEGIN
  IF to_regprocedure('_bemi_row_trigger_func()') IS NULL THEN
    CREATE FUNCTION _bemi_row_trigger_func() RETURNS trigger AS $body$
    DECLARE
      _bemi_metadata text;
    BEGIN
      SELECT split_part(split_part(current_query(), '/*Bemi ', 2), ' Bemi*/', 1) INTO _bemi_metadata;
      IF _bemi_metadata <> '' THEN
        PERFORM pg_logical_emit_message(true, '_bemi', _bemi_metadata);
      END IF;
      IF TG_OP = 'DELETE' THEN
        RETURN OLD;
      END IF;
      RETURN NEW;
    END
    $body$ LANGUAGE plpgsql;
  END IF;

  IF to_regprocedure('_bemi_create_triggers()') IS NULL THEN
    CREATE PROCEDURE _bemi_create_triggers() AS $body$
    DECLARE
      tracked record;
    BEGIN
      FOR tracked IN
        SELECT c.oid::regclass AS name, c.relname FROM pg_class c
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
           AND coalesce(obj_description(c.oid, 'pg_class'), '') NOT LIKE 'audit-trail destination%'
           AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = '_bemi_row_trigger_' || c.relname)
      LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION _bemi_row_trigger_func()',
                       '_bemi_row_trigger_' || tracked.relname, tracked.name);
      END LOOP;
    END
    $body$ LANGUAGE plpgsql;
  END IF;

  IF to_regprocedure('_bemi_create_table_trigger_func()') IS NULL THEN
    CREATE FUNCTION _bemi_create_table_trigger_func() RETURNS event_trigger AS $body$
    BEGIN
      CALL _bemi_create_triggers();
    END
    $body$ LANGUAGE plpgsql;
  END IF;
END
$$;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = '_bemi_create_table_trigger') THEN
    CREATE EVENT TRIGGER _bemi_create_table_trigger ON ddl_command_end
      WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION _bemi_create_table_trigger_func();
  END IF;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'Not allowed to create event triggers: after creating a table, run CALL _bemi_create_triggers();';
END
$$;

CALL _bemi_create_triggers();

-- 5. The publication of the tracked tables: by default every table of schema public but the destination.
--    Setup and the job bring its table list in step with --tables and --exclude-tables at every start.
DO $$
DECLARE
  tables text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'bemi') THEN
    SELECT string_agg(c.oid::regclass::text, ', ') INTO tables
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
       AND coalesce(obj_description(c.oid, 'pg_class'), '') NOT LIKE 'audit-trail destination%';
    -- a partitioned table's changes are published under its own name, not its partitions'
    EXECUTE 'CREATE PUBLICATION bemi' || coalesce(' FOR TABLE ' || tables, '') || ' WITH (publish_via_partition_root = true)';
  END IF;
END
$$;
