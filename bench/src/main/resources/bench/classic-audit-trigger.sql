-- The classic alternative: a row trigger that writes each change's old and new row into an audit table.
CREATE TABLE classic_audit_log (
  id bigserial PRIMARY KEY,
  table_name text NOT NULL,
  operation text NOT NULL,
  old_row jsonb,
  new_row jsonb,
  changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE FUNCTION classic_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO classic_audit_log (table_name, operation, old_row, new_row)
  VALUES (TG_TABLE_NAME, TG_OP,
          CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END,
          CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END);
  RETURN NULL;
END
$$;
CREATE TRIGGER classic_audit AFTER INSERT OR UPDATE OR DELETE ON pgbench_accounts FOR EACH ROW EXECUTE FUNCTION classic_audit();
CREATE TRIGGER classic_audit AFTER INSERT OR UPDATE OR DELETE ON pgbench_branches FOR EACH ROW EXECUTE FUNCTION classic_audit();
CREATE TRIGGER classic_audit AFTER INSERT OR UPDATE OR DELETE ON pgbench_tellers FOR EACH ROW EXECUTE FUNCTION classic_audit();
CREATE TRIGGER classic_audit AFTER INSERT OR UPDATE OR DELETE ON pgbench_history FOR EACH ROW EXECUTE FUNCTION classic_audit();
