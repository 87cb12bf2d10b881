/*
 * Copyright 2026 the audit-trail authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */
package org.audittrail.browser.query;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Every query the browser runs, each on an index of {@code changes} (ChangesQueryPlanITCase checks the plans). Reads
 * only; a query slower than the statement timeout is a {@link SlowQueryException}.
 */
public final class ChangeStore {
    /** Counting stops here: beyond it the page says "more than". */
    public static final int COUNT_LIMIT = 1000;

    static final String COLUMNS = "\"id\", \"database\", \"schema\", \"table\", \"primary_key\", \"operation\","
            + " \"before\", \"after\", \"context\", \"committed_at\", \"transaction_id\", \"position\", \"partial\"";

    /**
     * Server options of every connection the browser opens: no query outlives the timeout, none can write, times in UTC,
     * and the planner reads changes by index (a sequential scan of a large changes table would only run into the
     * timeout; an empty partition is still read directly).
     */
    public static String sessionOptions(long statementTimeoutMs) {
        return "-c statement_timeout=" + statementTimeoutMs
                + " -c default_transaction_read_only=on -c TimeZone=UTC -c enable_seqscan=off";
    }

    private final DataSource source;
    private final Scope scope;

    public ChangeStore(DataSource source) {
        this(source, Scope.ALL);
    }

    private ChangeStore(DataSource source, Scope scope) {
        this.source = source;
        this.scope = scope;
    }

    /** The same store, seeing only what {@code viewer} may: their tables, their masks. */
    public ChangeStore within(Scope viewer) {
        return new ChangeStore(source, viewer);
    }

    /** One page of a search, newest first, after {@code cursor} (null for the first page). */
    public Page search(ChangeFilter filter, Cursor cursor, int size) {
        Sql sql = where(filter);
        if (cursor != null) {
            sql.and(
                    "(\"committed_at\", \"position\", \"id\") < (?, ?, ?::uuid)",
                    cursor.committedAt(),
                    cursor.position(),
                    cursor.id());
        }
        String text = "SELECT " + COLUMNS + " FROM changes" + sql.where() + " ORDER BY " + time(filter)
                + " DESC, \"position\" DESC, \"id\" DESC LIMIT " + (size + 1);
        return page(query(text, sql.params()), size);
    }

    /** The changes committed at or after {@code since}, oldest first, at most {@code limit}: the live tail's poll. */
    public List<Change> since(ChangeFilter filter, OffsetDateTime since, int limit) {
        Sql sql = where(filter);
        sql.and("\"committed_at\" >= ?", since);
        return query(
                "SELECT " + COLUMNS + " FROM changes" + sql.where()
                        + " ORDER BY \"committed_at\", \"position\", \"id\" LIMIT " + limit,
                sql.params());
    }

    /** A record as it was at {@code asOf} (changes_record_at): its row, or null where it did not exist then. */
    public State recordAt(Record record, OffsetDateTime asOf) {
        if (!scope.allows(record.schema(), record.table())) {
            return null;
        }
        List<State> found = run(
                "SELECT r.\"primary_key\", r.\"after\", r.\"changed_at\", r.\"change_id\""
                        + " FROM changes_record_at(?, ?, ?, ?, ?) r",
                List.of(record.table(), record.key(), asOf, record.schema(), record.database()),
                this::states);
        return found.isEmpty() ? null : found.get(0);
    }

    /** A table's records as they were at {@code asOf} (changes_table_at), by key, after {@code afterKey}. */
    public List<State> tableAt(Record table, OffsetDateTime asOf, String afterKey, int size) {
        if (!scope.allows(table.schema(), table.table())) {
            return List.of();
        }
        return run(
                "SELECT t.\"primary_key\", t.\"after\", t.\"changed_at\", t.\"change_id\""
                        + " FROM changes_table_at(?, ?, ?, ?) t WHERE t.\"primary_key\" > ?"
                        + " ORDER BY t.\"primary_key\" LIMIT " + (size + 1),
                List.of(table.table(), asOf, table.schema(), table.database(), afterKey == null ? "" : afterKey),
                this::states);
    }

    private List<State> states(ResultSet rs) throws SQLException {
        List<State> states = new ArrayList<>();
        while (rs.next()) {
            states.add(new State(
                    rs.getString(1),
                    scope.mask(json(rs.getString(2))),
                    rs.getObject(3, OffsetDateTime.class),
                    rs.getString(4)));
        }
        return states;
    }

    /** How many changes match, counted up to {@link #COUNT_LIMIT} + 1. */
    public int count(ChangeFilter filter) {
        Sql sql = where(filter);
        String text =
                // without a context or value test (GIN-served), the order lets the time index answer instead of a scan
                "SELECT count(*) FROM (SELECT 1 FROM changes" + sql.where()
                        + (filter.context().isEmpty() && filter.values().isEmpty()
                                ? " ORDER BY \"committed_at\" DESC"
                                : "")
                        + " LIMIT " + (COUNT_LIMIT + 1) + ") s";
        return run(text, sql.params(), rs -> {
            rs.next();
            return rs.getInt(1);
        });
    }

    /** Every change of one transaction, in the order it made them. */
    public List<Change> transaction(String database, long transactionId, OffsetDateTime committedAt) {
        Sql sql = where(ChangeFilter.none());
        sql.and(
                "\"committed_at\" = ? AND \"transaction_id\" = ? AND \"database\" = ?",
                committedAt,
                transactionId,
                database);
        return query(
                "SELECT " + COLUMNS + " FROM changes" + sql.where() + " ORDER BY \"position\", \"id\" LIMIT 10001",
                sql.params());
    }

    /** One change by its id and commit time (the table's primary key), or null. */
    public Change change(String id, OffsetDateTime committedAt) {
        Sql sql = where(ChangeFilter.none());
        sql.and("\"id\" = ?::uuid AND \"committed_at\" = ?", id, committedAt);
        List<Change> found = query("SELECT " + COLUMNS + " FROM changes" + sql.where(), sql.params());
        return found.isEmpty() ? null : found.get(0);
    }

    /** How many changes touched the rows of {@code changes} after the newest of them, per row, summed. */
    public long laterChanges(List<Change> changes) {
        java.util.Map<Record, Change> newest = new java.util.LinkedHashMap<>();
        for (Change c : changes) {
            if (c.record().key() != null) {
                newest.merge(
                        c.record(),
                        c,
                        (a, b) -> b.committedAt().isAfter(a.committedAt())
                                        || (b.committedAt().isEqual(a.committedAt()) && b.position() > a.position())
                                ? b
                                : a);
            }
        }
        long later = 0;
        for (Change c : newest.values()) {
            later += run(
                    "SELECT count(*) FROM changes WHERE \"table\" = ? AND \"primary_key\" = ? AND \"schema\" = ?"
                            + " AND \"database\" = ? AND \"committed_at\" >= ?"
                            + " AND (\"committed_at\", \"position\") > (?, ?)",
                    List.of(
                            c.record().table(),
                            c.record().key(),
                            c.record().schema(),
                            c.record().database(),
                            c.committedAt(),
                            c.committedAt(),
                            c.position()),
                    rs -> {
                        rs.next();
                        return rs.getLong(1);
                    });
        }
        return later;
    }

    /** A record's changes, oldest first, TRUNCATEs of its table that emptied it included (changes_record_history). */
    public List<Change> history(Record record) {
        if (!scope.allows(record.schema(), record.table())) {
            return List.of();
        }
        String text = "SELECT h.\"change_id\" AS \"id\", ?::varchar AS \"database\", ?::varchar AS \"schema\","
                + " ?::varchar AS \"table\", CASE WHEN h.\"operation\" = 'TRUNCATE' THEN NULL ELSE ?::varchar END AS \"primary_key\","
                + " h.\"operation\", coalesce((SELECT jsonb_object_agg(k, v -> 'before') FROM jsonb_each(h.\"changed\") c(k, v) WHERE v -> 'before' IS NOT NULL), '{}') AS \"before\","
                + " coalesce((SELECT jsonb_object_agg(k, v -> 'after') FROM jsonb_each(h.\"changed\") c(k, v) WHERE v -> 'after' IS NOT NULL), '{}') AS \"after\","
                + " h.\"context\", h.\"committed_at\", h.\"transaction_id\", h.\"position\", false AS \"partial\","
                + " h.\"previous_key\", h.\"next_key\""
                + " FROM changes_record_history(?, ?, '-infinity', 'infinity', ?, ?) h ORDER BY h.\"committed_at\", h.\"position\"";
        return query(
                text,
                List.of(
                        record.database(),
                        record.schema(),
                        record.table(),
                        record.key(),
                        record.table(),
                        record.key(),
                        record.schema(),
                        record.database()));
    }

    /** The keys a record had before and after a key change, as changes_record_history names them. */
    public List<String> linkedKeys(Record record) {
        if (!scope.allows(record.schema(), record.table())) {
            return List.of();
        }
        String text =
                "SELECT coalesce(h.\"previous_key\", h.\"next_key\") FROM changes_record_history(?, ?, '-infinity', 'infinity', ?, ?) h"
                        + " WHERE h.\"previous_key\" IS NOT NULL OR h.\"next_key\" IS NOT NULL";
        return run(text, List.of(record.table(), record.key(), record.schema(), record.database()), rs -> {
            List<String> keys = new ArrayList<>();
            while (rs.next()) {
                keys.add(rs.getString(1));
            }
            return keys;
        });
    }

    /** Everything done under one context value, oldest first, after {@code cursor}. */
    public Page context(String key, String value, Cursor cursor, int size) {
        ChangeFilter filter =
                new ChangeFilter(null, null, null, null, null, null, List.of(List.of(key, value)), List.of());
        Sql sql = where(filter);
        if (cursor != null) {
            sql.and(
                    "(\"committed_at\", \"position\", \"id\") > (?, ?, ?::uuid)",
                    cursor.committedAt(),
                    cursor.position(),
                    cursor.id());
        }
        String text = "SELECT " + COLUMNS + " FROM changes" + sql.where() + " ORDER BY " + time(filter)
                + ", \"position\", \"id\" LIMIT " + (size + 1);
        return page(query(text, sql.params()), size);
    }

    /** The first {@code size} of {@code rows} (read one beyond), and where the next page starts if there is one. */
    private static Page page(List<Change> rows, int size) {
        boolean more = rows.size() > size;
        List<Change> shown = more ? rows.subList(0, size) : rows;
        return new Page(shown, more ? Cursor.after(shown.get(shown.size() - 1)) : null);
    }

    /**
     * What results are ordered by. With a context or value test, an expression the time index cannot give: the plan
     * then finds the matches by the GIN index and sorts them, instead of walking the time index back through millions
     * of changes to find a rare one (seen at 10 million changes: a second for a user, past the timeout for a value).
     */
    private static String time(ChangeFilter f) {
        boolean byContents = !f.context().isEmpty() || !f.values().isEmpty();
        return byContents && f.key() == null ? "(\"committed_at\" + interval '0')" : "\"committed_at\"";
    }

    /** The WHERE clause of a filter, every value a parameter. */
    Sql where(ChangeFilter f) {
        Sql sql = new Sql();
        scope.condition(sql);
        for (List<String> pair : f.values()) {
            if (scope.masked().contains(pair.get(0))) {
                throw new FilterException("Value: " + pair.get(0) + " is masked for you; search by another column");
            }
        }
        if (f.table() != null) {
            sql.and("\"table\" = ?", f.table());
        }
        if (f.schema() != null) {
            sql.and("\"schema\" = ?", f.schema());
        }
        if (f.key() != null) {
            sql.and("\"primary_key\" = ?", f.key());
        }
        if (f.operation() != null) {
            sql.and("\"operation\" = ?", f.operation());
        }
        if (f.from() != null) {
            sql.and("\"committed_at\" >= ?", f.from().atOffset(ZoneOffset.UTC));
        }
        if (f.until() != null) {
            sql.and("\"committed_at\" < ?", f.until().atOffset(ZoneOffset.UTC));
        }
        for (List<String> pair : f.context()) {
            List<String> forms = ChangeFilter.containments(pair);
            sql.and(
                    "("
                            + String.join(
                                    " OR ",
                                    forms.stream()
                                            .map(x -> "\"context\" @> ?::jsonb")
                                            .toList()) + ")",
                    forms.toArray());
        }
        for (List<String> pair : f.values()) {
            List<String> forms = ChangeFilter.containments(pair);
            List<Object> params = new ArrayList<>();
            List<String> tests = new ArrayList<>();
            for (String form : forms) {
                tests.add("\"before\" @> ?::jsonb OR \"after\" @> ?::jsonb");
                params.add(form);
                params.add(form);
            }
            sql.and("(" + String.join(" OR ", tests) + ")", params.toArray());
        }
        return sql;
    }

    private List<Change> query(String text, List<Object> params) {
        return run(text, params, rs -> {
            List<Change> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(scope.mask(change(rs)));
            }
            return rows;
        });
    }

    /** Reads one row of {@link #COLUMNS}. */
    static Change change(ResultSet rs) throws SQLException {
        return new Change(
                rs.getString("id"),
                new Record(
                        rs.getString("database"),
                        rs.getString("schema"),
                        rs.getString("table"),
                        rs.getString("primary_key")),
                rs.getString("operation"),
                json(rs.getString("before")),
                json(rs.getString("after")),
                json(rs.getString("context")),
                rs.getObject("committed_at", OffsetDateTime.class),
                rs.getLong("transaction_id"),
                rs.getLong("position"),
                rs.getBoolean("partial"));
    }

    private static JsonNode json(String text) throws SQLException {
        try {
            return ChangeFilter.json().readTree(text == null ? "{}" : text);
        } catch (JsonProcessingException e) {
            throw new SQLException("a stored image is not JSON", e);
        }
    }

    /** Reads a result on a read-only connection; a cancelled statement is a {@link SlowQueryException}. */
    <T> T run(String text, List<Object> params, Reader<T> reader) {
        try (Connection c = source.getConnection();
                PreparedStatement s = c.prepareStatement(text)) {
            for (int i = 0; i < params.size(); i++) {
                s.setObject(i + 1, params.get(i));
            }
            try (ResultSet rs = s.executeQuery()) {
                return reader.read(rs);
            }
        } catch (SQLException e) {
            if ("57014".equals(e.getSQLState())) {
                throw new SlowQueryException();
            }
            throw new StoreException(e);
        }
    }

    /** Reads a result set. */
    @FunctionalInterface
    interface Reader<T> {
        T read(ResultSet rs) throws SQLException;
    }
}
