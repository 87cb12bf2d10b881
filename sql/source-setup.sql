-- Source setup: what the job needs in the database it reads. Safe to run again.
-- Run as a role that may create publications, replication slots and event triggers.

-- 1. Logical decoding must be on.
DO $$
BEGIN
  IF current_setting('wal_level') <> 'logical' THEN
    RAISE EXCEPTION 'wal_level is %, but logical replication needs logical', current_setting('wal_level')
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Run ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL (managed platforms: see docs/connect.md, Managed platforms).';
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
--    Only permanent tables: the changes of an UNLOGGED or temporary table are not in the WAL, and a foreign
--    table's rows live in another database; setup and the event trigger skip them, saying so once.
CREATE OR REPLACE PROCEDURE _bemi_set_replica_identity() AS $$
DECLARE
  tracked regclass;
BEGIN
  FOR tracked IN
    SELECT c.oid::regclass FROM pg_class c
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND c.relpersistence = 'p' AND c.relreplident <> 'f'
       -- never the audit trail's own destination (marked by its comment) or its partitions
       AND coalesce(obj_description(coalesce(pg_partition_root(c.oid), c.oid), 'pg_class'), '')
           NOT LIKE 'audit-trail destination%'
  LOOP
    EXECUTE format('ALTER TABLE %s REPLICA IDENTITY FULL', tracked);
  END LOOP;
  -- and into publication bemi, as the event trigger does for a new table, so a role that creates tables without it
  -- gets them captured by calling this procedure (the job drops the changes of tables it does not track)
  IF EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'bemi' AND NOT puballtables) THEN
    FOR tracked IN
      SELECT c.oid::regclass FROM pg_class c
       WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND c.relpersistence = 'p'
         AND NOT c.relispartition
         AND coalesce(obj_description(c.oid, 'pg_class'), '') NOT LIKE 'audit-trail destination%'
         AND c.oid NOT IN (SELECT r.prrelid FROM pg_publication_rel r JOIN pg_publication p ON p.oid = r.prpubid
                            WHERE p.pubname = 'bemi')
    LOOP
      BEGIN
        EXECUTE format('ALTER PUBLICATION bemi ADD TABLE %s', tracked);
      EXCEPTION WHEN insufficient_privilege THEN
        RAISE WARNING 'Could not add % to publication bemi (%): its changes are not captured until setup adds it or the publication''s owner runs ALTER PUBLICATION bemi ADD TABLE %;',
          tracked, SQLERRM, tracked;
      END;
    END LOOP;
  END IF;
END
$$ LANGUAGE plpgsql;

-- For each table just created: REPLICA IDENTITY FULL, and publication bemi, so the running job reads it at once
-- (the job drops the changes of tables it does not track); a table that cannot be tracked gets one notice.
-- It never makes the application's statement fail: what it cannot do, it says in a warning.
CREATE OR REPLACE FUNCTION _bemi_set_replica_identity_func() RETURNS event_trigger AS $$
DECLARE
  created record;
BEGIN
  FOR created IN
    SELECT c.oid::regclass AS relation, format('%I.%I', n.nspname, c.relname) AS qualified,
           c.relkind, c.relpersistence, c.relreplident, c.relispartition,
           CASE WHEN c.relpersistence = 't' THEN 'pg_temp' ELSE n.nspname END || '.' || c.relname
             || coalesce(', a partition of ' || (SELECT rn.nspname || '.' || r.relname FROM pg_class r
                  JOIN pg_namespace rn ON rn.oid = r.relnamespace WHERE c.relispartition AND r.oid = pg_partition_root(c.oid)), '') AS name,
           c.relnamespace = 'public'::regnamespace
             -- the destination being created, before its comment (an application's own table changes is tracked)
             AND current_setting('audit_trail.creating_destination', true) IS DISTINCT FROM 'on'
             AND coalesce(obj_description(coalesce(pg_partition_root(c.oid), c.oid), 'pg_class'), '')
                 NOT LIKE 'audit-trail destination%' AS in_public
      FROM pg_event_trigger_ddl_commands() d
      JOIN pg_class c ON c.oid = d.objid
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE d.classid = 'pg_class'::regclass AND c.relkind IN ('r', 'p', 'f')
  LOOP
    IF created.relpersistence = 'u' THEN
      RAISE NOTICE 'Not tracking %: an UNLOGGED table''s changes are not in the WAL (ALTER TABLE % SET LOGGED; makes it trackable)',
        created.name, created.qualified;
    ELSIF created.relpersistence = 't' THEN
      RAISE NOTICE 'Not tracking %: a temporary table''s changes are not in the WAL', created.name;
    ELSIF created.relkind = 'f' THEN
      RAISE NOTICE 'Not tracking %: a foreign table''s rows are stored in another database (track them there)', created.name;
    ELSIF created.in_public THEN
      IF created.relkind = 'r' AND created.relreplident <> 'f' THEN
        BEGIN
          -- part of the CREATE, not a DDL of its own in the schema history
          PERFORM set_config('audit_trail.schema_quiet', 'on', true);
          EXECUTE format('ALTER TABLE %s REPLICA IDENTITY FULL', created.relation);
          PERFORM set_config('audit_trail.schema_quiet', 'off', true);
        EXCEPTION WHEN OTHERS THEN
          RAISE WARNING 'Could not set REPLICA IDENTITY FULL on % (%): its updates and deletes are captured without the previous row until its owner runs ALTER TABLE % REPLICA IDENTITY FULL;',
            created.name, SQLERRM, created.qualified;
        END;
      END IF;
      IF NOT created.relispartition
         AND EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'bemi' AND NOT puballtables) THEN
        BEGIN
          EXECUTE format('ALTER PUBLICATION bemi ADD TABLE %s', created.relation);
        EXCEPTION WHEN OTHERS THEN
          RAISE WARNING 'Could not add % to publication bemi (%): its changes are not captured until setup adds it (the job runs setup at each start unless --skip-setup) or the publication''s owner runs ALTER PUBLICATION bemi ADD TABLE %;',
            created.name, SQLERRM, created.qualified;
        END;
      END IF;
    END IF;
  END LOOP;
EXCEPTION WHEN OTHERS THEN
  RAISE WARNING 'Could not prepare the new table for the audit trail (%): run setup again to track it', SQLERRM;
END
$$ LANGUAGE plpgsql;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_event_trigger
                  WHERE evtname = '_bemi_set_replica_identity_trigger' AND evttags @> ARRAY['CREATE FOREIGN TABLE']) THEN
    -- an older setup's event trigger lacks CREATE FOREIGN TABLE
    IF EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = '_bemi_set_replica_identity_trigger') THEN
      DROP EVENT TRIGGER _bemi_set_replica_identity_trigger;
    END IF;
    CREATE EVENT TRIGGER _bemi_set_replica_identity_trigger ON ddl_command_end
      WHEN TAG IN ('CREATE TABLE', 'CREATE TABLE AS', 'CREATE FOREIGN TABLE')
      EXECUTE FUNCTION _bemi_set_replica_identity_func();
  END IF;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'Not allowed to create event triggers: after creating a table, run CALL _bemi_set_replica_identity();';
END
$$;

CALL _bemi_set_replica_identity();

-- 4. Application context, as Bemi's ORM packages pass it: a row trigger on every tracked table copies the
--    /*Bemi {json} Bemi*/ comment of the statement into the WAL, as a _bemi message just before the row's change.
--    The row trigger function is always this one, under Bemi's name and with Bemi's _bemi message: it also writes an
--    audit-trail-row message naming the row's operation and table (a partition's as its root, as the WAL names it),
--    so the job never gives a context to a row its statement did not write (one skipped by ON CONFLICT DO NOTHING,
--    cancelled by another trigger, or of a table not published). Once a transaction has sent a context, its rows
--    without one are named too. A Bemi package's migration that replaces it is undone here, with a warning.
--    The other objects, where a Bemi package's migration created them, are left as they are; ours (commented
--    'audit-trail', or by an older setup: its _bemi_create_triggers knows the destination) are brought up to date.
DO $$
DECLARE
  ours boolean := EXISTS (SELECT 1 FROM pg_proc WHERE oid = to_regprocedure('_bemi_create_triggers()')
                   AND (coalesce(obj_description(oid, 'pg_proc'), '') LIKE 'audit-trail%' OR prosrc LIKE '%audit-trail destination%'));
BEGIN
  IF to_regprocedure('_bemi_row_trigger_func()') IS NOT NULL
     AND coalesce(obj_description(to_regprocedure('_bemi_row_trigger_func()'), 'pg_proc'), '') NOT LIKE 'audit-trail: names each row%' THEN
    RAISE WARNING 'Function _bemi_row_trigger_func() was not the audit trail''s (a Bemi package''s migration or an older setup created it): replaced it with the audit trail''s, which sends each row''s context with the name of its row, so no context reaches a row its statement did not write';
  END IF;
  CREATE OR REPLACE FUNCTION _bemi_row_trigger_func() RETURNS trigger AS $body$
  -- runs for every row written, so: no SQL query, and few expressions (PL/pgSQL prepares each anew in every
  -- transaction). A row of a partition is named as its root, as the WAL names it, and an unlogged partition's, not
  -- in the WAL, sends nothing; a table made unlogged after it got the trigger leaves its messages unmatched.
  DECLARE
    _bemi_metadata text := split_part(split_part(current_query(), '/*Bemi ', 2), ' Bemi*/', 1);
  BEGIN
    IF _bemi_metadata <> '' OR current_setting('audit_trail.context_sent', true) = 'on' THEN
      -- one message for the row and its context (the JSON array has no line break): half the WAL, half the work
      _bemi_metadata := pg_logical_emit_message(true, 'audit-trail-row',
        CASE WHEN pg_partition_root(TG_RELID) IS NULL THEN json_build_array(TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME)
             WHEN pg_relation_is_publishable(TG_RELID) THEN json_build_array(TG_OP, (pg_identify_object('pg_class'::regclass, pg_partition_root(TG_RELID), 0)).schema,
                                          (pg_identify_object('pg_class'::regclass, pg_partition_root(TG_RELID), 0)).name)
        END::text
        || CASE WHEN _bemi_metadata = '' THEN ''
                WHEN current_setting('audit_trail.context_sent', true) = 'on' THEN E'\n' || _bemi_metadata
                -- from now on this transaction's rows without context are named too, so none takes this one's
                ELSE E'\n' || _bemi_metadata || left(set_config('audit_trail.context_sent', 'on', true), 0)
           END)::text;
    END IF;
    IF TG_OP = 'DELETE' THEN
      RETURN OLD;
    END IF;
    RETURN NEW;
  END
  $body$ LANGUAGE plpgsql;
  COMMENT ON FUNCTION _bemi_row_trigger_func() IS 'audit-trail: names each row and copies the statement''s Bemi context into the WAL with it';

  -- A TRUNCATE fires no row trigger: a statement trigger on each tracked table writes the row trigger's message for it,
  -- naming the table (["TRUNCATE", schema, table]) with the statement's context, just before the truncate in the WAL.
  CREATE OR REPLACE FUNCTION _bemi_truncate_trigger_func() RETURNS trigger AS $body$
  DECLARE
    _bemi_metadata text := split_part(split_part(current_query(), '/*Bemi ', 2), ' Bemi*/', 1);
  BEGIN
    IF (_bemi_metadata <> '' OR current_setting('audit_trail.context_sent', true) = 'on') AND pg_relation_is_publishable(TG_RELID) THEN
      PERFORM pg_logical_emit_message(true, 'audit-trail-row',
        json_build_array(TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME)::text
        || CASE WHEN _bemi_metadata = '' THEN ''
                WHEN current_setting('audit_trail.context_sent', true) = 'on' THEN E'\n' || _bemi_metadata
                ELSE E'\n' || _bemi_metadata || left(set_config('audit_trail.context_sent', 'on', true), 0)
           END);
    END IF;
    RETURN NULL;
  END
  $body$ LANGUAGE plpgsql;
  COMMENT ON FUNCTION _bemi_truncate_trigger_func() IS 'audit-trail: names each table truncated and copies the statement''s Bemi context into the WAL with it';

  IF ours OR to_regprocedure('_bemi_create_triggers()') IS NULL THEN
    -- Bemi's row trigger on every permanent table of public that lacks it (by whatever name: a long table name
    -- cuts the trigger's name at 63 bytes), its partitions having it from their parent.
    CREATE OR REPLACE PROCEDURE _bemi_create_triggers() AS $body$
    DECLARE
      tracked record;
    BEGIN
      FOR tracked IN
        SELECT c.oid::regclass AS name, c.relname FROM pg_class c
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND c.relpersistence = 'p'
           AND NOT c.relispartition
           AND coalesce(obj_description(c.oid, 'pg_class'), '') NOT LIKE 'audit-trail destination%'
           AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid
                            AND (t.tgname LIKE '\_bemi\_row\_trigger\_%'
                                 OR t.tgfoid IN (SELECT oid FROM pg_proc WHERE proname = '_bemi_row_trigger_func')))
      LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION _bemi_row_trigger_func()',
                       ('_bemi_row_trigger_' || tracked.relname)::name, tracked.name);
      END LOOP;
      -- and the truncate trigger, to every such table that lacks it
      FOR tracked IN
        SELECT c.oid::regclass AS name, c.relname FROM pg_class c
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND c.relpersistence = 'p'
           AND NOT c.relispartition
           AND coalesce(obj_description(c.oid, 'pg_class'), '') NOT LIKE 'audit-trail destination%'
           AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid
                            AND t.tgfoid = '_bemi_truncate_trigger_func()'::regprocedure)
      LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION _bemi_truncate_trigger_func()',
                       ('_bemi_truncate_trigger_' || tracked.relname)::name, tracked.name);
      END LOOP;
    END
    $body$ LANGUAGE plpgsql;
    COMMENT ON PROCEDURE _bemi_create_triggers() IS 'audit-trail: adds Bemi''s row trigger to the tables of public';

    -- Bemi's row trigger on each permanent table just created in public; never makes the statement fail.
    CREATE OR REPLACE FUNCTION _bemi_create_table_trigger_func() RETURNS event_trigger AS $body$
    DECLARE
      created record;
    BEGIN
      FOR created IN
        SELECT c.oid::regclass AS relation, c.relname FROM pg_event_trigger_ddl_commands() d JOIN pg_class c ON c.oid = d.objid
         WHERE d.classid = 'pg_class'::regclass AND c.relnamespace = 'public'::regnamespace
           AND c.relkind IN ('r', 'p') AND c.relpersistence = 'p' AND NOT c.relispartition
           AND current_setting('audit_trail.creating_destination', true) IS DISTINCT FROM 'on' -- the destination, before its comment
           AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid
                            AND (t.tgname LIKE '\_bemi\_row\_trigger\_%'
                                 OR t.tgfoid IN (SELECT oid FROM pg_proc WHERE proname = '_bemi_row_trigger_func')))
      LOOP
        BEGIN
          EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION _bemi_row_trigger_func()',
                         ('_bemi_row_trigger_' || created.relname)::name, created.relation);
        EXCEPTION WHEN OTHERS THEN
          RAISE WARNING 'Could not add Bemi''s context trigger to public.% (%): its changes are captured without application context until its owner runs CALL _bemi_create_triggers();',
            created.relname, SQLERRM;
        END;
      END LOOP;
      FOR created IN
        SELECT c.oid::regclass AS relation, c.relname FROM pg_event_trigger_ddl_commands() d JOIN pg_class c ON c.oid = d.objid
         WHERE d.classid = 'pg_class'::regclass AND c.relnamespace = 'public'::regnamespace
           AND c.relkind IN ('r', 'p') AND c.relpersistence = 'p' AND NOT c.relispartition
           AND current_setting('audit_trail.creating_destination', true) IS DISTINCT FROM 'on'
           AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid
                            AND t.tgfoid = '_bemi_truncate_trigger_func()'::regprocedure)
      LOOP
        BEGIN
          EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION _bemi_truncate_trigger_func()',
                         ('_bemi_truncate_trigger_' || created.relname)::name, created.relation);
        EXCEPTION WHEN OTHERS THEN
          RAISE WARNING 'Could not add the truncate trigger to public.% (%): its TRUNCATEs are captured without application context until its owner runs CALL _bemi_create_triggers();',
            created.relname, SQLERRM;
        END;
      END LOOP;
    EXCEPTION WHEN OTHERS THEN
      RAISE WARNING 'Could not add Bemi''s context trigger to the new table (%): run CALL _bemi_create_triggers(); as its owner', SQLERRM;
    END
    $body$ LANGUAGE plpgsql;
    COMMENT ON FUNCTION _bemi_create_table_trigger_func() IS 'audit-trail: adds Bemi''s row trigger to a table created in public';
  ELSIF to_regprocedure('_bemi_create_table_trigger_func()') IS NULL THEN
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

-- 5. The publication of the tracked tables: by default every permanent table of schema public but the destination.
--    Setup and the job bring its table list in step with --tables and --exclude-tables at every start.
DO $$
DECLARE
  tables text;
  skipped record;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'bemi') THEN
    SELECT string_agg(c.oid::regclass::text, ', ') INTO tables
      FROM pg_class c
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND c.relpersistence = 'p'
       AND NOT c.relispartition
       AND coalesce(obj_description(c.oid, 'pg_class'), '') NOT LIKE 'audit-trail destination%';
    -- a partitioned table's changes are published under its own name, not its partitions'
    EXECUTE 'CREATE PUBLICATION bemi' || coalesce(' FOR TABLE ' || tables, '') || ' WITH (publish_via_partition_root = true)';
  END IF;
  FOR skipped IN
    SELECT format('public.%I', c.relname) AS qualified, c.relkind,
           'public.' || c.relname || coalesce(', a partition of ' || (SELECT n.nspname || '.' || r.relname
              FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace WHERE c.relispartition AND r.oid = pg_partition_root(c.oid)), '') AS name
      FROM pg_class c
     WHERE c.relnamespace = 'public'::regnamespace AND (c.relkind = 'f' OR c.relkind IN ('r', 'p') AND c.relpersistence <> 'p')
     ORDER BY c.relname
  LOOP
    IF skipped.relkind = 'f' THEN
      RAISE NOTICE 'Not tracking %: a foreign table''s rows are stored in another database (track them there)', skipped.name;
    ELSE
      RAISE NOTICE 'Not tracking %: an UNLOGGED table''s changes are not in the WAL (ALTER TABLE % SET LOGGED; makes it trackable)',
        skipped.name, skipped.qualified;
    END IF;
  END LOOP;
END
$$;

-- 6. Schema history (docs/query.md#schema-history): each DDL on a permanent table (CREATE, ALTER, DROP) writes one
--    audit-trail-schema message into the WAL, in its transaction, with the table's columns after it
--    (_audit_trail_columns) and the statement's Bemi context; the job stores it in schema_changes, in WAL
--    order, exactly once. Never the statement's text (a DEFAULT may hold a value). It never fails the application's
--    statement: what it cannot do, it says in a warning.
-- A table's columns as schema_changes holds them: name, type, number (attnum, which a rename keeps) and, on a column of
-- its key (the primary key, else its first unique index, as the job reads it), key: its place in it. The job reads
-- the key of a table dropped before it read the table's changes from here (through the WAL or schema_changes).
CREATE OR REPLACE FUNCTION _audit_trail_columns(relation oid) RETURNS json AS $$
  SELECT coalesce(json_agg(json_strip_nulls(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
                    'number', a.attnum, 'key', array_position(k.columns, a.attnum) + 1 - array_lower(k.columns, 1)))
                  ORDER BY a.attnum), '[]'::json)
    FROM pg_attribute a
    LEFT JOIN LATERAL (SELECT i.indkey::int2[] AS columns FROM pg_index i
                        WHERE i.indrelid = a.attrelid
                          AND (i.indisprimary OR (i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL))
                        ORDER BY i.indisprimary DESC, i.indexrelid LIMIT 1) k ON true
   WHERE a.attrelid = relation AND a.attnum > 0 AND NOT a.attisdropped
$$ LANGUAGE sql STABLE;
COMMENT ON FUNCTION _audit_trail_columns(oid) IS 'audit-trail: a table''s columns and key, as its schema history records them';

CREATE OR REPLACE FUNCTION _audit_trail_schema_func() RETURNS event_trigger AS $$
DECLARE
  _bemi_metadata text := split_part(split_part(current_query(), '/*Bemi ', 2), ' Bemi*/', 1);
  changed record;
BEGIN
  IF current_setting('audit_trail.creating_destination', true) = 'on' OR current_setting('audit_trail.schema_quiet', true) = 'on' THEN
    RETURN; -- the destination's own tables (created by setup, partitions dropped by its retention); setup's own ALTER
  END IF;
  IF TG_EVENT = 'sql_drop' THEN
    FOR changed IN
      SELECT DISTINCT d.objid, d.schema_name, d.object_name
        FROM pg_event_trigger_dropped_objects() d
       WHERE d.classid = 'pg_class'::regclass AND d.objsubid = 0 AND d.object_type = 'table' AND NOT d.is_temporary
    LOOP
      PERFORM pg_logical_emit_message(true, 'audit-trail-schema',
        json_build_object('command', 'DROP TABLE', 'schema', changed.schema_name, 'table', changed.object_name,
                          'relation', changed.objid::bigint, 'columns', '[]'::json)::text
        || CASE WHEN _bemi_metadata = '' THEN '' ELSE E'\n' || _bemi_metadata END);
    END LOOP;
    RETURN;
  END IF;
  FOR changed IN
    SELECT DISTINCT c.oid, n.nspname, c.relname, d.command_tag
      FROM pg_event_trigger_ddl_commands() d
      JOIN pg_class c ON c.oid = d.objid
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE d.classid = 'pg_class'::regclass AND c.relkind IN ('r', 'p') AND c.relpersistence = 'p'
       AND NOT c.relispartition AND NOT d.in_extension
       AND coalesce(obj_description(c.oid, 'pg_class'), '') NOT LIKE 'audit-trail destination%'
  LOOP
    PERFORM pg_logical_emit_message(true, 'audit-trail-schema',
      json_build_object('command', changed.command_tag, 'schema', changed.nspname, 'table', changed.relname,
                        'relation', changed.oid::bigint,
                        'columns', _audit_trail_columns(changed.oid))::text
      || CASE WHEN _bemi_metadata = '' THEN '' ELSE E'\n' || _bemi_metadata END);
  END LOOP;
EXCEPTION WHEN OTHERS THEN
  RAISE WARNING 'Could not record this statement in the audit trail''s schema history (%)', SQLERRM;
END
$$ LANGUAGE plpgsql;
COMMENT ON FUNCTION _audit_trail_schema_func() IS 'audit-trail: writes each DDL on a table, with its columns after it, into the WAL';

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = '_audit_trail_schema_trigger') THEN
    CREATE EVENT TRIGGER _audit_trail_schema_trigger ON ddl_command_end
      WHEN TAG IN ('CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO', 'ALTER TABLE')
      EXECUTE FUNCTION _audit_trail_schema_func();
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = '_audit_trail_schema_drop_trigger') THEN
    CREATE EVENT TRIGGER _audit_trail_schema_drop_trigger ON sql_drop
      WHEN TAG IN ('DROP TABLE', 'DROP SCHEMA', 'DROP OWNED')
      EXECUTE FUNCTION _audit_trail_schema_func();
  END IF;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'Not allowed to create event triggers: DDL is not recorded in the schema history (schema_changes)';
END
$$;
