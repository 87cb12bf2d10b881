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

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.audittrail.bench.LimitsBenchmark.Run;
import org.audittrail.job.AuditTrailJob;
import org.audittrail.job.cli.Main;
import org.audittrail.job.config.JobConfig;
import org.audittrail.job.testing.TestDatabase;

/**
 * The baseline snapshot against the write limit: a table of the nine-column row read by {@code --snapshot initial}
 * (Flink CDC's incremental snapshot, chunks of --snapshot-chunk-rows rows), each row stored once as its baseline; and
 * the same rows copied into a fresh {@code changes} with {@code COPY}, interleaved, several rounds. Writes its section
 * of bench/RESULTS.md.
 */
public final class SnapshotBenchmark {

    /** Rows per chunk unless given: the job's default. */
    static int chunkRows = 20_000;

    public static void main(String[] args) throws Exception {
        Path results = Path.of(args.length > 0 ? args[0] : "bench/RESULTS.md");
        int rows = args.length > 1 ? Integer.parseInt(args[1]) : 500_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        chunkRows = args.length > 3 ? Integer.parseInt(args[3]) : chunkRows;
        try (TestDatabase db = LimitsBenchmark.server();
                TestDatabase other = TestDatabase.start()) {
            other.execute("CREATE DATABASE " + LimitsBenchmark.DESTINATION);
            Cpu cpu = new Cpu(Cpu.postmasterOf((String) db.value("SHOW data_directory")));
            Cpu otherCpu = new Cpu(Cpu.postmasterOf((String) other.value("SHOW data_directory")));
            db.execute("INSERT INTO item (name, price, quantity, tags, attributes, note, created_at, updated_at)"
                    + " SELECT 'item ' || i, (i % 100000) / 100.0 + 0.99, i % 1000, ARRAY['tag' || (i % 7), 'tag' || (i % 11)],"
                    + " jsonb_build_object('color', 'c' || (i % 13), 'size', i % 5, 'dims', jsonb_build_array(i % 3, i % 17)),"
                    + " 'note ' || md5(i::text), now() - (i % 1000) * interval '1 minute', now()"
                    + " FROM generate_series(1, " + rows + ") i");
            List<String> args1 = List.of(
                    "--destination-db-name=" + LimitsBenchmark.DESTINATION,
                    "--snapshot",
                    "initial",
                    "--snapshot-chunk-rows",
                    Integer.toString(chunkRows),
                    "--tables",
                    "public.item");
            JobConfig sameServer = Main.config(db.args(args1.toArray(String[]::new)));
            List<String> args2 = new ArrayList<>(args1);
            args2.addAll(List.of(
                    "--destination-db-port=" + other.port(), "--destination-db-password=" + TestDatabase.PASSWORD));
            JobConfig separate = Main.config(db.args(args2.toArray(String[]::new)));
            Path stored = Files.createTempFile("baseline", ".copy");
            List<Run> runs = new ArrayList<>();
            try {
                for (int round = 0; round < rounds; round++) {
                    runs.add(snapshot(db, db, List.of(cpu), sameServer, rows, "snapshot"));
                    if (round == 0) {
                        LimitsBenchmark.export(db, stored);
                    }
                    runs.add(LimitsBenchmark.write(db, cpu, stored, rows));
                    // the destination on a server of its own: the slot no longer decodes the trail's own writes
                    runs.add(snapshot(
                            db, other, List.of(cpu, otherCpu), separate, rows, "snapshot, separate destination"));
                    runs.add(relabel(
                            LimitsBenchmark.write(other, otherCpu, stored, rows), "write limit (COPY), its server"));
                }
            } finally {
                Files.deleteIfExists(stored);
            }
            Results.write(results, "snapshot", report(runs, rows));
        }
    }

    private static Run relabel(Run run, String what) {
        return new Run(what, run.changes(), run.seconds(), run.jvmCpu(), run.postgresCpu());
    }

    /**
     * The job's first start with a baseline, on a fresh destination in {@code destination}, until every row is stored;
     * the PostgreSQL CPU of every server in {@code cpus}.
     */
    static Run snapshot(
            TestDatabase db, TestDatabase destination, List<Cpu> cpus, JobConfig options, long rows, String what)
            throws Exception {
        try (Connection c = destination.database(LimitsBenchmark.DESTINATION).connect();
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS changes, snapshots, snapshot_chunks CASCADE");
        }
        db.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'bemi'");
        Configuration config = new Configuration();
        config.set(
                CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                Files.createTempDirectory("bench-checkpoints").toUri().toString());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, config);
        AuditTrailJob.build(env, options);
        JobClient client = env.executeAsync(options.jobName());
        double seconds;
        double jvm;
        double pg;
        try (Connection c = destination.database(LimitsBenchmark.DESTINATION).connect();
                Statement s = c.createStatement()) {
            LimitsBenchmark.await(s, "SELECT EXISTS (SELECT 1 FROM changes WHERE operation = 'SNAPSHOT')");
            jvm = Cpu.jvm();
            pg = postgres(cpus);
            // statistics (a second behind) before an exact count: polling a count of the growing table takes the CPU it
            // measures
            LimitsBenchmark.await(
                    s,
                    "SELECT coalesce(sum(n_tup_ins), 0) >= " + rows + " FROM pg_stat_user_tables"
                            + " WHERE relid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'changes'::regclass)");
            LimitsBenchmark.await(s, "SELECT count(*) = " + rows + " FROM changes WHERE operation = 'SNAPSHOT'");
            jvm = Cpu.jvm() - jvm;
            pg = postgres(cpus) - pg;
            seconds = storingSeconds(s, rows);
        } finally {
            client.cancel().get();
        }
        return new Run(what, rows, seconds, jvm, pg);
    }

    private static double postgres(List<Cpu> cpus) throws java.io.IOException {
        double sum = 0;
        for (Cpu cpu : cpus) {
            sum += cpu.postgres();
        }
        return sum;
    }

    /**
     * Seconds the sink took to store {@code rows}, from the commit times of its transactions (the server tracks them): from
     * the first commit to the last, scaled to all rows, since the first transaction's rows were written before its commit.
     */
    static double storingSeconds(Statement s, long rows) throws SQLException {
        try (ResultSet r = s.executeQuery("WITH t AS (SELECT pg_xact_commit_timestamp(xmin) AS at FROM changes)"
                + " SELECT extract(epoch FROM max(at) - min(at)), count(*) FILTER (WHERE at = (SELECT min(at) FROM t))"
                + " FROM t")) {
            r.next();
            return r.getDouble(1) * rows / (rows - r.getLong(2));
        }
    }

    static String report(List<Run> runs, int rows) {
        StringBuilder out = new StringBuilder("## Baseline snapshot against the write limit\n\n")
                .append("`mvn -B -Pbench -DskipTests verify` (SnapshotBenchmark), ")
                .append(LocalDate.now())
                .append(", ")
                .append(Runtime.getRuntime().availableProcessors())
                .append(" cores. A table of ")
                .append(String.format("%,d", rows))
                .append(" rows of the nine-column row (LimitsBenchmark's), read by `--snapshot initial` in chunks of ")
                .append(String.format("%,d", chunkRows))
                .append(
                        " rows, each stored as its baseline; then the same rows copied into a fresh `changes` with COPY (the"
                                + " write limit), interleaved; each round twice: with one embedded PostgreSQL 15 as source and"
                                + " destination (its slot then also decodes the trail's own writes), and with the destination on a"
                                + " second server (on the same 2 cores), each beside a COPY into its destination's server. The job"
                                + " runs in a local MiniCluster of parallelism 2 in the benchmark's JVM; its rate counts from the"
                                + " commit of the first stored baseline rows to the last commit; PostgreSQL CPU counts both servers"
                                + " where there are two. Goal: snapshot ≥ 0.8 × the write limit.\n\n")
                .append("| run | rows/s | JVM CPU µs/row | PostgreSQL CPU µs/row |\n|---|---|---|---|\n");
        out.append(LimitsBenchmark.runRows(runs, 4));
        out.append("\n| round | snapshot / write limit, one server | separate destination |\n|---|---|---|\n");
        for (int i = 0; i + 3 < runs.size(); i += 4) {
            out.append(String.format(
                    "| %d | %.2f | %.2f |%n",
                    i / 4 + 1,
                    runs.get(i).rate() / runs.get(i + 1).rate(),
                    runs.get(i + 2).rate() / runs.get(i + 3).rate()));
        }
        return out.toString();
    }
}
