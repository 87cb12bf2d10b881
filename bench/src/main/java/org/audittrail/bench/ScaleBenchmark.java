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
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.audittrail.bench.LimitsBenchmark.Run;
import org.audittrail.job.cli.Main;
import org.audittrail.job.config.JobConfig;
import org.audittrail.job.testing.TestDatabase;

/**
 * The drain rate of LimitsBenchmark's backlog with the stages after the source at parallelism 1, 2 and 4 (the source,
 * one replication slot, stays at 1), beside the COPY write limit, interleaved, several rounds. Writes its section of
 * bench/RESULTS.md.
 */
public final class ScaleBenchmark {

    static final int[] PARALLELISMS = {1, 2, 4};

    public static void main(String[] args) throws Exception {
        Path results = Path.of(args.length > 0 ? args[0] : "bench/RESULTS.md");
        int changes = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        try (TestDatabase db = LimitsBenchmark.server()) {
            Cpu cpu = new Cpu(Cpu.postmasterOf((String) db.value("SHOW data_directory")));
            String[] jobArgs = db.args("--destination-db-name=" + LimitsBenchmark.DESTINATION);
            JobConfig options = Main.config(jobArgs);
            LimitsBenchmark.setup(jobArgs);
            db.execute("SELECT pg_create_logical_replication_slot('" + LimitsBenchmark.SPARE_SLOT + "', 'pgoutput')");
            LimitsBenchmark.backlog(db, changes);
            long expected = changes + 1L; // and the sentinel
            Path rows = Files.createTempFile("changes", ".copy");
            List<Run> runs = new ArrayList<>();
            try {
                for (int round = 0; round < rounds; round++) {
                    for (int parallelism : PARALLELISMS) {
                        Run run = LimitsBenchmark.job(db, cpu, options, expected, parallelism);
                        runs.add(new Run(
                                "parallelism " + parallelism,
                                run.changes(),
                                run.seconds(),
                                run.jvmCpu(),
                                run.postgresCpu()));
                        if (round == 0 && parallelism == PARALLELISMS[0]) {
                            LimitsBenchmark.export(db, rows);
                        }
                    }
                    runs.add(LimitsBenchmark.write(db, cpu, rows, expected));
                }
            } finally {
                Files.deleteIfExists(rows);
            }
            Results.write(results, "scale", report(runs, changes));
        }
    }

    static String report(List<Run> runs, int changes) {
        StringBuilder out = new StringBuilder("## Drain rate by parallelism\n\n")
                .append("`mvn -B -Pbench -DskipTests verify` (ScaleBenchmark), ")
                .append(LocalDate.now())
                .append(", ")
                .append(Runtime.getRuntime().availableProcessors())
                .append(" cores. LimitsBenchmark's backlog of ")
                .append(String.format("%,d", changes))
                .append(
                        " row changes drained by the job with the stages after the source (context, filters, chain, sink)"
                                + " at parallelism 1, 2 and 4, the source at 1 (one slot, one walsender), then the write limit (COPY"
                                + " of the same rows), interleaved. Source and destination are one embedded PostgreSQL 15; the job runs"
                                + " in a local MiniCluster in the benchmark's JVM. What limits one slot, and how to spread load past it:"
                                + " docs/operate.md#scaling.\n\n")
                .append("| run | changes/s | JVM CPU µs/change | PostgreSQL CPU µs/change |\n|---|---|---|---|\n");
        out.append(LimitsBenchmark.runRows(runs, PARALLELISMS.length + 1));
        return out.toString();
    }
}
