#!/usr/bin/env python3
"""Verifies a hash chain exported by sql/chain-export.sql, without the audit trail's code (docs/tamper-evidence.md).

    psql -At -v database=shop -f sql/chain-export.sql | python3 docs/verify-chain.py
"""
import hashlib, json, sys
from decimal import Decimal

def canon(v):  # keys in code point order, no spaces, numbers as jsonb prints them, minimal string escapes
    if isinstance(v, dict):
        return "{" + ",".join(canon(k) + ":" + canon(v[k]) for k in sorted(v)) + "}"
    if isinstance(v, list):
        return "[" + ",".join(canon(x) for x in v) + "]"
    if isinstance(v, str) or isinstance(v, bool) or v is None:
        return json.dumps(v, ensure_ascii=False)
    return format(v, "f") if isinstance(v, Decimal) else str(v)

def sha256(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

def commitments(image, erased):  # an erased value (the marker) enters as the commitment its erasure kept
    return {k: erased[k]["commitment"] if k in erased and v == "[erased]" else sha256(canon([k, v]))
            for k, v in (image or {}).items()}

previous, expected = None, None
for line in sys.stdin:
    c = json.loads(line, parse_float=Decimal)
    seq = c["chain_sequence"]
    if expected is None:  # the chain's start: sequence 1, or a link taken on trust where older partitions were dropped
        previous, expected = ("0" * 64 if seq == 1 else None), seq
    if seq != expected:
        sys.exit(f"BAD at sequence {expected}: found {seq} (a change deleted, inserted or moved)")
    e = c.get("erased") or {}
    form = ["audit-trail-chain-1", previous, seq, c["id"], c["database"], c["schema"], c["table"], c["primary_key"],
            c["operation"], c["committed_at"], c["transaction_id"], c["position"], c["partial"], c["fallback_columns"],
            commitments(c["before"], e.get("before", {})), commitments(c["after"], e.get("after", {})),
            commitments(c["context"], e.get("context", {}))]
    if previous is not None and sha256(canon(form)) != c["chain_hash"]:
        sys.exit(f"BAD at sequence {seq}, change {c['id']}: its values or its link differ from what was chained")
    previous, expected = c["chain_hash"], seq + 1
print("no chained changes" if expected is None else f"intact up to sequence {expected - 1}")
