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
package org.audittrail.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import org.audittrail.job.db.Database;
import org.audittrail.job.setup.Replication;
import org.audittrail.job.setup.Setup;
import org.audittrail.job.testing.JobTestBase;
import org.audittrail.job.testing.TestDatabase;
import org.audittrail.udf.selection.TableSelection;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The destination: another database, daily partitions that a write never waits for, retention by whole days. */
class DestinationITCase extends JobTestBase {

    @BeforeAll
    static void createSchema() {
        db.executeFixture("fixtures/todo-schema.sql");
        db.execute("CREATE DATABASE audit");
    }

    @Test
    void changesCanBeStoredInAnotherDatabase() throws Exception {
        job.submit(db.args("--destination-db-name", "audit"));
        db.execute("INSERT INTO todo (task) VALUES ('elsewhere')");

        Database audit = new Database("localhost", db.port(), "audit", "postgres", TestDatabase.PASSWORD);
        awaitCount(audit, "SELECT count(*) FROM changes WHERE after->>'task' = 'elsewhere'", 1);
        assertThat(count(audit, "SELECT count(*) FROM changes WHERE after->>'task' = 'elsewhere'"))
                .isEqualTo(1);
        assertThat(db.value("SELECT to_regclass('changes') IS NULL"))
                .as("no changes table in the source")
                .isEqualTo(true);
    }

    @Test
    void aDestinationThatIsDownLosesNothing() throws Exception {
        Database audit = new Database("localhost", db.port(), "audit", "postgres", TestDatabase.PASSWORD);
        job.submit(db.args("--destination-db-name", "audit", "--checkpoint-interval-ms", "500"));
        db.execute("INSERT INTO todo (task) VALUES ('before the outage')");
        awaitCount(audit, "SELECT count(*) FROM changes WHERE after->>'task' = 'before the outage'", 1);

        // the destination goes away: no new connection, the job's own ones cut
        db.execute(
                "ALTER DATABASE audit ALLOW_CONNECTIONS false",
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'audit'");
        try {
            db.execute(
                    "INSERT INTO todo (task) VALUES ('during the outage 1')",
                    "INSERT INTO todo (task) VALUES ('during the outage 2')");
            // the cut connections fail a write or a checkpoint first; the restarts then name the destination's refusal
            assertThat(job.awaitException("not currently accepting connections"))
                    .contains("database \\\"audit\\\" is not currently accepting connections");
        } finally {
            db.execute("ALTER DATABASE audit ALLOW_CONNECTIONS true");
        }
        db.execute("INSERT INTO todo (task) VALUES ('after the outage')");
        awaitCount(audit, "SELECT count(*) FROM changes WHERE after->>'task' = 'after the outage'", 1);
        job.checkpoint();
        assertThat(count(audit, "SELECT count(*) FROM changes WHERE after->>'task' LIKE 'during the outage%'"))
                .isEqualTo(2);
        assertThat(count(audit, "SELECT count(*) FROM changes WHERE after->>'task' LIKE '%the outage%'"))
                .isEqualTo(4);
    }

    @Test
    void aDestinationOfAnOlderVersionGetsTheFallbackMarkerColumn() {
        Setup.prepareDestination(db.database());
        db.execute("ALTER TABLE changes DROP COLUMN fallback_columns");
        Setup.prepareDestination(db.database());
        assertThat(db.value("SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
                        + " WHERE attrelid = 'changes_default'::regclass AND attname = 'fallback_columns'"))
                .isEqualTo("text[]");
    }

    @Test
    void aDestinationOfAnOlderVersionGetsThePartialMarkerColumn() {
        Setup.prepareDestination(db.database());
        db.execute("ALTER TABLE changes DROP COLUMN partial");
        db.execute(insertChange(Instant.now()));
        Setup.prepareDestination(db.database());
        assertThat(db.value("SELECT format_type(atttypid, atttypmod) || ' ' || attnotnull FROM pg_attribute"
                        + " WHERE attrelid = 'changes_default'::regclass AND attname = 'partial'"))
                .isEqualTo("boolean true");
        assertThat(db.value("SELECT bool_or(partial) FROM changes")).isEqualTo(false);
        db.execute("TRUNCATE changes");
    }

    private static void awaitCount(Database database, String sql, long expected) {
        TestDatabase.poll(() -> count(database, sql) >= expected, Duration.ofSeconds(90), expected + " from " + sql);
    }

    @Test
    void aDayWithoutPartitionNeverFailsAWriteAndRetentionDropsWholeDays() throws Exception {
        Setup.prepareDestination(db.database());
        Instant now = Instant.now();
        Instant monthAgo = now.minus(Duration.ofDays(30));
        assertThat(db.value("SELECT count(*) FROM pg_inherits WHERE inhparent = 'changes'::regclass"))
                .isEqualTo(9L);

        // a change committed on a day without partition lands in changes_default...
        db.execute(insertChange(monthAgo), insertChange(now));
        assertThat(db.value("SELECT count(*) FROM changes_default")).isEqualTo(1L);
        // ...and is moved into its own day's partition by the next maintenance run
        assertThat(db.value("SELECT changes_create_partitions(7)")).isEqualTo(1);
        assertThat(db.value("SELECT count(*) FROM changes_default")).isEqualTo(0L);
        assertThat(db.value(
                        "SELECT tableoid::regclass::text FROM changes WHERE committed_at < now() - interval '1 day'"))
                .isEqualTo("changes_" + monthAgo.toString().substring(0, 10).replace("-", ""));
        assertThat(db.value("SELECT count(*) FROM changes")).isEqualTo(2L);

        // a 15-day retention drops the old day's partition, and keeps today's
        assertThat(db.value("SELECT changes_apply_retention(15)")).isEqualTo(1);
        assertThat(db.value("SELECT count(*) FROM changes")).isEqualTo(1L);
        assertThat(db.value("SELECT changes_apply_retention(0)")).isEqualTo(0);
        assertThat(db.value("SELECT count(*) FROM changes")).isEqualTo(1L);
    }

    @Test
    void aBacklogMovedIntoNewPartitionsIsNeverCaptured() throws Exception {
        db.execute("CREATE DATABASE shop");
        Database shop = new Database("localhost", db.port(), "shop", "postgres", TestDatabase.PASSWORD);
        execute(shop, "CREATE TABLE todo (id serial PRIMARY KEY, task text)");
        job.submit(db.args("--db-name", "shop")); // changes in the source, as by default
        // rows waiting in changes_default for days that have no partition, as after maintenance could not run
        Instant old = Instant.now().minus(Duration.ofDays(40));
        execute(shop, insertChange(old), insertChange(old.minus(Duration.ofDays(1))));
        assertThat(value(shop, "SELECT count(*) FROM changes_default")).isEqualTo(2L);

        assertThat(value(shop, "SELECT changes_create_partitions()")).isEqualTo(2);
        execute(shop, "INSERT INTO todo (task) VALUES ('after the move')");
        awaitCount(shop, "SELECT count(*) FROM changes WHERE after->>'task' = 'after the move'", 1);
        job.checkpoint(); // every change read before the marker is stored
        assertThat(value(shop, "SELECT count(*) FROM changes WHERE \"table\" LIKE 'changes%'"))
                .isEqualTo(0L);
        assertThat(value(shop, "SELECT count(*) FROM changes WHERE committed_at < now() - interval '39 days'"))
                .isEqualTo(2L);
        assertThat(value(shop, "SELECT count(*) FROM changes_default")).isEqualTo(0L);
        assertThat(value(
                        shop,
                        "SELECT count(*) FROM pg_trigger WHERE tgfoid = '_bemi_row_trigger_func()'::regprocedure"
                                + " AND tgrelid IN (SELECT relid FROM pg_partition_tree('changes'))"))
                .isEqualTo(0L);
        assertThat(value(shop, "SELECT string_agg(prrelid::regclass::text, ', ') FROM pg_publication_rel"))
                .isEqualTo("todo");
    }

    @Test
    void aBemiPackagesTriggersNeverStayOnTheDestination() throws Exception {
        try (TestDatabase server = TestDatabase.start()) {
            server.executeFixture("fixtures/bemi-package-scan.sql");
            Setup.run(server.database(), server.database(), TableSelection.defaults(), Replication.BEMI);
            server.execute(insertChange(Instant.now().minus(Duration.ofDays(40))));
            assertThat(server.value("SELECT changes_create_partitions()")).isEqualTo(1);
            // the package's procedure, which setup leaves as it is, put its trigger on every new partition
            assertThat(server.query("SELECT tgname || ' on ' || tgrelid::regclass AS t FROM pg_trigger"
                            + " WHERE tgfoid = '_bemi_row_trigger_func()'::regprocedure"))
                    .extracting(r -> r.get("t"))
                    .containsExactly("_bemi_row_trigger_notes on notes");
            assertThat(server.value("SELECT string_agg(prrelid::regclass::text, ', ') FROM pg_publication_rel"))
                    .isEqualTo("notes");
        }
    }

    @Test
    void retentionCountsOnlyPartitionsNamedByADate() throws Exception {
        Database audit = new Database("localhost", db.port(), "audit", "postgres", TestDatabase.PASSWORD);
        Setup.prepareDestination(audit);
        // names of 8 digits that are no date, partitions or not, in any schema; and a dated partition in another schema
        execute(
                audit,
                "CREATE TABLE changes_99999999 PARTITION OF changes FOR VALUES FROM ('2999-01-01') TO ('2999-01-02')",
                "CREATE TABLE changes_20241399 PARTITION OF changes FOR VALUES FROM ('2999-01-02') TO ('2999-01-03')",
                "CREATE TABLE changes_00000000 PARTITION OF changes FOR VALUES FROM ('2999-01-03') TO ('2999-01-04')",
                "CREATE TABLE changes_20230230 (id int)",
                "CREATE SCHEMA archive",
                "CREATE TABLE archive.changes_20200101 PARTITION OF changes FOR VALUES FROM ('2020-01-01') TO ('2020-01-02')",
                "CREATE TABLE archive.changes_20241399 PARTITION OF changes FOR VALUES FROM ('2999-01-04') TO ('2999-01-05')",
                "CREATE TABLE changes_20200101 (id int)");
        try {
            assertThat(value(audit, "SELECT changes_apply_retention(15)")).isEqualTo(1);
            assertThat(value(
                            audit,
                            "SELECT string_agg(oid::regclass::text, ', ' ORDER BY oid::regclass::text) FROM pg_class"
                                    + " WHERE relname ~ '^changes_[0-9]{8}$' AND NOT relname BETWEEN 'changes_' || to_char(now() - interval '2 days', 'YYYYMMDD')"
                                    + " AND 'changes_' || to_char(now() + interval '9 days', 'YYYYMMDD')"))
                    .isEqualTo(
                            "archive.changes_20241399, changes_00000000, changes_20200101, changes_20230230, changes_20241399, changes_99999999");
        } finally {
            execute(
                    audit,
                    "DROP TABLE changes_99999999, changes_20241399, changes_00000000, changes_20230230, changes_20200101",
                    "DROP SCHEMA archive CASCADE");
        }
    }

    private static String insertChange(Instant committedAt) {
        return "INSERT INTO changes (id, database, schema, \"table\", operation, committed_at, queued_at, transaction_id, position)"
                + " VALUES (gen_random_uuid(), 'postgres', 'public', 'todo', 'CREATE', '" + committedAt
                + "', now(), 1, 1)";
    }

    private static void execute(Database database, String... statements) throws java.sql.SQLException {
        try (Connection c = database.connect();
                Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    /** The one value of {@code sql}; unlike {@link #count}, an error fails the test. */
    private static Object value(Database database, String sql) throws java.sql.SQLException {
        try (Connection c = database.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getObject(1);
        }
    }

    private static long count(Database database, String sql) {
        try (Connection c = database.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            return 0; // the table may not exist yet
        }
    }
}
