-- The benchmarks' source table: a realistic nine-column row, with Bemi's context trigger (setup adds it).
CREATE TABLE item (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  price numeric(12, 2),
  quantity int,
  tags text[],
  attributes jsonb,
  note text,
  created_at timestamptz,
  updated_at timestamptz
);
ALTER TABLE item REPLICA IDENTITY FULL;
-- the last row of a backlog: once it is stored, the rest is nearly so
CREATE TABLE bench_sentinel (id text PRIMARY KEY);
