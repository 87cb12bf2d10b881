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
package org.audittrail.job.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.audittrail.job.db.Database;

/** A real PostgreSQL server (embedded, wal_level logical) for tests and the benchmarks; the demo has its own in demo/. */
public final class TestDatabase implements AutoCloseable {

    /** A password no log line may ever contain; the embedded server trusts local logins, so any works. */
    public static final String PASSWORD = "pw-9f2c1e-never-logged";

    /** How often {@link #await} and {@link #poll} look again, unless told otherwise. */
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);

    private final EmbeddedPostgres postgres;

    private TestDatabase(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /** Starts a new server with logical decoding on and synchronous commits. */
    public static TestDatabase start() {
        return start(Map.of());
    }

    /** Starts a new server, {@code settings} overriding the defaults of {@link #start()}. */
    public static TestDatabase start(Map<String, String> settings) {
        return start(settings, null);
    }

    /**
     * A server of PostgreSQL 17, from the binaries the build copies to target/postgres (the tests' default is 15),
     * for what only 17 has.
     */
    public static TestDatabase start17(Map<String, String> settings) {
        Path jar = Path.of("target", "postgres", "postgres-17.jar");
        // the jar holds this platform's binaries only, the one .txz
        return start(settings, (system, machine) -> {
            java.util.zip.ZipFile zip = new java.util.zip.ZipFile(jar.toFile());
            return zip.getInputStream(zip.stream()
                    .filter(entry -> entry.getName().endsWith(".txz"))
                    .findFirst()
                    .orElseThrow());
        });
    }

    private static TestDatabase start(
            Map<String, String> settings, io.zonky.test.db.postgres.embedded.PgBinaryResolver binaries) {
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setServerConfig("wal_level", "logical")
                    .setServerConfig("max_replication_slots", "10")
                    .setServerConfig("max_wal_senders", "10")
                    // zonky turns it off, which delays visibility by up to a second
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("timezone", "UTC")
                    // lets tests compare committed_at with the real commit time
                    .setServerConfig("track_commit_timestamp", "on");
            settings.forEach(builder::setServerConfig);
            if (binaries != null) {
                builder.setPgBinaryResolver(binaries);
            }
            return new TestDatabase(builder.start());
        } catch (IOException e) {
            throw new IllegalStateException("Cannot start embedded PostgreSQL", e);
        }
    }

    public int port() {
        return postgres.getPort();
    }

    /** The database {@code postgres} of this server, as the job sees it. */
    public Database database() {
        return database("postgres");
    }

    /** Database {@code name} of this server, as the job sees it. */
    public Database database(String name) {
        return new Database("localhost", port(), name, "postgres", PASSWORD);
    }

    /** The job's command-line arguments for this server, followed by {@code extra}. */
    public String[] args(String... extra) {
        List<String> args = new ArrayList<>(List.of(
                "--db-host",
                "localhost",
                "--db-port",
                String.valueOf(port()),
                "--db-name",
                "postgres",
                "--db-user",
                "postgres",
                "--db-password=" + PASSWORD));
        args.addAll(List.of(extra));
        return args.toArray(new String[0]);
    }

    public Connection connect() throws SQLException {
        return database().connect();
    }

    /** Runs statements, each in its own transaction. */
    public void execute(String... statements) {
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Runs a SQL file of the test resources. */
    public void executeFixture(String resource) {
        try (InputStream in = TestDatabase.class.getResourceAsStream("/" + resource)) {
            execute(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read " + resource, e);
        }
    }

    /** What a test knows of a transaction it committed: its xid and the WAL positions around it. */
    public record Transaction(long xid, long lsnBefore, long lsnAfter) {}

    /** Runs statements in one transaction and tells its xid and the WAL positions before and after it. */
    public Transaction transaction(String... statements) {
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            long before = lsn(s);
            c.setAutoCommit(false);
            for (String sql : statements) {
                s.execute(sql);
            }
            long xid;
            try (ResultSet rs = s.executeQuery("SELECT txid_current()")) {
                rs.next();
                xid = rs.getLong(1);
            }
            c.commit();
            c.setAutoCommit(true);
            return new Transaction(xid, before, lsn(s));
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private static long lsn(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The rows of a query, each column by name, values as JDBC returns them. */
    public List<Map<String, Object>> query(String sql) {
        try (Connection c = connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            List<Map<String, Object>> rows = new ArrayList<>();
            ResultSetMetaData meta = rs.getMetaData();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    row.put(meta.getColumnLabel(i), rs.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** The one value of a one-row, one-column query. */
    public Object value(String sql) {
        List<Map<String, Object>> rows = query(sql);
        return rows.isEmpty() ? null : rows.get(0).values().iterator().next();
    }

    /** Polls {@code sql} until its rows pass {@code until}, or fails after {@code timeout}. */
    public List<Map<String, Object>> await(String sql, Predicate<List<Map<String, Object>>> until, Duration timeout) {
        return await(sql, until, timeout, POLL_INTERVAL);
    }

    /** As {@link #await(String, Predicate, Duration)}, every {@code interval}: a query that scans much, less often. */
    public List<Map<String, Object>> await(
            String sql, Predicate<List<Map<String, Object>>> until, Duration timeout, Duration interval) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Map<String, Object>> rows = List.of();
        while (System.nanoTime() < deadline) {
            try {
                rows = query(sql);
                if (until.test(rows)) {
                    return rows;
                }
            } catch (IllegalStateException e) {
                // the table may not exist yet
            }
            pause(interval);
        }
        throw new AssertionError("Timed out after " + timeout + " waiting on: " + sql + "; last rows: " + rows);
    }

    /** Waits until {@code changes} holds at least {@code count} rows; returns them. */
    public List<Map<String, Object>> awaitChanges(int count) {
        return await(
                "SELECT * FROM changes ORDER BY position, operation",
                rows -> rows.size() >= count,
                Duration.ofSeconds(60));
    }

    /** Polls {@code done} until true, or fails after {@code timeout} saying what it waited for. */
    public static void poll(java.util.function.BooleanSupplier done, Duration timeout, String what) {
        poll(done, timeout, POLL_INTERVAL, what);
    }

    /** As {@link #poll(java.util.function.BooleanSupplier, Duration, String)}, every {@code interval}. */
    public static void poll(java.util.function.BooleanSupplier done, Duration timeout, Duration interval, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out after " + timeout + " waiting for " + what);
            }
            pause(interval);
        }
    }

    /**
     * Waits until the slot has confirmed every stored change, as the reader does once a checkpoint's completion reaches
     * it: a start without state then replays none of them.
     */
    public void awaitSlotConfirmed() {
        long last = ((Number) value("SELECT coalesce(max(position), 0) FROM changes")).longValue();
        poll(
                () -> Boolean.TRUE.equals(value("SELECT confirmed_flush_lsn - '0/0' >= " + last
                        + " FROM pg_replication_slots WHERE slot_name = 'bemi'")),
                Duration.ofSeconds(30),
                "the slot to confirm the stored changes");
    }

    /** Waits until no process reads the slot, so it can be dropped or read by a new job. */
    public void awaitSlotInactive() {
        await(
                "SELECT active FROM pg_replication_slots WHERE slot_name = 'bemi'",
                rows -> rows.isEmpty() || Boolean.FALSE.equals(rows.get(0).get("active")),
                Duration.ofSeconds(30));
    }

    private static void pause(Duration interval) {
        try {
            Thread.sleep(interval.toMillis()); // polling interval of a deadline-bounded wait
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }
}
