package org.audittrail.job;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The setup and disconnect commands against real PostgreSQL: idempotent, clear when they cannot proceed. */
class SetupITCase {

    /** What setup leaves in a database, read from the catalogs. */
    static final String CATALOG = """
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
        assertThat(run(db.args("setup")).exit).isZero();
        List<Object> first = column(db.query(CATALOG));
        assertThat(first).contains(
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
                "trigger _bemi_row_trigger_todo on todo");
        assertThat(first).noneMatch(line -> line.toString().startsWith("trigger _bemi_row_trigger_changes"));
        assertThat(first).noneMatch(line -> line.toString().startsWith("published public.changes"));

        assertThat(run(db.args("setup")).exit).isZero();
        assertThat(column(db.query(CATALOG))).isEqualTo(first);

        // a table created later gets REPLICA IDENTITY FULL and the context trigger from the event triggers
        db.execute("CREATE TABLE later (id int PRIMARY KEY)");
        assertThat(db.value("SELECT relreplident FROM pg_class WHERE relname = 'later'")).isEqualTo("f");
        assertThat(db.value("SELECT count(*) FROM pg_trigger WHERE tgname = '_bemi_row_trigger_later'")).isEqualTo(1L);

        assertThat(run(db.args("disconnect")).exit).isZero();
        assertThat(column(db.query(CATALOG))).noneMatch(line -> line.toString().matches(
                "(event trigger|routine _bemi|slot|publication|published).*"));
        // disconnecting again is harmless
        assertThat(run(db.args("disconnect")).exit).isZero();
    }

    @Test
    void databasePreparedByABemiPackageIsLeftAsItIs() throws Exception {
        try (TestDatabase prepared = TestDatabase.start()) {
            prepared.executeFixture("fixtures/bemi-prepared.sql");
            String bodies = "SELECT proname || ' ' || prosrc AS body FROM pg_proc WHERE proname LIKE '\\_bemi%' ORDER BY 1";
            List<Object> before = column(prepared.query(bodies));
            assertThat(run(prepared.args("setup")).exit).isZero();
            List<Object> after = column(prepared.query(bodies));
            assertThat(after).containsAll(before);
            assertThat(after).filteredOn(b -> b.toString().startsWith("_bemi_row_trigger_func")).singleElement()
                    .asString().contains("prepared by the package");
            assertThat(prepared.value("SELECT count(*) FROM pg_trigger WHERE tgname = '_bemi_row_trigger_notes'")).isEqualTo(1L);
        }
    }

    @Test
    void roleWithoutEventTriggerPrivilegeIsToldWhatToRunByHand() throws Exception {
        try (TestDatabase server = TestDatabase.start()) {
            server.execute("CREATE ROLE app LOGIN REPLICATION", "CREATE DATABASE appdb OWNER app");
            Database app = new Database("localhost", server.port(), "appdb", "app", "");
            try (var c = app.connect(); var s = c.createStatement()) {
                s.execute("CREATE TABLE todo (id int PRIMARY KEY, task text)");
            }
            String[] args = {"setup", "--db-port", String.valueOf(server.port()), "--db-name", "appdb", "--db-user", "app"};
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
            try (var c = app.connect(); var s = c.createStatement();
                 var rs = s.executeQuery("SELECT count(*) FROM pg_trigger WHERE tgname = '_bemi_row_trigger_todo'")) {
                rs.next();
                assertThat(rs.getLong(1)).as("existing tables get their trigger all the same").isEqualTo(1L);
            }
        }
    }

    @Test
    void bemisEnvironmentVariablesWorkUnchanged() throws Exception {
        db.execute("CREATE DATABASE envdest");
        ProcessBuilder process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "setup").redirectErrorStream(true);
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
        assertThat(output).contains("Setup done: source postgres@localhost:" + db.port() + "/postgres, destination postgres@localhost:"
                + db.port() + "/envdest").doesNotContain(TestDatabase.PASSWORD);
        Database envdest = new Database("localhost", db.port(), "envdest", "postgres", TestDatabase.PASSWORD);
        try (var c = envdest.connect(); var s = c.createStatement(); var rs = s.executeQuery("SELECT to_regclass('changes') IS NOT NULL")) {
            rs.next();
            assertThat(rs.getBoolean(1)).isTrue();
        }
    }

    @Test
    void wrongWalLevelFailsWithTheExactFix() throws Exception {
        try (TestDatabase replica = TestDatabase.start(Map.of("wal_level", "replica"))) {
            Result result = run(replica.args("setup"));
            assertThat(result.exit).isEqualTo(1);
            assertThat(result.err)
                    .contains("wal_level is replica")
                    .contains("ALTER SYSTEM SET wal_level = logical;")
                    .contains("restart");
        }
    }

    @Test
    void missingPrivilegeSaysWhatIsNeeded() {
        db.execute("DROP ROLE IF EXISTS limited", "CREATE ROLE limited LOGIN");
        String[] args = db.args("setup", "--db-user", "limited");
        Result result = run(args);
        assertThat(result.exit).as(result.err).isEqualTo(1);
        assertThat(result.err).contains("lacks a privilege").doesNotContain(TestDatabase.PASSWORD);
    }

    @Test
    void unreachableDatabaseFailsClearlyWithoutThePassword() {
        Result result = run(new String[] {"setup", "--db-host", "127.0.0.1", "--db-port", "1", "--db-password", TestDatabase.PASSWORD});
        assertThat(result.exit).isEqualTo(1);
        assertThat(result.err).contains("Cannot connect to postgres@127.0.0.1:1/postgres").doesNotContain(TestDatabase.PASSWORD);
    }

    record Result(int exit, String err) {}

    static Result run(String[] args) {
        StringWriter err = new StringWriter();
        var commandLine = Main.commandLine();
        commandLine.setErr(new PrintWriter(err, true));
        // picocli takes the subcommand first: move it before the options
        String[] ordered = moveSubcommandFirst(args);
        int exit = commandLine.execute(ordered);
        return new Result(exit, err.toString());
    }

    private static String[] moveSubcommandFirst(String[] args) {
        List<String> list = new java.util.ArrayList<>(List.of(args));
        for (String sub : List.of("setup", "disconnect")) {
            if (list.remove(sub)) {
                list.add(0, sub);
            }
        }
        return list.toArray(new String[0]);
    }

    private static List<Object> column(List<Map<String, Object>> rows) {
        return rows.stream().map(r -> r.values().iterator().next()).toList();
    }
}
