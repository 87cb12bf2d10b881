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
package org.audittrail.job.setup;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.audittrail.job.testing.Cli;
import org.audittrail.job.testing.TestDatabase;
import org.junit.jupiter.api.Test;

/** setup --print-sql, run by hand on a fresh database, leaves what setup leaves; setup says how far it is on many tables. */
class SetupSqlITCase {

    /** Tables in public and outside it, a partitioned one and one excluded. */
    static final String SCHEMA =
            """
            CREATE TABLE todo (id serial PRIMARY KEY, task text NOT NULL);
            CREATE TABLE "Odd Name" (id int PRIMARY KEY);
            CREATE SCHEMA app;
            CREATE TABLE app.items (id int PRIMARY KEY, name text);
            CREATE TABLE app.events (id int, at date NOT NULL) PARTITION BY RANGE (at);
            CREATE TABLE app.events_2026 PARTITION OF app.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
            CREATE TABLE app.skipped (id int);
            CREATE UNLOGGED TABLE app.scratch (id int);
            """;

    static final String[] TRACKING = {"--tables=public.*,app.*", "--exclude-tables=app.skipped"};

    /** What setup leaves, from the catalogs: SetupITCase's, with every schema's tables and triggers. */
    static final String CATALOG =
            """
            SELECT 'event trigger ' || evtname || ' ' || evtevent || ' ' || evtfoid::regproc || ' ' || evttags::text FROM pg_event_trigger
            UNION ALL SELECT 'routine ' || oid::regprocedure || ' ' || md5(prosrc) || ' ' || coalesce(obj_description(oid, 'pg_proc'), '')
              FROM pg_proc WHERE proname LIKE '\\_bemi%' OR proname LIKE 'changes\\_%'
            UNION ALL SELECT 'slot ' || slot_name || ' ' || plugin || ' ' || database FROM pg_replication_slots
            UNION ALL SELECT 'publication ' || pubname || ' ' || puballtables || ' ' || pubviaroot FROM pg_publication
            UNION ALL SELECT 'published ' || schemaname || '.' || tablename FROM pg_publication_tables
            UNION ALL SELECT 'table ' || c.oid::regclass || ' ' || c.relkind::text || ' identity ' || c.relreplident::text
                || ' ' || coalesce(obj_description(c.oid, 'pg_class'), '')
              FROM pg_class c WHERE c.relnamespace IN ('public'::regnamespace, 'app'::regnamespace) AND c.relkind IN ('r', 'p')
            UNION ALL SELECT 'index ' || indexrelid::regclass FROM pg_index WHERE indrelid = to_regclass('changes')
            UNION ALL SELECT 'trigger ' || tgname || ' on ' || tgrelid::regclass || ' ' || tgtype || ' ' || tgfoid::regproc
              FROM pg_trigger WHERE NOT tgisinternal
            ORDER BY 1""";

    @Test
    void printedSqlRunByHandLeavesWhatSetupLeavesAndPrintingChangesNothing() throws Exception {
        try (TestDatabase bySetup = TestDatabase.start();
                TestDatabase byHand = TestDatabase.start()) {
            bySetup.execute(SCHEMA);
            byHand.execute(SCHEMA);
            assertThat(Cli.run(bySetup.args(withTracking("setup"))).exit()).isZero();

            List<Map<String, Object>> before = byHand.query(CATALOG);
            Printed printed = stdout(() -> Cli.run(byHand.args(withTracking("setup", "--print-sql"))));
            assertThat(printed.exit()).isZero();
            assertThat(byHand.query(CATALOG)).isEqualTo(before);
            assertThat(printed.out())
                    .contains("CREATE OR REPLACE TRIGGER _bemi_row_trigger_items BEFORE INSERT OR UPDATE OR DELETE"
                            + " ON app.items")
                    .contains("ALTER TABLE app.events_2026 REPLICA IDENTITY FULL;")
                    .contains("ALTER PUBLICATION bemi SET TABLE")
                    .contains("-- Not tracking app.scratch: an UNLOGGED table's changes are not in the WAL")
                    .doesNotContain("app.skipped")
                    .doesNotContain(TestDatabase.PASSWORD)
                    .doesNotContain("Setup done");
            // in order: the source script, the tables, the publication, the destination
            assertThat(printed.out())
                    .containsSubsequence(
                            "pg_create_logical_replication_slot('bemi', 'pgoutput')",
                            "ALTER TABLE app.items REPLICA IDENTITY FULL;",
                            "ALTER PUBLICATION bemi SET TABLE",
                            "CREATE TABLE IF NOT EXISTS changes (");

            byHand.execute(printed.out());
            assertThat(byHand.query(CATALOG)).isEqualTo(bySetup.query(CATALOG));
            // and setup afterwards has nothing left to do
            assertThat(Cli.run(byHand.args(withTracking("setup"))).exit()).isZero();
            assertThat(byHand.query(CATALOG)).isEqualTo(bySetup.query(CATALOG));
        }
    }

    @Test
    void printedSqlOnADatabaseSetUpBeforeIsHarmlessAndChangesNothing() throws Exception {
        try (TestDatabase db = TestDatabase.start()) {
            db.execute(SCHEMA);
            assertThat(Cli.run(db.args(withTracking("setup"))).exit()).isZero();
            List<Map<String, Object>> setUp = db.query(CATALOG);
            Printed printed = stdout(() -> Cli.run(db.args(withTracking("setup", "--print-sql"))));
            assertThat(printed.out()).doesNotContain("CREATE OR REPLACE TRIGGER");
            db.execute(printed.out());
            assertThat(db.query(CATALOG)).isEqualTo(setUp);
        }
    }

    @Test
    void setupOnManyTablesSaysHowFarItIsWithoutNamingThem() throws Exception {
        try (TestDatabase db = TestDatabase.start()) {
            db.execute(IntStream.rangeClosed(1, 250)
                    .mapToObj(i -> "CREATE TABLE secret_name_" + i + " (id int PRIMARY KEY)")
                    .toArray(String[]::new));
            Printed setup = stdout(() -> Cli.run(db.args("setup")));
            assertThat(setup.exit()).isZero();
            List<String> progress = setup.out()
                    .lines()
                    .filter(line -> line.startsWith("setup: "))
                    .toList();
            // every 100 tables, and the last; a line every 5 s besides only on a slow machine
            assertThat(progress).contains("setup: 100/250 tables", "setup: 200/250 tables", "setup: 250/250 tables");
            assertThat(progress).allMatch(line -> line.matches("setup: \\d+/250 tables"));
            assertThat(progress.get(progress.size() - 1)).isEqualTo("setup: 250/250 tables");
        }
    }

    @Test
    void setupOnFewTablesSaysNoProgress() throws Exception {
        try (TestDatabase db = TestDatabase.start()) {
            db.execute(SCHEMA);
            Printed setup = stdout(() -> Cli.run(db.args(withTracking("setup"))));
            assertThat(setup.exit()).isZero();
            assertThat(setup.out()).doesNotContain("setup: ").contains("Setup done");
        }
    }

    private static String[] withTracking(String... args) {
        String[] all = new String[args.length + TRACKING.length];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(TRACKING, 0, all, args.length, TRACKING.length);
        return all;
    }

    record Printed(int exit, String out, String err) {}

    /** Runs the command line in this JVM with standard output captured. */
    static Printed stdout(java.util.function.Supplier<Cli.Result> run) {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            Cli.Result result = run.get();
            return new Printed(result.exit(), out.toString(StandardCharsets.UTF_8), result.err());
        } finally {
            System.setOut(original);
        }
    }
}
