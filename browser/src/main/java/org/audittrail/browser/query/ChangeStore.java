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

    /** A record's story and state, and a table's, read as this store reads. */
    public RecordStore records() {
        return new RecordStore(this);
    }

    Scope scope() {
        return scope;
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

    List<Change> query(String text, List<Object> params) {
        return run(text, params, this::changes);
    }

    /** Every row of {@link #COLUMNS}, masked for the user. */
    List<Change> changes(ResultSet rs) throws SQLException {
        List<Change> rows = new ArrayList<>();
        while (rs.next()) {
            rows.add(scope.mask(change(rs)));
        }
        return rows;
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

    static JsonNode json(String text) throws SQLException {
        try {
            return ChangeFilter.json().readTree(text == null ? "{}" : text);
        } catch (JsonProcessingException e) {
            throw new SQLException("a stored image is not JSON", e);
        }
    }

    /** Reads a result on a read-only connection; a cancelled statement is a {@link SlowQueryException}. */
    <T> T run(String text, List<Object> params, Reader<T> reader) {
        return run(text, params, reader, false);
    }

    /**
     * As {@link #run}, through a plan made once per connection (a generic plan, pruned as it runs): for a record's
     * history, whose planning visits every partition five times (50 to 70 ms over 37 days, more with each day kept)
     * while it runs in 4 ms. Not for changes_record_at, whose generic plan runs slower than its planning saves.
     */
    <T> T runPlannedOnce(String text, List<Object> params, Reader<T> reader) {
        return run(text, params, reader, true);
    }

    private <T> T run(String text, List<Object> params, Reader<T> reader, boolean planOnce) {
        try (Connection c = source.getConnection()) {
            if (planOnce) {
                set(c, "SET plan_cache_mode = force_generic_plan");
            }
            try (PreparedStatement s = c.prepareStatement(text)) {
                for (int i = 0; i < params.size(); i++) {
                    s.setObject(i + 1, params.get(i));
                }
                try (ResultSet rs = s.executeQuery()) {
                    return reader.read(rs);
                }
            } finally {
                if (planOnce) {
                    set(c, "RESET plan_cache_mode");
                }
            }
        } catch (SQLException e) {
            if ("57014".equals(e.getSQLState())) {
                throw new SlowQueryException();
            }
            throw new StoreException(e);
        }
    }

    private static void set(Connection c, String statement) throws SQLException {
        try (java.sql.Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    /** Reads a result set. */
    @FunctionalInterface
    interface Reader<T> {
        T read(ResultSet rs) throws SQLException;
    }
}
