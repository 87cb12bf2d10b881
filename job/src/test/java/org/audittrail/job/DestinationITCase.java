package org.audittrail.job;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

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
        assertThat(count(audit, "SELECT count(*) FROM changes WHERE after->>'task' = 'elsewhere'")).isEqualTo(1);
        assertThat(db.value("SELECT to_regclass('changes') IS NULL")).as("no changes table in the source").isEqualTo(true);
    }

    @Test
    void aDestinationThatIsDownLosesNothing() throws Exception {
        Database audit = new Database("localhost", db.port(), "audit", "postgres", TestDatabase.PASSWORD);
        job.submit(db.args("--destination-db-name", "audit", "--checkpoint-interval-ms", "500"));
        db.execute("INSERT INTO todo (task) VALUES ('before the outage')");
        awaitCount(audit, "SELECT count(*) FROM changes WHERE after->>'task' = 'before the outage'", 1);

        // the destination goes away: no new connection, the job's own ones cut
        db.execute("ALTER DATABASE audit ALLOW_CONNECTIONS false",
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'audit'");
        db.execute("INSERT INTO todo (task) VALUES ('during the outage 1')", "INSERT INTO todo (task) VALUES ('during the outage 2')");
        assertThat(job.awaitException("audit")).contains("not currently accepting connections");

        db.execute("ALTER DATABASE audit ALLOW_CONNECTIONS true");
        db.execute("INSERT INTO todo (task) VALUES ('after the outage')");
        awaitCount(audit, "SELECT count(*) FROM changes WHERE after->>'task' = 'after the outage'", 1);
        job.checkpoint();
        assertThat(count(audit, "SELECT count(*) FROM changes WHERE after->>'task' LIKE 'during the outage%'")).isEqualTo(2);
        assertThat(count(audit, "SELECT count(*) FROM changes WHERE after->>'task' LIKE '%the outage%'")).isEqualTo(4);
    }

    private static void awaitCount(Database database, String sql, long expected) {
        TestDatabase.poll(() -> count(database, sql) >= expected, Duration.ofSeconds(90), expected + " from " + sql);
    }

    @Test
    void aDayWithoutPartitionNeverFailsAWriteAndRetentionDropsWholeDays() throws Exception {
        Setup.prepareDestination(db.database());
        Instant now = Instant.now();
        Instant monthAgo = now.minus(Duration.ofDays(30));
        assertThat(db.value("SELECT count(*) FROM pg_inherits WHERE inhparent = 'changes'::regclass")).isEqualTo(9L);

        // a change committed on a day without partition lands in changes_default...
        insertChange(monthAgo);
        insertChange(now);
        assertThat(db.value("SELECT count(*) FROM changes_default")).isEqualTo(1L);
        // ...and is moved into its own day's partition by the next maintenance run
        assertThat(db.value("SELECT changes_create_partitions(7)")).isEqualTo(1);
        assertThat(db.value("SELECT count(*) FROM changes_default")).isEqualTo(0L);
        assertThat(db.value("SELECT tableoid::regclass::text FROM changes WHERE committed_at < now() - interval '1 day'"))
                .isEqualTo("changes_" + monthAgo.toString().substring(0, 10).replace("-", ""));
        assertThat(db.value("SELECT count(*) FROM changes")).isEqualTo(2L);

        // a 15-day retention drops the old day's partition, and keeps today's
        assertThat(db.value("SELECT changes_apply_retention(15)")).isEqualTo(1);
        assertThat(db.value("SELECT count(*) FROM changes")).isEqualTo(1L);
        assertThat(db.value("SELECT changes_apply_retention(0)")).isEqualTo(0);
        assertThat(db.value("SELECT count(*) FROM changes")).isEqualTo(1L);
    }

    private static void insertChange(Instant committedAt) {
        db.execute("INSERT INTO changes (id, database, schema, \"table\", operation, committed_at, queued_at, transaction_id, position)"
                + " VALUES (gen_random_uuid(), 'postgres', 'public', 'todo', 'CREATE', '" + committedAt + "', now(), 1, 1)");
    }

    private static long count(Database database, String sql) {
        try (Connection c = database.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            return 0; // the table may not exist yet
        }
    }
}
