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
import static org.audittrail.job.testing.JobTestBase.withContext;

import java.time.Duration;
import java.util.List;
import org.audittrail.job.cli.Main;
import org.audittrail.job.config.JobConfig;
import org.audittrail.job.db.Database;
import org.audittrail.job.setup.Replication;
import org.audittrail.job.setup.Setup;
import org.audittrail.job.source.watch.PublicationWatch;
import org.audittrail.job.testing.JobTestBase;
import org.audittrail.job.testing.TestDatabase;
import org.audittrail.job.testing.TestJob;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A context never reaches a row that the statement carrying it did not write. */
class ContextAttributionITCase extends JobTestBase {

    @BeforeAll
    static void createSchema() {
        db.executeFixture("fixtures/attribution-schema.sql");
    }

    /** The stored changes as {@code table operation key context}, by position. */
    List<String> stored(int count) throws Exception {
        return settledChanges(count).stream()
                .map(r -> r.get("table") + " " + r.get("operation") + " " + r.get("primary_key") + " "
                        + r.get("context").toString().replace(" ", ""))
                .toList();
    }

    @Test
    void aSkippedInsertOnConflictLeavesItsContextBehind() throws Exception {
        job.submit(db.args());
        db.execute("INSERT INTO todo VALUES (1, 'first')");
        db.transaction(
                // the ORM pattern of inserting while ignoring duplicates: Bemi's trigger fired, no row was written
                withContext("INSERT INTO todo VALUES (1, 'again') ON CONFLICT DO NOTHING", "{\"skipped\": true}"),
                "INSERT INTO todo VALUES (2, 'next')",
                withContext("INSERT INTO todo VALUES (1, 'again') ON CONFLICT DO NOTHING", "{\"skipped\": true}"),
                "INSERT INTO notes VALUES (1, 'other table')",
                withContext("INSERT INTO todo VALUES (3, 'kept') ON CONFLICT DO NOTHING", "{\"kept\": true}"));
        assertThat(stored(4))
                .containsExactly(
                        "todo CREATE 1 {}", "todo CREATE 2 {}", "notes CREATE 1 {}", "todo CREATE 3 {\"kept\":true}");
    }

    @Test
    void aRowCancelledByAnotherTriggerLeavesItsContextBehind() throws Exception {
        job.submit(db.args());
        db.execute("INSERT INTO guarded VALUES (1, 'accepted')");
        db.transaction(
                withContext("INSERT INTO guarded VALUES (2, 'rejected')", "{\"lost\": 1}"),
                "INSERT INTO guarded VALUES (3, 'accepted')",
                withContext("UPDATE guarded SET name = 'rejected' WHERE id = 1", "{\"lost\": 2}"),
                "UPDATE guarded SET name = 'renamed' WHERE id = 1",
                withContext("INSERT INTO guarded VALUES (4, 'rejected')", "{\"lost\": 3}"));
        db.execute("INSERT INTO notes VALUES (2, 'marker')");
        assertThat(stored(4))
                .containsExactly(
                        "guarded CREATE 1 {}", "guarded CREATE 3 {}", "guarded UPDATE 1 {}", "notes CREATE 2 {}");
    }

    @Test
    void rowsOfTablesTheWalDoesNotCarryLeaveTheirContextBehind() throws Exception {
        job.submit(db.args("--publication-check-interval-ms", "200"));
        // an UNLOGGED table keeps Bemi's trigger it got while logged (PostgreSQL refuses it while published)
        db.execute(
                "ALTER PUBLICATION bemi DROP TABLE scratch",
                "ALTER TABLE scratch SET UNLOGGED",
                "ALTER PUBLICATION bemi DROP TABLE notes");
        db.transaction(
                withContext("INSERT INTO scratch VALUES (1, 'unlogged')", "{\"from\": \"scratch\"}"),
                "INSERT INTO todo VALUES (10, 'after unlogged')",
                withContext("INSERT INTO notes VALUES (10, 'unpublished')", "{\"from\": \"notes\"}"),
                "INSERT INTO todo VALUES (11, 'after unpublished')");
        assertThat(stored(2)).containsExactly("todo CREATE 10 {}", "todo CREATE 11 {}");

        // the publication changed by hand while the job runs: said in the metric (and the log), repaired at the next
        // start
        TestDatabase.poll(
                () -> metric(PublicationWatch.METRIC) == 1, Duration.ofSeconds(30), "the missing table to be reported");
        job.cancel();
        db.awaitSlotInactive();
        job = new TestJob(cluster).submit(db.args());
        assertThat(db.value(
                        "SELECT count(*) FROM pg_publication_tables WHERE pubname = 'bemi' AND tablename = 'notes'"))
                .isEqualTo(1L);
        db.execute(withContext("INSERT INTO notes VALUES (12, 'published again')", "{\"from\": \"notes\"}"));
        assertThat(db.await(
                        "SELECT * FROM changes WHERE \"table\" = 'notes'",
                        rows -> !rows.isEmpty(),
                        Duration.ofSeconds(60)))
                .extracting(r -> r.get("context").toString())
                .containsExactly("{\"from\": \"notes\"}");
        db.execute("ALTER TABLE scratch SET LOGGED");
    }

    @Test
    void rowsWrittenByAnotherRowsTriggerTakeTheirOwnContext() throws Exception {
        job.submit(db.args());
        db.transaction(
                withContext("INSERT INTO orders VALUES (5, 1.50), (500, 2.50)", "{\"request\": \"order\"}"),
                "INSERT INTO orders VALUES (6, 3.50)");
        assertThat(stored(6))
                .containsExactly(
                        "order_log CREATE 1 {\"request\":\"order\"}",
                        "orders CREATE 5 {\"request\":\"order\"}",
                        "order_log CREATE 2 {\"request\":\"order\"}",
                        "orders CREATE 500 {\"request\":\"order\"}",
                        "order_log CREATE 3 {}",
                        "orders CREATE 6 {}");
    }

    @Test
    void aTriggerFunctionReplacedByABemiPackageIsNoticedAndReinstalledAtStart() throws Exception {
        job.submit(db.args());
        // a Bemi package's migration recreates the function after setup ran: contexts still arrive, as Bemi's trigger
        // sends them
        db.executeFixture("fixtures/bemi-row-trigger-func.sql");
        db.execute(withContext("INSERT INTO todo VALUES (20, 'package trigger')", "{\"by\": \"package\"}"));
        assertThat(stored(1)).containsExactly("todo CREATE 20 {\"by\":\"package\"}");
        TestDatabase.poll(
                () -> metric("contextMessagesWithoutRow") == 1,
                Duration.ofSeconds(30),
                "the package's messages to be counted");

        job.cancel();
        db.awaitSlotInactive();
        assertThat(Setup.rowTriggerReplaced(db.database())).isTrue();
        JobConfig options = Main.config(db.args());
        assertThat(Setup.run(options.source(), options.destination(), options.tables(), Replication.BEMI))
                .anySatisfy(
                        notice -> assertThat(notice)
                                .startsWith(
                                        "WARNING: source-setup.sql: Function _bemi_row_trigger_func() was not the audit trail's"));
        assertThat(Setup.rowTriggerReplaced(db.database())).isFalse();
        job = new TestJob(cluster).submit(db.args());
        db.transaction(
                withContext("INSERT INTO todo VALUES (20, 'dup') ON CONFLICT DO NOTHING", "{\"skipped\": true}"),
                "INSERT INTO todo VALUES (21, 'next')");
        assertThat(db.await(
                        "SELECT * FROM changes WHERE primary_key = '21'",
                        rows -> !rows.isEmpty(),
                        Duration.ofSeconds(60)))
                .extracting(r -> r.get("context").toString())
                .containsExactly("{}");
    }

    @Test
    void anApplicationsOwnChangesTableIsCapturedWhereTheDestinationIsElsewhere() throws Exception {
        db.execute("CREATE DATABASE shop");
        Database shop = new Database("localhost", db.port(), "shop", "postgres", "");
        job.submit(new String[] {
            "--db-port", String.valueOf(db.port()), "--db-name", "shop", "--destination-db-name", "postgres"
        });
        // the application's own table named changes, created while the job runs: tracked as any other
        try (var c = shop.connect();
                var s = c.createStatement()) {
            s.execute("CREATE TABLE changes (id int PRIMARY KEY, note text)");
            c.setAutoCommit(false);
            s.execute(withContext("INSERT INTO changes VALUES (1, 'mine')", "{\"app\": \"shop\"}"));
            s.execute("CREATE TABLE other (id int PRIMARY KEY)");
            s.execute("INSERT INTO other VALUES (1)");
            c.commit();
        }
        assertThat(stored(2)).containsExactly("changes CREATE 1 {\"app\":\"shop\"}", "other CREATE 1 {}");
        assertThat(settledChanges(2))
                .allSatisfy(r -> assertThat(r.get("database")).isEqualTo("shop"));
    }

    @Test
    void aTableCreatedByARoleWithoutEventTriggersIsCapturedOnceSetupsAdviceIsFollowed() throws Exception {
        db.execute("CREATE ROLE app LOGIN REPLICATION", "CREATE DATABASE appdb OWNER app");
        Database app = new Database("localhost", db.port(), "appdb", "app", "");
        String[] args = {"--db-port", String.valueOf(db.port()), "--db-name", "appdb", "--db-user", "app"};
        job.submit(args);
        try (var c = app.connect();
                var s = c.createStatement()) {
            s.execute("CREATE TABLE later (id int PRIMARY KEY, v text)");
            // what setup told this role to run after creating a table
            s.execute("CALL _bemi_set_replica_identity()");
            s.execute("CALL _bemi_create_triggers()");
            c.setAutoCommit(false);
            s.execute(withContext("INSERT INTO later VALUES (1, 'a')", "{\"by\": \"app\"}"));
            s.execute("UPDATE later SET v = 'b'");
            c.commit();
        }
        String[] stored = new String[1];
        TestDatabase.poll(
                () -> {
                    try (var c = app.connect();
                            var s = c.createStatement();
                            var rs = s.executeQuery(
                                    "SELECT string_agg(operation || ' ' || context::text || ' ' || before::text, ', ' ORDER BY position)"
                                            + " FROM changes WHERE \"table\" = 'later'")) {
                        rs.next();
                        stored[0] = rs.getString(1);
                        return stored[0] != null && stored[0].contains("UPDATE");
                    } catch (java.sql.SQLException e) {
                        return false;
                    }
                },
                Duration.ofSeconds(60),
                "the new table's changes to be stored");
        assertThat(stored[0]).isEqualTo("CREATE {\"by\": \"app\"} {}, UPDATE {} {\"v\": \"a\", \"id\": 1}");
    }

    private long metric(String name) {
        try {
            return job.metric(name);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
