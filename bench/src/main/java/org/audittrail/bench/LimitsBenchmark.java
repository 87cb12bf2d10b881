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
package org.audittrail.bench;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.audittrail.job.AuditTrailJob;
import org.audittrail.job.cli.Main;
import org.audittrail.job.config.JobConfig;
import org.audittrail.job.db.Database;
import org.audittrail.job.setup.Setup;
import org.audittrail.job.testing.TestDatabase;
import org.postgresql.PGConnection;

/**
 * The job against the machine's limits, on one WAL: a backlog of row changes (a nine-column row, half INSERT and half
 * UPDATE, every statement with a context) drained by {@code pg_recvlogical} (the read limit), copied into a fresh
 * {@code changes} with {@code COPY} (the write limit), and drained by the job, interleaved, each run from a copy of one
 * slot made before the backlog. Writes its section of bench/RESULTS.md.
 */
public final class LimitsBenchmark {

    static final String DESTINATION = "audit";
    static final String COPY_DESTINATION = "audit_copy";
    static final String SPARE_SLOT = "bench_spare";
    static final String READ_SLOT = "bench_read";
    static final String COLUMNS =
            "\"id\", \"database\", \"schema\", \"table\", \"primary_key\", \"operation\", \"before\", \"after\","
                    + " \"context\", \"committed_at\", \"queued_at\", \"transaction_id\", \"position\", \"fallback_columns\","
                    + " \"partial\"";
    /** Rows per statement of the backlog. */
    static final int STATEMENT_ROWS = 1_000;

    record Run(String what, long changes, double seconds, double jvmCpu, double postgresCpu) {
        double rate() {
            return changes / seconds;
        }
    }

    public static void main(String[] args) throws Exception {
        Path results = Path.of(args.length > 0 ? args[0] : "bench/RESULTS.md");
        int changes = args.length > 1 ? Integer.parseInt(args[1]) : 500_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        try (TestDatabase db = server()) {
            Cpu cpu = new Cpu(Cpu.postmasterOf((String) db.value("SHOW data_directory")));
            String[] jobArgs = db.args("--destination-db-name=" + DESTINATION);
            JobConfig options = Main.config(jobArgs);
            setup(jobArgs);
            db.execute("SELECT pg_create_logical_replication_slot('" + SPARE_SLOT + "', 'pgoutput')");
            long start = System.nanoTime();
            String end = backlog(db, changes);
            double written = (System.nanoTime() - start) / 1e9;
            long expected = changes + 1L; // and the sentinel
            Path rows = Files.createTempFile("changes", ".copy");
            List<Run> runs = new ArrayList<>();
            try {
                for (int round = 0; round < rounds; round++) {
                    runs.add(job(db, cpu, options, expected));
                    if (round == 0) {
                        export(db, rows);
                    }
                    runs.add(read(db, cpu, end, expected));
                    runs.add(write(db, cpu, rows, expected));
                }
            } finally {
                Files.deleteIfExists(rows);
            }
            Results.write(results, "limits", report(runs, changes, written));
        }
    }

    /** Half INSERT and half UPDATE statements of {@value #STATEMENT_ROWS} rows, each with context; then a sentinel row. Returns the WAL end. */
    static String backlog(TestDatabase db, int changes) throws SQLException {
        int inserted = changes / 2;
        try (Connection c = db.connect();
                Statement s = c.createStatement()) {
            for (int from = 1; from <= inserted; from += STATEMENT_ROWS) {
                int to = Math.min(inserted, from + STATEMENT_ROWS - 1);
                s.execute("INSERT INTO item (name, price, quantity, tags, attributes, note, created_at, updated_at)"
                        + " SELECT 'item ' || i, (i % 100000) / 100.0 + 0.99, i % 1000, ARRAY['tag' || (i % 7), 'tag' || (i % 11)],"
                        + " jsonb_build_object('color', 'c' || (i % 13), 'size', i % 5, 'dims', jsonb_build_array(i % 3, i % 17)),"
                        + " 'note ' || md5(i::text), now() - (i % 1000) * interval '1 minute', now()"
                        + " FROM generate_series(" + from + ", " + to + ") i" + context("POST", from));
            }
            for (int from = 1; from <= changes - inserted; from += STATEMENT_ROWS) {
                int to = Math.min(changes - inserted, from + STATEMENT_ROWS - 1);
                s.execute("UPDATE item SET quantity = quantity + 1, note = note || '!', updated_at = now()"
                        + " WHERE id BETWEEN " + from + " AND " + to + context("PUT", from));
            }
            s.execute("INSERT INTO bench_sentinel (id) VALUES ('end')");
            try (ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    /** Runs the job's {@code setup} command: slot bemi, publication, triggers, the changes table. */
    static void setup(String[] jobArgs) {
        List<String> args = new ArrayList<>(List.of("setup"));
        args.addAll(List.of(jobArgs));
        int exit = Main.commandLine().execute(args.toArray(String[]::new));
        if (exit != 0) {
            throw new IllegalStateException("setup failed with exit code " + exit);
        }
    }

    static String context(String method, int request) {
        return " /*Bemi {\"user_id\": 187234, \"endpoint\": \"/items\", \"method\": \"" + method
                + "\", \"request_id\": \"req-" + request + "\"} Bemi*/";
    }

    /** The job, on a fresh slot at the backlog's start and a fresh changes table, until every change is stored. */
    static Run job(TestDatabase db, Cpu cpu, JobConfig options, long expected) throws Exception {
        return job(db, cpu, options, expected, 2);
    }

    /** As {@link #job(TestDatabase, Cpu, JobConfig, long)}, the stages after the source at {@code parallelism}. */
    static Run job(TestDatabase db, Cpu cpu, JobConfig options, long expected, int parallelism) throws Exception {
        freshSlot(db, "bemi");
        try (Connection c = db.database(DESTINATION).connect();
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS changes CASCADE");
        }
        Configuration config = new Configuration();
        config.set(
                CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                Files.createTempDirectory("bench-checkpoints").toUri().toString());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, config);
        AuditTrailJob.build(env, options);
        JobClient client = env.executeAsync(options.jobName());
        long first;
        long last;
        double jvm;
        double pg;
        try (Connection c = db.database(DESTINATION).connect();
                Statement s = c.createStatement()) {
            first = await(s, "SELECT EXISTS (SELECT 1 FROM changes)");
            // from the first stored change on: the job's start (setup, Flink's own start) is not part of the drain
            jvm = Cpu.jvm();
            pg = cpu.postgres();
            await(
                    s,
                    "SELECT EXISTS (SELECT 1 FROM changes WHERE primary_key = 'end' AND \"table\" = 'bench_sentinel')");
            last = await(s, "SELECT count(*) = " + expected + " FROM changes");
            jvm = Cpu.jvm() - jvm;
            pg = cpu.postgres() - pg;
        } finally {
            client.cancel().get();
        }
        return new Run("job", expected, (last - first) / 1e9, jvm, pg);
    }

    /** pg_recvlogical with pgoutput, messages on, from a fresh slot at the backlog's start to its end. */
    static Run read(TestDatabase db, Cpu cpu, String end, long expected) throws Exception {
        freshSlot(db, READ_SLOT);
        Path program = PgTools.program("pg_recvlogical");
        double pg = cpu.postgres();
        long start = System.nanoTime();
        Process p = new ProcessBuilder(
                        program.toString(),
                        "-d",
                        "host=localhost port=" + db.port() + " dbname=postgres user=postgres",
                        "-S",
                        READ_SLOT,
                        "--start",
                        "-E",
                        end,
                        "--no-loop",
                        "-F",
                        "0",
                        "-f",
                        "/dev/null",
                        "-o",
                        "proto_version=1",
                        "-o",
                        "publication_names=bemi",
                        "-o",
                        "messages=true")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .start();
        int exit = p.waitFor();
        long stop = System.nanoTime();
        // the walsender's CPU is the postmaster's to count once it has exited and been reaped
        TestDatabase.poll(
                () -> db.value("SELECT active_pid FROM pg_replication_slots WHERE slot_name = '" + READ_SLOT + "'")
                        == null,
                java.time.Duration.ofSeconds(30),
                "the walsender of " + READ_SLOT + " to exit");
        double pgUsed = cpu.postgres() - pg;
        db.execute("SELECT pg_drop_replication_slot('" + READ_SLOT + "')");
        if (exit != 0) {
            throw new IllegalStateException("pg_recvlogical failed with exit code " + exit);
        }
        return new Run("read limit (pg_recvlogical)", expected, (stop - start) / 1e9, 0, pgUsed);
    }

    /** COPY of the job's own rows into a fresh changes table made by sql/destination.sql. */
    static Run write(TestDatabase db, Cpu cpu, Path rows, long expected) throws Exception {
        db.execute("DROP DATABASE IF EXISTS " + COPY_DESTINATION, "CREATE DATABASE " + COPY_DESTINATION);
        Database destination = db.database(COPY_DESTINATION);
        Setup.prepareDestination(destination);
        try (Connection c = raw(db, COPY_DESTINATION);
                Statement s = c.createStatement()) {
            s.execute("SELECT changes_create_partitions()");
            double jvm = Cpu.jvm();
            double pg = cpu.postgres();
            long start = System.nanoTime();
            long copied;
            try (InputStream in = Files.newInputStream(rows)) {
                copied = c.unwrap(PGConnection.class)
                        .getCopyAPI()
                        .copyIn("COPY changes (" + COLUMNS + ") FROM STDIN", in);
            }
            long stop = System.nanoTime();
            if (copied != expected) {
                throw new IllegalStateException("COPY wrote " + copied + " rows, not " + expected);
            }
            return new Run("write limit (COPY)", expected, (stop - start) / 1e9, Cpu.jvm() - jvm, cpu.postgres() - pg);
        }
    }

    static void export(TestDatabase db, Path rows) throws Exception {
        try (Connection c = raw(db, DESTINATION);
                OutputStream out = Files.newOutputStream(rows)) {
            c.unwrap(PGConnection.class)
                    .getCopyAPI()
                    .copyOut("COPY (SELECT " + COLUMNS + " FROM changes) TO STDOUT", out);
        }
    }

    /**
     * A connection of the driver this benchmark's COPY calls are compiled against: the job's jar has its own, relocated,
     * whose connections do not unwrap to it.
     */
    static Connection raw(TestDatabase db, String database) throws SQLException {
        return java.sql.DriverManager.getConnection(
                "jdbc:postgresql://localhost:" + db.port() + "/" + database, "postgres", TestDatabase.PASSWORD);
    }

    /** The server the backlog is made on, with the destination database and the item table. */
    static TestDatabase server() {
        // no autovacuum: it would work on one run's rows during the next, counted in that run's CPU
        TestDatabase db =
                TestDatabase.start(Map.of("max_wal_size", "8GB", "max_replication_slots", "16", "autovacuum", "off"));
        db.execute("CREATE DATABASE " + DESTINATION);
        db.executeFixture("bench/item.sql");
        return db;
    }

    static void freshSlot(TestDatabase db, String slot) throws SQLException {
        // a cancelled job's walsender lets go of the slot a moment after the cancel returns
        try (Connection c = db.connect();
                Statement s = c.createStatement()) {
            await(
                    s,
                    "SELECT NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '" + slot
                            + "' AND active)");
        }
        db.execute(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + slot + "'",
                "SELECT pg_copy_logical_replication_slot('" + SPARE_SLOT + "', '" + slot + "')");
    }

    /** Polls {@code query} (one boolean) every 50 ms until true; returns System.nanoTime() then. */
    static long await(Statement s, String query) {
        TestDatabase.poll(
                () -> {
                    try (ResultSet rs = s.executeQuery(query)) {
                        rs.next();
                        return rs.getBoolean(1);
                    } catch (SQLException e) {
                        return false; // the job's setup has not created changes yet
                    }
                },
                Duration.ofMinutes(30),
                Duration.ofMillis(50),
                query);
        return System.nanoTime();
    }

    /** One table row per run: its rate and CPU per item, numbered by round ({@code perRound} runs each). */
    static String runRows(List<Run> runs, int perRound) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < runs.size(); i++) {
            Run r = runs.get(i);
            out.append(String.format(
                    "| %s (round %d) | %,.0f | %.0f | %.0f |%n",
                    r.what(),
                    i / perRound + 1,
                    r.rate(),
                    r.jvmCpu() / r.changes() * 1e6,
                    r.postgresCpu() / r.changes() * 1e6));
        }
        return out.toString();
    }

    static String report(List<Run> runs, int changes, double written) {
        StringBuilder out = new StringBuilder("## Throughput against the machine's limits\n\n")
                .append("`mvn -B -Pbench -DskipTests verify` (LimitsBenchmark), ")
                .append(LocalDate.now())
                .append(", ")
                .append(Runtime.getRuntime().availableProcessors())
                .append(" cores. A backlog of ")
                .append(String.format("%,d", changes))
                .append(
                        " row changes of a nine-column row (text, numeric, int, text[], jsonb, two timestamptz; REPLICA IDENTITY FULL),"
                                + " half INSERT and half UPDATE, statements of ")
                .append(STATEMENT_ROWS)
                .append(" rows, each with a context, written in ")
                .append(String.format("%.0f s", written))
                .append(
                        "; each run drains the same WAL from a copy of one slot made before it. Source and destination are one"
                                + " embedded PostgreSQL 15; the job runs in a local MiniCluster of parallelism 2 in the benchmark's JVM. The"
                                + " job's rate and CPU count from its first stored change to its last. Autovacuum is off, so that no run pays"
                                + " for the one before it. The first job run also pays for the JVM's warm-up (its JIT compiling Flink's,"
                                + " Debezium's and the job's code), which a long-running TaskManager pays once.\n\n")
                .append("| run | changes/s | JVM CPU µs/change | PostgreSQL CPU µs/change |\n|---|---|---|---|\n");
        out.append(runRows(runs, 3));
        out.append(
                "\nRatios, each job run against the limits measured next to it:\n\n| job run | job / write limit | job / read limit |\n|---|---|---|\n");
        List<Double> warm = new ArrayList<>();
        for (int i = 0; i + 2 < runs.size(); i += 3) {
            double write = runs.get(i).rate() / runs.get(i + 2).rate();
            out.append(String.format(
                    "| %d | %.2f | %.2f |%n",
                    i / 3 + 1, write, runs.get(i).rate() / runs.get(i + 1).rate()));
            if (i > 0) {
                warm.add(write);
            }
        }
        if (!warm.isEmpty()) {
            warm.sort(null);
            out.append(String.format(
                    "%nAfter the first run (a warm JVM): job / write limit %.2f to %.2f.%n",
                    warm.get(0), warm.get(warm.size() - 1)));
        }
        return out.toString();
    }
}
