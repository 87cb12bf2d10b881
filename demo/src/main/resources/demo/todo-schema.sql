-- Seed 003's todo table.
CREATE TABLE todo (
  id serial PRIMARY KEY,
  task text NOT NULL,
  is_completed boolean NOT NULL DEFAULT false
);
