-- pgbench's built-in TPC-B-like script, each write with a context comment as Bemi's ORM packages send it
\set aid random(1, 100000 * :scale)
\set bid random(1, 1 * :scale)
\set tid random(1, 10 * :scale)
\set delta random(-5000, 5000)
BEGIN;
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid /*Bemi {"user_id": 187234, "endpoint": "/transfer", "method": "POST"} Bemi*/;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid /*Bemi {"user_id": 187234, "endpoint": "/transfer", "method": "POST"} Bemi*/;
UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid /*Bemi {"user_id": 187234, "endpoint": "/transfer", "method": "POST"} Bemi*/;
INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP) /*Bemi {"user_id": 187234, "endpoint": "/transfer", "method": "POST"} Bemi*/;
END;
