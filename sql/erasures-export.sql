-- One JSON line per erasure receipt, in sequence order, then one per change holding erased values, in id order, for
-- an auditor's own verifier (docs/erasure.md, docs/verify-receipts.py):
--   psql -At -f sql/erasures-export.sql > erasures.jsonl
SELECT json_build_object(
  'receipt', sequence, 'id', id, 'database', database, 'erased_at', (extract(epoch FROM erased_at) * 1000000)::bigint,
  'erased_by', erased_by, 'reason', reason, 'subject', subject, 'scope', scope, 'changes', change_count,
  'values', value_count, 'digest', digest, 'hash', hash)
FROM erasures ORDER BY sequence;
SELECT json_build_object('change', id, 'before', before, 'after', after, 'context', context, 'erased', erased)
FROM changes WHERE erased IS NOT NULL ORDER BY id;
