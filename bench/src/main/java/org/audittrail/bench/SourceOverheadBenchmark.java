package org.audittrail.bench;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.audittrail.job.AuditTrailJob;
import org.audittrail.job.JobOptions;
import org.audittrail.job.Main;
import org.audittrail.job.Setup;
import org.audittrail.job.TestDatabase;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What tracking costs the source's own writes, as users weigh it against trigger-based audit tables: pgbench's
 * TPC-B-like transactions (each write with a Bemi context comment) untracked, tracked (REPLICA IDENTITY FULL, Bemi's
 * context trigger, the publication, the job running and storing into the same server), and with a classic audit
 * trigger that inserts {@code to_jsonb(OLD)} and {@code to_jsonb(NEW)} into an audit table; interleaved. Writes its
 * section of bench/RESULTS.md.
 */
public final class SourceOverheadBenchmark {

    static final Pattern TPS = Pattern.compile("tps = ([0-9.]+) \\(without initial connection time\\)");

    public static void main(String[] args) throws Exception {
        Path results = Path.of(args.length > 0 ? args[0] : "bench/RESULTS.md");
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        Path pgbench = PgTools.program("pgbench");
        Path script = Files.createTempFile("tpcb-bemi", ".sql");
        Files.writeString(script, resource("bench/tpcb-bemi.sql"));
        Map<String, List<Double>> tps = new LinkedHashMap<>();
        try (TestDatabase db = TestDatabase.start(Map.of("max_wal_size", "4GB"))) {
            String connection = "host=localhost port=" + db.port() + " dbname=postgres user=postgres";
            run(List.of(pgbench.toString(), "-i", "-q", "-s", "10", "-d", connection.replace("dbname=postgres ", "")), db);
            db.execute("CREATE DATABASE audit", "CREATE TABLE bench_mark (id int PRIMARY KEY)");
            String[] jobArgs = db.args("--destination-db-name=audit");
            for (int round = 0; round < rounds; round++) {
                untracked(db);
                tps.computeIfAbsent("untracked", k -> new ArrayList<>()).add(pgbench(pgbench, db, script, seconds));

                LimitsBenchmark.setup(jobArgs);
                // what the source itself pays (trigger, REPLICA IDENTITY FULL, the slot keeping WAL), the job elsewhere
                tps.computeIfAbsent("tracked, the job on another machine (not running here)", k -> new ArrayList<>())
                        .add(pgbench(pgbench, db, script, seconds));
                JobClient job = startJob(jobArgs);
                try {
                    // running and caught up (the backlog of the run before drained) before the load starts
                    db.execute("INSERT INTO bench_mark (id) VALUES (" + round + ")");
                    awaitStored(db, round);
                    tps.computeIfAbsent("tracked, the job running on the same two cores", k -> new ArrayList<>())
                            .add(pgbench(pgbench, db, script, seconds));
                } finally {
                    job.cancel().get();
                    db.awaitSlotInactive();
                }
                untracked(db);
                db.executeFixture("bench/classic-audit-trigger.sql");
                tps.computeIfAbsent("classic audit trigger", k -> new ArrayList<>()).add(pgbench(pgbench, db, script, seconds));
                db.execute("DROP FUNCTION classic_audit() CASCADE", "DROP TABLE classic_audit_log");
            }
        }
        Results.write(results, "source-overhead", report(tps, seconds));
    }

    /** Waits until the job has stored the mark of {@code round}: everything before it is stored too. */
    static void awaitStored(TestDatabase db, int round) throws Exception {
        try (java.sql.Connection c = LimitsBenchmark.destination(db, "audit").connect(); java.sql.Statement s = c.createStatement()) {
            LimitsBenchmark.await(s, "SELECT EXISTS (SELECT 1 FROM changes WHERE \"table\" = 'bench_mark' AND primary_key = '" + round + "')");
        }
    }

    /** No trigger, no publication, no slot, default replica identity: the source as it was before tracking. */
    static void untracked(TestDatabase db) {
        Setup.disconnect(db.database());
        for (String table : List.of("pgbench_accounts", "pgbench_branches", "pgbench_tellers", "pgbench_history", "bench_mark")) {
            db.execute("ALTER TABLE " + table + " REPLICA IDENTITY DEFAULT");
        }
    }

    static JobClient startJob(String[] jobArgs) throws Exception {
        Configuration config = new Configuration();
        config.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, Files.createTempDirectory("bench-checkpoints").toUri().toString());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, config);
        JobOptions options = Main.options(jobArgs);
        AuditTrailJob.build(env, options);
        return env.executeAsync(options.jobName());
    }

    /** One pgbench run of {@code seconds}: 4 clients, 2 threads; returns its transactions per second. */
    static double pgbench(Path pgbench, TestDatabase db, Path script, int seconds) throws Exception {
        db.execute("CHECKPOINT", "VACUUM pgbench_history");
        String output = run(List.of(pgbench.toString(), "-n", "-c", "4", "-j", "2", "-T", String.valueOf(seconds), "-f", script.toString(),
                "-h", "localhost", "-p", String.valueOf(db.port()), "-U", "postgres", "postgres"), db);
        Matcher m = TPS.matcher(output);
        if (!m.find()) {
            throw new IllegalStateException("pgbench printed no tps: " + output);
        }
        return Double.parseDouble(m.group(1));
    }

    static String run(List<String> command, TestDatabase db) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
        return output;
    }

    static String resource(String name) throws IOException {
        try (InputStream in = SourceOverheadBenchmark.class.getResourceAsStream("/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static String report(Map<String, List<Double>> tps, int seconds) {
        double untracked = tps.get("untracked").stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        StringBuilder out = new StringBuilder("## Source overhead\n\n`mvn -B -Pbench -DskipTests verify` (SourceOverheadBenchmark), ")
                .append(LocalDate.now()).append(", ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores. pgbench's TPC-B-like transactions (bench/src/main/resources/bench/tpcb-bemi.sql: each write with a"
                        + " Bemi context comment), scale 10, 4 clients, ").append(seconds)
                .append(" s a run, the three set-ups interleaved, on one embedded PostgreSQL 15 with wal_level logical in all"
                        + " (changing it needs a restart). Tracked: REPLICA IDENTITY FULL, Bemi's context trigger, the publication and the"
                        + " slot; with the job on another machine (here: not running, the slot keeping the WAL), and with the job running"
                        + " on the same two cores (caught up before the load starts), decoding and storing into a database of the same"
                        + " server. Classic: a row"
                        + " trigger inserting to_jsonb(OLD) and to_jsonb(NEW) into an audit table.\n\n"
                        + "| set-up | tps, each run | mean | against untracked |\n|---|---|---|---|\n");
        tps.forEach((name, runs) -> {
            double mean = runs.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            out.append(String.format("| %s | %s | %.0f | %.2f |%n", name,
                    String.join(", ", runs.stream().map(v -> String.format("%.0f", v)).toList()), mean, mean / untracked));
        });
        return out.toString();
    }
}
