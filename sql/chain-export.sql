-- One JSON line per chained change of a database, in chain order, for an auditor's own verifier
-- (docs/tamper-evidence.md, docs/verify-chain.py):
--   psql -At -v database=shop -f sql/chain-export.sql > chain.jsonl
SELECT json_build_object(
  'id', id, 'database', database, 'schema', schema, 'table', "table", 'primary_key', primary_key,
  'operation', operation, 'committed_at', (extract(epoch FROM committed_at) * 1000000)::bigint,
  'transaction_id', transaction_id, 'position', position, 'partial', partial, 'fallback_columns', fallback_columns,
  'before', before, 'after', after, 'context', context, 'chain_sequence', chain_sequence, 'chain_hash', chain_hash,
  'erased', erased)
FROM changes WHERE database = :'database' AND chain_sequence IS NOT NULL ORDER BY database, chain_sequence;
