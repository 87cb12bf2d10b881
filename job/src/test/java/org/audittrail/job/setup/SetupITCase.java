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
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.audittrail.job.cli.Main;
import org.audittrail.job.config.JobConfig;
import org.audittrail.job.db.Database;
import org.audittrail.job.testing.Cli;
import org.audittrail.job.testing.JobTestBase;
import org.audittrail.job.testing.TestDatabase;
import org.audittrail.udf.selection.TableSelection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The setup and disconnect commands against real PostgreSQL: idempotent, clear when they cannot proceed. */
class SetupITCase {

    /** What setup leaves in a database, read from the catalogs. */
    static final String CATALOG =
            """
            SELECT 'event trigger ' || evtname || ' ' || evtevent || ' ' || evtfoid::regproc FROM pg_event_trigger
            UNION ALL SELECT 'routine ' || oid::regprocedure FROM pg_proc WHERE proname LIKE '\\_bemi%' OR proname LIKE 'changes\\_%'
            UNION ALL SELECT 'slot ' || slot_name || ' ' || plugin FROM pg_replication_slots
            UNION ALL SELECT 'publication ' || pubname || ' ' || puballtables FROM pg_publication
            UNION ALL SELECT 'published ' || schemaname || '.' || tablename FROM pg_publication_tables
            UNION ALL SELECT 'table ' || c.oid::regclass || ' ' || c.relkind::text || ' identity ' || c.relreplident::text
              FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
            UNION ALL SELECT 'index ' || indexrelid::regclass FROM pg_index WHERE indrelid = 'changes'::regclass
            UNION ALL SELECT 'trigger ' || tgname || ' on ' || tgrelid::regclass FROM pg_trigger WHERE tgname LIKE '\\_bemi%'
            UNION ALL SELECT 'body of ' || proname || ': ' || md5(prosrc) FROM pg_proc WHERE proname LIKE '\\_bemi%'
            ORDER BY 1""";

    static TestDatabase db;

    @BeforeAll
    static void startDatabase() {
        db = TestDatabase.start();
        db.executeFixture("fixtures/todo-schema.sql");
    }

    @AfterAll
    static void stopDatabase() throws Exception {
        db.close();
    }

    @Test
    void setupTwiceChangesNothingAndDisconnectRemovesWhatSeed000Lists() {
        assertThat(Cli.run(db.args("setup")).exit()).isZero();
        List<Object> first = column(db.query(CATALOG));
        assertThat(first)
                .contains(
                        "event trigger _bemi_set_replica_identity_trigger ddl_command_end _bemi_set_replica_identity_func",
                        "routine _bemi_set_replica_identity()",
                        "slot bemi pgoutput",
                        "publication bemi false",
                        "published public.todo",
                        "table todo r identity f",
                        "table changes p identity d",
                        "event trigger _bemi_create_table_trigger ddl_command_end _bemi_create_table_trigger_func",
                        "routine _bemi_row_trigger_func()",
                        "routine _bemi_create_triggers()",
                        "trigger _bemi_row_trigger_todo on todo",
                        "routine _bemi_truncate_trigger_func()",
                        "trigger _bemi_truncate_trigger_todo on todo");
        assertThat(first).noneMatch(line -> line.toString().startsWith("trigger _bemi_truncate_trigger_changes"));
        assertThat(first).noneMatch(line -> line.toString().startsWith("trigger _bemi_row_trigger_changes"));
        assertThat(first).noneMatch(line -> line.toString().startsWith("published public.changes"));

        assertThat(Cli.run(db.args("setup")).exit()).isZero();
        assertThat(column(db.query(CATALOG))).isEqualTo(first);

        // a table created later gets REPLICA IDENTITY FULL and the context trigger from the event triggers
        db.execute("CREATE TABLE later (id int PRIMARY KEY)");
        assertThat(db.value("SELECT relreplident FROM pg_class WHERE relname = 'later'"))
                .isEqualTo("f");
        assertThat(db.value("SELECT count(*) FROM pg_trigger WHERE tgname = '_bemi_row_trigger_later'"))
                .isEqualTo(1L);
        assertThat(db.value("SELECT count(*) FROM pg_trigger WHERE tgname = '_bemi_truncate_trigger_later'"))
                .isEqualTo(1L);

        assertThat(Cli.run(db.args("disconnect")).exit()).isZero();
        assertThat(column(db.query(CATALOG))).noneMatch(line -> line.toString()
                .matches("(event trigger|routine _bemi|slot|publication|published|trigger _bemi_truncate).*"));
        // disconnecting again is harmless
        assertThat(Cli.run(db.args("disconnect")).exit()).isZero();
    }

    @Test
    void databasePreparedByABemiPackageIsLeftAsItIsButForTheRowTriggerFunction() throws Exception {
        try (TestDatabase prepared = TestDatabase.start()) {
            prepared.executeFixture("fixtures/bemi-prepared.sql");
            String bodies = "SELECT proname || ' ' || prosrc AS body FROM pg_proc WHERE proname LIKE '\\_bemi%'"
                    + " AND proname <> '_bemi_row_trigger_func' ORDER BY 1";
            List<Object> before = column(prepared.query(bodies));
            assertThat(Setup.rowTriggerReplaced(prepared.database())).isTrue();
            JobConfig options = Main.config(prepared.args());
            // the row trigger function is setup's, under Bemi's name and with Bemi's messages: said, and put back
            assertThat(Setup.run(options.source(), options.destination(), options.tables(), Replication.BEMI))
                    .anySatisfy(
                            notice -> assertThat(notice)
                                    .startsWith(
                                            "WARNING: source-setup.sql: Function _bemi_row_trigger_func() was not the audit trail's"));
            assertThat(Setup.rowTriggerReplaced(prepared.database())).isFalse();
            assertThat(column(prepared.query(bodies))).containsAll(before);
            assertThat(prepared.value("SELECT count(*) FROM pg_trigger WHERE tgname = '_bemi_row_trigger_notes'"))
                    .isEqualTo(1L);
        }
    }

    @Test
    void roleWithoutEventTriggerPrivilegeIsToldWhatToRunByHand() throws Exception {
        try (TestDatabase server = TestDatabase.start()) {
            server.execute("CREATE ROLE app LOGIN REPLICATION", "CREATE DATABASE appdb OWNER app");
            Database app = new Database("localhost", server.port(), "appdb", "app", "");
            try (var c = app.connect();
                    var s = c.createStatement()) {
                s.execute("CREATE TABLE todo (id int PRIMARY KEY, task text)");
            }
            String[] args = {
                "setup", "--db-port", String.valueOf(server.port()), "--db-name", "appdb", "--db-user", "app"
            };
            StringWriter out = new StringWriter();
            var commandLine = Main.commandLine();
            commandLine.setOut(new PrintWriter(out, true));
            java.io.PrintStream stdout = System.out;
            java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
            System.setOut(new java.io.PrintStream(printed, true));
            int exit;
            try {
                exit = commandLine.execute(args);
            } finally {
                System.setOut(stdout);
            }
            assertThat(exit).isZero();
            assertThat(printed.toString())
                    .contains("CALL _bemi_set_replica_identity();")
                    .contains("CALL _bemi_create_triggers();")
                    .contains("Setup done");
            try (var c = app.connect();
                    var s = c.createStatement();
                    var rs =
                            s.executeQuery("SELECT count(*) FROM pg_trigger WHERE tgname = '_bemi_row_trigger_todo'")) {
                rs.next();
                assertThat(rs.getLong(1))
                        .as("existing tables get their trigger all the same")
                        .isEqualTo(1L);
            }
        }
    }

    @Test
    void bemisEnvironmentVariablesWorkUnchanged() throws Exception {
        db.execute("CREATE DATABASE envdest");
        ProcessBuilder process = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        Main.class.getName(),
                        "setup")
                .redirectErrorStream(true);
        Map<String, String> env = process.environment();
        env.put("DB_HOST", "localhost");
        env.put("DB_PORT", String.valueOf(db.port()));
        env.put("DB_NAME", "postgres");
        env.put("DB_USER", "postgres");
        env.put("DB_PASSWORD", TestDatabase.PASSWORD);
        env.put("DESTINATION_DB_NAME", "envdest"); // the other DESTINATION_DB_* default to the DB_* values
        Process setup = process.start();
        assertThat(setup.waitFor(2, java.util.concurrent.TimeUnit.MINUTES)).isTrue();
        String output = new String(setup.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(setup.exitValue()).as(output).isZero();
        assertThat(output)
                .contains("Setup done: source postgres@localhost:" + db.port()
                        + "/postgres, destination postgres@localhost:" + db.port() + "/envdest")
                .doesNotContain(TestDatabase.PASSWORD);
        Database envdest = new Database("localhost", db.port(), "envdest", "postgres", TestDatabase.PASSWORD);
        try (var c = envdest.connect();
                var s = c.createStatement();
                var rs = s.executeQuery("SELECT to_regclass('changes') IS NOT NULL")) {
            rs.next();
            assertThat(rs.getBoolean(1)).isTrue();
        }
    }

    @Test
    void wrongWalLevelFailsWithTheExactFix() throws Exception {
        try (TestDatabase replica = TestDatabase.start(Map.of("wal_level", "replica"))) {
            Cli.Result result = Cli.run(replica.args("setup"));
            assertThat(result.exit()).isEqualTo(1);
            assertThat(result.err())
                    .contains("wal_level is replica")
                    .contains("ALTER SYSTEM SET wal_level = logical;")
                    .contains("restart");
        }
    }

    @Test
    void missingPrivilegeSaysWhatIsNeeded() {
        db.execute("DROP ROLE IF EXISTS limited", "CREATE ROLE limited LOGIN");
        String[] args = db.args("setup", "--db-user", "limited");
        Cli.Result result = Cli.run(args);
        assertThat(result.exit()).as(result.err()).isEqualTo(1);
        assertThat(result.err()).contains("lacks a privilege").doesNotContain(TestDatabase.PASSWORD);
    }

    @Test
    void unreachableDatabaseFailsClearlyWithoutThePassword() {
        Cli.Result result = Cli.run(new String[] {
            "setup", "--db-host", "127.0.0.1", "--db-port", "1", "--db-password=" + TestDatabase.PASSWORD
        });
        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err())
                .contains("Cannot connect to postgres@127.0.0.1:1/postgres")
                .doesNotContain(TestDatabase.PASSWORD);
    }

    @Test
    void namesOf63BytesNeitherBreakSetupNorALaterCreateTable() throws Exception {
        try (TestDatabase server = TestDatabase.start()) {
            // 63 bytes each, PostgreSQL's limit; two by two they share their first 50 bytes, so the names of their
            // triggers, cut at 63 bytes (at 62 for the two-byte letters, on a character boundary), are the same
            List<String> existing = List.of(
                    "a".repeat(50) + "_first_tables",
                    "a".repeat(50) + "_other_tables",
                    "ü".repeat(25) + "_first_tables",
                    "ü".repeat(25) + "_other_tables");
            List<String> later = List.of(
                    "b".repeat(50) + "_first_tables",
                    "b".repeat(50) + "_other_tables",
                    "ö".repeat(25) + "_first_tables",
                    "ö".repeat(25) + "_other_tables");
            assertThat(Stream.concat(existing.stream(), later.stream()))
                    .allMatch(n -> n.getBytes(StandardCharsets.UTF_8).length == 63);
            existing.forEach(name -> server.execute("CREATE TABLE \"" + name + "\" (id int PRIMARY KEY)"));

            Cli.Result first = Cli.run(server.args("setup"));
            assertThat(first.exit()).as(first.err()).isZero();
            Cli.Result second = Cli.run(server.args("setup"));
            assertThat(second.exit()).as(second.err()).isZero();
            // the application goes on creating tables once the event triggers are in place
            later.forEach(name -> server.execute("CREATE TABLE \"" + name + "\" (id int PRIMARY KEY)"));
            server.execute(
                    "CREATE TABLE plain (id int PRIMARY KEY)",
                    JobTestBase.withContext("INSERT INTO \"" + later.get(3) + "\" VALUES (1)", "{\"long\": true}"));

            List<String> expected = new ArrayList<>();
            Stream.of(existing, later, List.of("plain"))
                    .flatMap(List::stream)
                    .forEach(name -> expected.add(name + " f 1 true"));
            assertThat(
                            server.query(
                                    "SELECT c.relname || ' ' || c.relreplident::text || ' '"
                                            + " || (SELECT count(*) FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgfoid = '_bemi_row_trigger_func()'::regprocedure)"
                                            + " || ' ' || EXISTS (SELECT 1 FROM pg_publication_tables p WHERE p.pubname = 'bemi' AND p.tablename = c.relname) AS state"
                                            + " FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND NOT c.relispartition"
                                            // the destination's own tables, where it is the source
                                            + " AND coalesce(obj_description(c.oid, 'pg_class'), '') NOT LIKE 'audit-trail destination%'"))
                    .extracting(r -> r.get("state"))
                    .containsExactlyInAnyOrderElementsOf(expected);
        }
    }

    @Test
    void anOlderSetupsTriggersAreBroughtUpToDate() throws Exception {
        try (TestDatabase server = TestDatabase.start()) {
            server.executeFixture("fixtures/older-setup.sql");
            String longName = "c".repeat(63);
            server.execute("CREATE TABLE " + longName + " (id int PRIMARY KEY)");
            Cli.Result setup = Cli.run(server.args("setup"));
            assertThat(setup.exit()).as(setup.err()).isZero();
            // the older event trigger would find the long-named table without its trigger, and fail to add it again
            server.execute("CREATE TABLE later (id int PRIMARY KEY)");
            assertThat(
                            server.value(
                                    "SELECT count(*) FROM pg_proc WHERE proname LIKE '\\_bemi%'"
                                            + " AND coalesce(obj_description(oid, 'pg_proc'), '') NOT LIKE 'audit-trail%' AND proname NOT LIKE '%replica%'"))
                    .as("every context routine is setup's own, up to date")
                    .isEqualTo(0L);
        }
    }

    @Test
    void tablesThatCannotBeTrackedAreSkippedWithOneNoticeAtSetupAndAtCreation() throws Exception {
        try (TestDatabase server = TestDatabase.start()) {
            server.execute(
                    "CREATE TABLE todo (id int PRIMARY KEY)",
                    "CREATE UNLOGGED TABLE unl (id int PRIMARY KEY)",
                    "CREATE TABLE events (id int, day date) PARTITION BY RANGE (day)",
                    "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
                    "CREATE UNLOGGED TABLE events_scratch PARTITION OF events FOR VALUES FROM ('2000-01-01') TO ('2001-01-01')",
                    "CREATE SCHEMA sales",
                    "CREATE UNLOGGED TABLE sales.unl (id int PRIMARY KEY)");
            TableSelection selection = TableSelection.of(List.of("public.*", "sales.*"), List.of());
            List<String> atSetup = List.of(
                    "source-setup.sql: Not tracking public.events_scratch, a partition of public.events: "
                            + unlogged("public.events_scratch"),
                    "source-setup.sql: Not tracking public.unl: " + unlogged("public.unl"),
                    "Not tracking sales.unl: " + unlogged("sales.unl"));
            assertThat(Setup.run(server.database(), server.database(), selection, Replication.BEMI))
                    .filteredOn(n -> n.contains("Not tracking"))
                    .containsExactlyElementsOf(atSetup);
            // at every start, once each
            assertThat(Setup.run(server.database(), server.database(), selection, Replication.BEMI))
                    .filteredOn(n -> n.contains("Not tracking"))
                    .containsExactlyElementsOf(atSetup);
            assertThat(Setup.capture(server.database(), selection).read())
                    .containsExactly("public.events", "public.todo");

            server.execute("SELECT pg_create_logical_replication_slot('peek', 'test_decoding')");
            assertThat(noticesOf(
                            server.database(),
                            "CREATE UNLOGGED TABLE unl_later (id int PRIMARY KEY)",
                            "CREATE TEMP TABLE scratch (id int)",
                            "CREATE UNLOGGED TABLE events_scratch_later PARTITION OF events FOR VALUES FROM ('2001-01-01') TO ('2002-01-01')",
                            "CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
                            "CREATE UNLOGGED TABLE sales.unl_later (id int)",
                            "CREATE TABLE later (id int)",
                            "INSERT INTO unl_later VALUES (1)",
                            "INSERT INTO scratch VALUES (1)",
                            JobTestBase.withContext(
                                    "INSERT INTO events VALUES (1, '2000-06-01'), (2, '2001-06-01')",
                                    "{\"lost\": true}"),
                            JobTestBase.withContext("INSERT INTO events VALUES (3, '2025-06-01')", "{\"kept\": true}")))
                    .containsExactly(
                            "Not tracking public.unl_later: " + unlogged("public.unl_later"),
                            "Not tracking pg_temp.scratch: a temporary table's changes are not in the WAL",
                            "Not tracking public.events_scratch_later, a partition of public.events: "
                                    + unlogged("public.events_scratch_later"),
                            "Not tracking sales.unl_later: " + unlogged("sales.unl_later"));
            // a row of an UNLOGGED partition, not in the WAL, leaves no message; a logged partition's row is named by
            // its
            // root, with its statement's context after a line break
            assertThat(server.query(
                            "SELECT data FROM pg_logical_slot_get_changes('peek', NULL, NULL) WHERE data LIKE 'message:%'"
                                    + " AND data NOT LIKE '%prefix: audit-trail-schema%'"))
                    .extracting(r -> r.get("data").toString().replaceAll("(?s).*content:", ""))
                    .containsExactly("[\"INSERT\", \"public\", \"events\"]\n{\"kept\": true}");

            assertThat(
                            server.query(
                                    "SELECT schemaname || '.' || tablename AS t FROM pg_publication_tables WHERE pubname = 'bemi' ORDER BY 1"))
                    .extracting(r -> r.get("t"))
                    .containsExactly("public.events", "public.later", "public.todo");
            assertThat(
                            server.query(
                                    "SELECT tgrelid::regclass::text AS t FROM pg_trigger WHERE tgname LIKE '\\_bemi%' AND tgname NOT LIKE '\\_bemi\\_truncate%' AND tgparentid = 0 ORDER BY 1"))
                    .extracting(r -> r.get("t"))
                    .containsExactly("events", "later", "todo");
            assertThat(server.value("SELECT relreplident FROM pg_class WHERE relname = 'events_2025'"))
                    .isEqualTo("f");
        }
    }

    @Test
    void foreignTablesAreSkippedWithOneNoticeAtSetupAndAtCreation() throws Exception {
        try (TestDatabase server = TestDatabase.start()) {
            assumeTrue(
                    Long.valueOf(1)
                            .equals(server.value(
                                    "SELECT count(*) FROM pg_available_extensions WHERE name = 'file_fdw'")),
                    "file_fdw is not among the embedded PostgreSQL's extensions: foreign tables are not tested");
            String files = "SERVER files OPTIONS (filename '/dev/null')";
            server.execute(
                    "CREATE EXTENSION file_fdw",
                    "CREATE SERVER files FOREIGN DATA WRAPPER file_fdw",
                    "CREATE TABLE todo (id int PRIMARY KEY)",
                    "CREATE FOREIGN TABLE imported (id int) " + files,
                    "CREATE TABLE events (id int, day date) PARTITION BY RANGE (day)",
                    "CREATE FOREIGN TABLE events_archive PARTITION OF events FOR VALUES FROM ('1990-01-01') TO ('1991-01-01') "
                            + files);
            String foreign = ": a foreign table's rows are stored in another database (track them there)";
            assertThat(Setup.run(server.database(), server.database(), TableSelection.defaults(), Replication.BEMI))
                    .filteredOn(n -> n.contains("Not tracking"))
                    .containsExactly(
                            "source-setup.sql: Not tracking public.events_archive, a partition of public.events"
                                    + foreign,
                            "source-setup.sql: Not tracking public.imported" + foreign);

            assertThat(noticesOf(
                            server.database(),
                            "CREATE FOREIGN TABLE imported_later (id int) " + files,
                            "CREATE FOREIGN TABLE events_archive_later PARTITION OF events FOR VALUES FROM ('1991-01-01') TO ('1992-01-01') "
                                    + files))
                    .containsExactly(
                            "Not tracking public.imported_later" + foreign,
                            "Not tracking public.events_archive_later, a partition of public.events" + foreign);
            assertThat(server.query("SELECT tablename FROM pg_publication_tables WHERE pubname = 'bemi' ORDER BY 1"))
                    .extracting(r -> r.get("tablename"))
                    .containsExactly("events", "todo");
            assertThat(Setup.capture(server.database(), TableSelection.defaults())
                            .read())
                    .containsExactly("public.events", "public.todo");
        }
    }

    @Test
    void withoutImageIndexesTheGinIndexesOfBeforeAndAfterAreLeftOutOrDropped() throws Exception {
        db.execute("CREATE DATABASE lean");
        Database lean = new Database("localhost", db.port(), "lean", "postgres", TestDatabase.PASSWORD);
        String indexes = "SELECT string_agg(indexname, ', ' ORDER BY indexname) FROM pg_indexes"
                + " WHERE tablename = 'changes' AND indexdef LIKE '%USING gin%'";
        Setup.prepareDestination(lean, Replication.BEMI, false);
        assertThat(valueIn(lean, indexes)).isEqualTo("changes_context_idx");
        Setup.prepareDestination(lean, Replication.BEMI, true);
        assertThat(valueIn(lean, indexes)).isEqualTo("changes_after_idx, changes_before_idx, changes_context_idx");
        // told again later: dropped, from every partition
        Setup.prepareDestination(lean, Replication.BEMI, false);
        assertThat(valueIn(lean, indexes)).isEqualTo("changes_context_idx");
        assertThat(valueIn(lean, "SELECT count(*) FROM pg_indexes WHERE indexdef LIKE '%USING gin (\"after\"%'"))
                .isEqualTo(0L);
        // the SQL setup prints for a DBA says the same
        assertThat(Setup.destinationScript(false)).startsWith("SET audit_trail.image_indexes = 'off';");
    }

    private static Object valueIn(Database database, String sql) throws SQLException {
        try (Connection c = database.connect();
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getObject(1);
        }
    }

    @Test
    void anApplicationRoleThatOwnsFewTablesNeverHasACreateTableFail() throws Exception {
        try (TestDatabase server = TestDatabase.start()) {
            server.execute("CREATE TABLE todo (id int PRIMARY KEY)");
            Setup.run(server.database(), server.database(), TableSelection.defaults(), Replication.BEMI);
            // the administrator's table that lacks Bemi's trigger (CREATE TABLE AS does not fire that event trigger)
            server.execute(
                    "CREATE TABLE report AS SELECT 1 AS id",
                    "CREATE ROLE app LOGIN",
                    "GRANT CREATE ON SCHEMA public TO app");
            Database app = new Database("localhost", server.port(), "postgres", "app", "");

            String table = "t".repeat(63);
            List<String> notices = noticesOf(
                    app,
                    "CREATE TABLE " + table + " (id int PRIMARY KEY)",
                    "CREATE UNLOGGED TABLE scratch (id int)",
                    JobTestBase.withContext("INSERT INTO " + table + " VALUES (1)", "{\"by\": \"app\"}"));
            assertThat(notices)
                    .containsExactly(
                            "Could not add public." + table
                                    + " to publication bemi (must be owner of publication bemi): its changes are not"
                                    + " captured until setup adds it (the job runs setup at each start unless --skip-setup) or the"
                                    + " publication's owner runs ALTER PUBLICATION bemi ADD TABLE public." + table
                                    + ";",
                            "Not tracking public.scratch: " + unlogged("public.scratch"));
            assertThat(server.value("SELECT relreplident FROM pg_class WHERE relname = '" + table + "'"))
                    .isEqualTo("f");
            // the row trigger and the truncate trigger
            assertThat(server.value("SELECT count(*) FROM pg_trigger WHERE tgrelid = '" + table + "'::regclass"))
                    .isEqualTo(2L);

            // as the warning says: the next setup publishes it
            Setup.run(server.database(), server.database(), TableSelection.defaults(), Replication.BEMI);
            assertThat(server.query("SELECT tablename FROM pg_publication_tables WHERE pubname = 'bemi' ORDER BY 1"))
                    .extracting(r -> r.get("tablename"))
                    .containsExactlyInAnyOrder("report", table, "todo");
        }
    }

    private static String unlogged(String table) {
        return "an UNLOGGED table's changes are not in the WAL (ALTER TABLE " + table
                + " SET LOGGED; makes it trackable)";
    }

    /** Runs each statement as the user of {@code database}, in its own transaction; returns their notices and warnings. */
    static List<String> noticesOf(Database database, String... statements) throws SQLException {
        List<String> notices = new ArrayList<>();
        try (Connection c = database.connect();
                Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
                for (SQLWarning w = s.getWarnings(); w != null; w = w.getNextWarning()) {
                    notices.add(w.getMessage());
                }
                s.clearWarnings();
            }
        }
        return notices;
    }

    private static List<Object> column(List<Map<String, Object>> rows) {
        return rows.stream().map(r -> r.values().iterator().next()).toList();
    }

    @Test
    void theBrowserRoleReadsChangesAndNothingElse() throws Exception {
        assertThat(Cli.run(db.args("setup", "--browser-role", "audit browser")).exit())
                .isZero();
        assertThat(Cli.run(db.args("setup", "--browser-role", "audit browser")).exit())
                .isZero();
        assertThat(db.value("SELECT rolpassword FROM pg_authid WHERE rolname = 'audit browser'"))
                .isNull();
        // a password set at each run, as a SCRAM verifier: the clear text reaches no statement
        Cli.Result withPassword =
                Cli.run(db.args("setup", "--browser-role", "audit browser", "--browser-role-password=br-pw-5e1d"));
        assertThat(withPassword.exit()).as(withPassword.err()).isZero();
        assertThat((String) db.value("SELECT rolpassword FROM pg_authid WHERE rolname = 'audit browser'"))
                .startsWith("SCRAM-SHA-256$")
                .doesNotContain("br-pw-5e1d");
        Cli.Result passwordAlone = Cli.run(db.args("setup", "--browser-role-password=br-pw-5e1d"));
        assertThat(passwordAlone.exit()).isEqualTo(1);
        assertThat(passwordAlone.err()).contains("--browser-role-password needs --browser-role");
        assertThat(db.value("SELECT rolcanlogin AND NOT rolsuper AND NOT rolcreaterole AND NOT rolcreatedb"
                        + " FROM pg_roles WHERE rolname = 'audit browser'"))
                .isEqualTo(true);
        try (Connection c = db.connect();
                Statement s = c.createStatement()) {
            s.execute("SET ROLE \"audit browser\"");
            s.executeQuery("SELECT count(*) FROM changes").close();
            s.executeQuery("SELECT * FROM changes_record_history('todo', '1')").close();
            assertThatThrownBy(() -> s.execute("DELETE FROM changes")).hasMessageContaining("permission denied");
            assertThatThrownBy(() -> s.executeQuery("SELECT * FROM todo")).hasMessageContaining("permission denied");
        }
        List<String> args = new java.util.ArrayList<>(List.of("setup"));
        args.addAll(List.of(db.args("--print-sql", "--browser-role", "audit browser")));
        Cli.Output printed = Cli.withJarDependencies(args.toArray(new String[0]));
        assertThat(printed.exit()).as(printed.err()).isZero();
        assertThat(printed.out())
                .contains(
                        "CREATE ROLE \"audit browser\" LOGIN;",
                        "GRANT SELECT ON changes TO \"audit browser\";",
                        "GRANT SELECT ON schema_changes TO \"audit browser\";");
    }
}
