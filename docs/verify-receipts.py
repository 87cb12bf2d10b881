#!/usr/bin/env python3
"""Verifies the erasure receipts exported by sql/erasures-export.sql, without the audit trail's code (docs/erasure.md):
their chain, and that each covers exactly the values the changes hold as erased by it.

    psql -At -f sql/erasures-export.sql | python3 docs/verify-receipts.py

Receipts rewritten with recomputed links are caught only by their signed copies, which this does not read (Python has
no Ed25519 of its own): `verify --chain-heads-dir --chain-public-key-file` does.
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

receipts, digests, covered = [], {}, {}  # covered: erasure number -> [changes, values]
for line in sys.stdin:
    x = json.loads(line, parse_float=Decimal)
    if "receipt" in x:
        receipts.append(x)
        continue
    for section in ("before", "after", "context"):  # a receipt's digest: sections in this order, keys sorted
        for key, e in sorted(((x["erased"] or {}).get(section) or {}).items()):
            if (x[section] or {}).get(key) != "[erased]":
                sys.exit(f"BAD: change {x['change']} holds a value in {section}.{key}, which erasure {e['erasure']}"
                         " erased: it was restored or rewritten")
            line = canon([x["change"], section, key, e["commitment"]]) + "\n"
            digests.setdefault(e["erasure"], hashlib.sha256()).update(line.encode("utf-8"))
            n = covered.setdefault(e["erasure"], [set(), 0])
            n[0].add(x["change"])
            n[1] += 1
previous = "0" * 64
for sequence, r in enumerate(receipts, 1):
    if r["receipt"] != sequence:
        sys.exit(f"BAD: receipt {sequence} is missing (found {r['receipt']} next)")
    form = ["audit-trail-erasure-1", previous, r["receipt"], r["id"], r["database"], r["erased_at"], r["erased_by"],
            r["reason"], r["subject"], r["scope"], r["changes"], r["values"], r["digest"]]
    if hashlib.sha256(canon(form).encode("utf-8")).hexdigest() != r["hash"]:
        sys.exit(f"BAD: receipt {sequence} was modified: its fields or its link differ from what was written")
    changes, values = covered.pop(sequence, [set(), 0])
    if digests.pop(sequence, hashlib.sha256()).hexdigest() != r["digest"] or (len(changes), values) != (
            r["changes"], r["values"]):
        sys.exit(f"BAD: receipt {sequence} covers {r['values']} values in {r['changes']} changes, but changes holds"
                 f" {values} in {len(changes)}: erased values were edited, added or restored")
    previous = r["hash"]
if covered:
    sys.exit(f"BAD: changes hold values erased without a receipt (erasure number {min(covered)})")
print(f"intact: {len(receipts)} receipts" + (f", the last {previous}" if receipts else ""))
