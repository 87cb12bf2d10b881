-- Disconnect: removes what source-setup.sql and Bemi's packages installed in the source database.
-- (!!!) After the last two statements, changes made from then on can never be captured.

DROP EVENT TRIGGER IF EXISTS _audit_trail_schema_trigger;
DROP EVENT TRIGGER IF EXISTS _audit_trail_schema_drop_trigger;
DROP FUNCTION IF EXISTS _audit_trail_schema_func;
DROP FUNCTION IF EXISTS _audit_trail_columns;

DROP EVENT TRIGGER IF EXISTS _bemi_set_replica_identity_trigger;
DROP FUNCTION IF EXISTS _bemi_set_replica_identity_func;
DROP PROCEDURE IF EXISTS _bemi_set_replica_identity;

DROP EVENT TRIGGER IF EXISTS _bemi_create_table_trigger;
DROP FUNCTION IF EXISTS _bemi_create_table_trigger_func;
DROP PROCEDURE IF EXISTS _bemi_create_triggers;
DROP FUNCTION IF EXISTS _bemi_row_trigger_func CASCADE;
DROP FUNCTION IF EXISTS _bemi_truncate_trigger_func CASCADE;

SELECT pg_drop_replication_slot('bemi') WHERE EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = 'bemi');
DROP PUBLICATION IF EXISTS bemi;
