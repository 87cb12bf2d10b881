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

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.audittrail.job.AuditTrailJob;
import org.audittrail.job.cli.Main;
import org.audittrail.job.config.JobConfig;
import org.audittrail.job.setup.Replication;
import org.audittrail.job.setup.Setup;
import org.audittrail.job.testing.TestDatabase;

/**
 * What tracking costs the source's own writes, as users weigh it against trigger-based audit tables: pgbench's
 * TPC-B-like transactions (each write with a Bemi context comment) on the source untracked, with a classic audit
 * trigger that inserts {@code to_jsonb(OLD)} and {@code to_jsonb(NEW)} into an audit table, and tracked, built up one
 * part at a time (logical decoding with REPLICA IDENTITY FULL and the job running; an empty PL/pgSQL row trigger;
 * Bemi's own context trigger; setup's); interleaved. The source server and pgbench get core 0, the job and the
 * destination server core 1, as if the job ran elsewhere; each tracked run counts the source's CPU until the job has
 * stored the run's last change, so the walsender's decoding is in it. Writes its section of bench/RESULTS.md.
 */
public final class SourceOverheadBenchmark {

    static final Pattern TPS = Pattern.compile("tps = ([0-9.]+) \\(without initial connection time\\)");
    static final Pattern TRANSACTIONS = Pattern.compile("number of transactions actually processed: ([0-9]+)");
    static final List<String> TABLES =
            List.of("pgbench_accounts", "pgbench_branches", "pgbench_tellers", "pgbench_history");

    static final String UNTRACKED = "untracked";
    static final String CLASSIC = "classic audit trigger (no logical decoding)";
    static final String CAPTURE = "logical decoding, REPLICA IDENTITY FULL, the job running; no trigger";
    static final String EMPTY_TRIGGER = "the same with an empty PL/pgSQL row trigger";
    static final String BEMI_TRIGGER = "the same with Bemi's own context trigger";
    static final String TRACKED = "tracked: the same with setup's context trigger";
    static final String TRACKED_DEFAULT =
            "tracked, the destination in the source database (the default set-up: the trail's writes on the source's core)";
    static final String FIXED_MESSAGE =
            "the same with a row trigger that only sends a fixed message of setup's size (the message's own cost)";
    static final String CONTEXT_CHANGES =
            "the same with a row trigger that sends the context only when it changes in the transaction (a measure,"
                    + " not a set-up the job reads exactly)";

    /** A row trigger that sends one fixed message per row, as long as setup's for pgbench's tables. */
    static final String FIXED_MESSAGE_TRIGGER = "CREATE OR REPLACE FUNCTION _bemi_row_trigger_func() RETURNS trigger AS"
            + " $$ BEGIN PERFORM pg_logical_emit_message(true, 'audit-trail-row',"
            + " E'[\"UPDATE\", \"public\", \"pgbench_accounts\"]\\n{\"user_id\": 187234, \"endpoint\":"
            + " \"/transfer\", \"method\": \"POST\"}');"
            + " IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$ LANGUAGE plpgsql";

    /** A row trigger that sends a statement's context only where it differs from the last one the transaction sent. */
    static final String CONTEXT_CHANGES_TRIGGER = "CREATE OR REPLACE FUNCTION _bemi_row_trigger_func() RETURNS trigger"
            + " AS $$ DECLARE _bemi_metadata text := split_part(split_part(current_query(), '/*Bemi ', 2), ' Bemi*/', 1);"
            + " BEGIN IF _bemi_metadata <> coalesce(current_setting('audit_trail.context', true), '') THEN"
            + " PERFORM pg_logical_emit_message(true, '_bemi', _bemi_metadata),"
            + " set_config('audit_trail.context', _bemi_metadata, true); END IF;"
            + " IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$ LANGUAGE plpgsql";

    /** One pgbench run: transactions per second, and the source's CPU per transaction in microseconds. */
    record Run(double tps, double cpuMicrosPerTransaction, double catchUpSeconds) {}

    /** The machine's cores, read before this JVM is pinned to one. */
    static final int CORES = Runtime.getRuntime().availableProcessors();

    public static void main(String[] args) throws Exception {
        Path results = Path.of(args.length > 0 ? args[0] : "bench/RESULTS.md");
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        Path pgbench = PgTools.program("pgbench");
        Path script = Files.createTempFile("tpcb-bemi", ".sql");
        Files.writeString(script, resource("bench/tpcb-bemi.sql"));
        Map<String, List<Run>> runs = new LinkedHashMap<>(); // reported in this order, whatever order the runs had
        for (String setUp : List.of(
                UNTRACKED,
                CLASSIC,
                CAPTURE,
                EMPTY_TRIGGER,
                FIXED_MESSAGE,
                BEMI_TRIGGER,
                TRACKED,
                CONTEXT_CHANGES,
                TRACKED_DEFAULT)) {
            runs.put(setUp, new ArrayList<>());
        }
        boolean jvmPinned = CORES >= 2 && Cpu.pin(ProcessHandle.current().pid(), 1);
        try (TestDatabase destination = TestDatabase.start(); // core 1 with the JVM, which started it
                TestDatabase db = TestDatabase.start(Map.of("max_wal_size", "4GB", "autovacuum", "off"))) {
            Cpu source = new Cpu(Cpu.postmasterOf((String) db.value("SHOW data_directory")));
            boolean pinned = jvmPinned && source.pinTo(0);
            Bench bench = new Bench(db, pgbench, script, seconds, pinned, source);
            bench.run(List.of(
                    "-i",
                    "-q",
                    "-s",
                    "10",
                    "-h",
                    "localhost",
                    "-p",
                    String.valueOf(db.port()),
                    "-U",
                    "postgres",
                    "postgres"));
            db.execute("CREATE TABLE bench_mark (id int PRIMARY KEY)");
            String[] jobArgs = db.args(
                    "--destination-db-port",
                    String.valueOf(destination.port()),
                    "--destination-db-password=" + TestDatabase.PASSWORD);
            for (int round = 0; round < rounds; round++) {
                untracked(db);
                add(runs, UNTRACKED, bench.pgbench(null));
                db.executeFixture("bench/classic-audit-trigger.sql");
                add(runs, CLASSIC, bench.pgbench(null));
                db.execute("DROP FUNCTION classic_audit() CASCADE", "DROP TABLE classic_audit_log");

                LimitsBenchmark.setup(jobArgs);
                String setupTrigger =
                        (String) db.value("SELECT pg_get_functiondef('_bemi_row_trigger_func()'::regprocedure)");
                JobClient job = startJob(jobArgs);
                try (Connection stored = destination.connect();
                        Statement s = stored.createStatement()) {
                    bench.mark(s); // running and caught up before the load starts
                    Map<String, String> triggers = new LinkedHashMap<>();
                    triggers.put(CAPTURE, null);
                    triggers.put(
                            EMPTY_TRIGGER,
                            "CREATE OR REPLACE FUNCTION _bemi_row_trigger_func() RETURNS trigger AS $$ BEGIN"
                                    + " IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$ LANGUAGE plpgsql");
                    triggers.put(BEMI_TRIGGER, resource("fixtures/bemi-row-trigger-func.sql"));
                    triggers.put(TRACKED, setupTrigger);
                    triggers.put(FIXED_MESSAGE, FIXED_MESSAGE_TRIGGER);
                    triggers.put(CONTEXT_CHANGES, CONTEXT_CHANGES_TRIGGER);
                    List<String> order = new ArrayList<>(triggers.keySet());
                    java.util.Collections.rotate(order, -round); // each set-up at another place in each round
                    for (String setUp : order) {
                        String function = triggers.get(setUp);
                        if (function == null) {
                            triggers(db, "DISABLE");
                        } else {
                            db.execute(function);
                        }
                        add(runs, setUp, bench.pgbench(s));
                        if (function == null) {
                            triggers(db, "ENABLE");
                        }
                    }
                } finally {
                    job.cancel().get();
                    db.awaitSlotInactive();
                }
                add(runs, TRACKED_DEFAULT, trackedIntoTheSource(db, bench));
            }
            Results.write(results, "source-overhead", report(runs, seconds, pinned));
        }
    }

    /** Setup's trigger with the job writing into the source database itself, as the job does unless told otherwise. */
    static Run trackedIntoTheSource(TestDatabase db, Bench bench) throws Exception {
        LimitsBenchmark.setup(db.args());
        JobClient job = startJob(db.args());
        try (Connection stored = db.connect();
                Statement s = stored.createStatement()) {
            bench.mark(s);
            return bench.pgbench(s);
        } finally {
            job.cancel().get();
            db.awaitSlotInactive();
        }
    }

    static void add(Map<String, List<Run>> runs, String setUp, Run run) {
        runs.get(setUp).add(run);
    }

    /** The source, pgbench and the job's progress. */
    record Bench(TestDatabase db, Path pgbench, Path script, int seconds, boolean pinned, Cpu source) {

        static int marks;

        /**
         * One pgbench run of {@code seconds} (4 clients, 2 threads). Where the job runs ({@code stored}, a statement on
         * the destination), the source's CPU is counted until the job has stored a mark written after the run.
         */
        Run pgbench(Statement stored) throws Exception {
            db.execute("CHECKPOINT", "VACUUM ANALYZE");
            double cpu = source.postgres();
            String output = run(List.of(
                    "-n",
                    "-c",
                    "4",
                    "-j",
                    "2",
                    "-T",
                    String.valueOf(seconds),
                    "-f",
                    script.toString(),
                    "-h",
                    "localhost",
                    "-p",
                    String.valueOf(db.port()),
                    "-U",
                    "postgres",
                    "postgres"));
            long end = System.nanoTime();
            double catchUp = stored == null ? 0 : (mark(stored) - end) / 1e9;
            // pgbench's backends gone: their CPU is then in the postmaster's
            TestDatabase.poll(
                    () -> ((Number) db.value(
                                            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgbench'"))
                                    .intValue()
                            == 0,
                    Duration.ofSeconds(30),
                    "pgbench's backends to exit");
            cpu = source.postgres() - cpu;
            double tps = number(TPS, output);
            System.out.printf(
                    "pgbench: %.0f tps, %.1f s of the source's CPU for %.0f transactions%n",
                    tps, cpu, number(TRANSACTIONS, output));
            return new Run(tps, cpu * 1e6 / number(TRANSACTIONS, output), catchUp);
        }

        /** Writes a mark to the source and waits until the job has stored it; returns System.nanoTime() then. */
        long mark(Statement stored) throws Exception {
            int mark = ++marks;
            db.execute("INSERT INTO bench_mark (id) VALUES (" + mark + ")");
            return LimitsBenchmark.await(
                    stored,
                    "SELECT EXISTS (SELECT 1 FROM changes WHERE \"table\" = 'bench_mark' AND primary_key = '" + mark
                            + "')");
        }

        /** Runs pgbench with {@code arguments}, on the source's core where pinned; returns what it printed. */
        String run(List<String> arguments) throws IOException, InterruptedException {
            List<String> command = new ArrayList<>(pinned ? List.of("taskset", "-c", "0") : List.of());
            command.add(pgbench.toString());
            command.addAll(arguments);
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
            }
            return output;
        }

        static double number(Pattern pattern, String output) {
            Matcher m = pattern.matcher(output);
            if (!m.find()) {
                throw new IllegalStateException("pgbench printed no " + pattern + ": " + output);
            }
            return Double.parseDouble(m.group(1));
        }
    }

    /** No trigger, no publication, no slot, default replica identity: the source as it was before tracking. */
    static void untracked(TestDatabase db) {
        Setup.disconnect(db.database(), Replication.BEMI);
        for (String table : TABLES) {
            db.execute("ALTER TABLE " + table + " REPLICA IDENTITY DEFAULT");
        }
    }

    /** Disables or enables Bemi's row trigger on pgbench's tables. */
    static void triggers(TestDatabase db, String action) {
        for (String table : TABLES) {
            db.execute("ALTER TABLE " + table + " " + action + " TRIGGER _bemi_row_trigger_" + table);
        }
    }

    static JobClient startJob(String[] jobArgs) throws Exception {
        Configuration config = new Configuration();
        config.set(
                CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                Files.createTempDirectory("bench-checkpoints").toUri().toString());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, config);
        JobConfig options = Main.config(jobArgs);
        AuditTrailJob.build(env, options);
        return env.executeAsync(options.jobName());
    }

    static String resource(String name) throws IOException {
        try (InputStream in = SourceOverheadBenchmark.class.getResourceAsStream("/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static String report(Map<String, List<Run>> runs, int seconds, boolean pinned) {
        double untracked =
                runs.get(UNTRACKED).stream().mapToDouble(Run::tps).average().orElseThrow();
        double untrackedCpu = runs.get(UNTRACKED).stream()
                .mapToDouble(Run::cpuMicrosPerTransaction)
                .average()
                .orElseThrow();
        StringBuilder out = new StringBuilder(
                        "## Source overhead\n\n`mvn -B -Pbench -DskipTests verify` (SourceOverheadBenchmark), ")
                .append(LocalDate.now())
                .append(", ")
                .append(CORES)
                .append(
                        " cores. pgbench's TPC-B-like transactions (bench/src/main/resources/bench/tpcb-bemi.sql: three UPDATEs and"
                                + " an INSERT, each with a Bemi context comment), scale 10, 4 clients, ")
                .append(seconds)
                .append(
                        " s a run, the set-ups interleaved, on one embedded PostgreSQL 15 with wal_level logical in all (changing"
                                + " it needs a restart). ")
                .append(
                        pinned
                                ? "The source server and pgbench run on core 0; the job and the destination server, another embedded"
                                        + " PostgreSQL, on core 1, as if on another machine. "
                                : "Not pinned (taskset missing, or one core): the job shares the source's cores. ")
                .append("Tracked set-ups add one part at a time; each counts the source's CPU (from /proc: backends,"
                        + " walsender, background processes) until the job has stored a mark written after the run, so the"
                        + " decoding of the whole run is in it.\n\n"
                        + "| set-up | tps, each run | mean | against untracked | source CPU per transaction | against untracked |"
                        + " job caught up after the run |\n|---|---|---|---|---|---|---|\n");
        runs.forEach((name, each) -> {
            double tps = each.stream().mapToDouble(Run::tps).average().orElseThrow();
            double cpu = each.stream()
                    .mapToDouble(Run::cpuMicrosPerTransaction)
                    .average()
                    .orElseThrow();
            double catchUp =
                    each.stream().mapToDouble(Run::catchUpSeconds).max().orElseThrow();
            out.append(String.format(
                    "| %s | %s | %.0f | %.2f | %.0f µs | %.2f | %s |%n",
                    name,
                    String.join(
                            ", ",
                            each.stream()
                                    .map(r -> String.format("%.0f", r.tps()))
                                    .toList()),
                    tps,
                    tps / untracked,
                    cpu,
                    cpu / untrackedCpu,
                    catchUp == 0 ? "" : String.format("%.1f s at most", catchUp)));
        });
        return out.toString();
    }
}
