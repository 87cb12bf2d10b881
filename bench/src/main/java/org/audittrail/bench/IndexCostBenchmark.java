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
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.audittrail.job.setup.Setup;
import org.audittrail.job.testing.TestDatabase;

/**
 * What each index of {@code changes} costs on write: the server's insert throughput into {@code changes} on embedded
 * PostgreSQL (the sink's INSERT ... ON CONFLICT DO NOTHING of staged rows) with every index, without each one, and
 * with the primary key only. Writes its table into the file given as argument (bench/RESULTS.md), between its markers only.
 */
public final class IndexCostBenchmark {

    static final String START = "<!-- index-cost:start -->";
    static final String END = "<!-- index-cost:end -->";

    /** Changes per insert and rounds: 60,000 and 5 unless the command line says (CI's smoke run: a few). */
    static int changes = 60_000;

    static int rounds = 5;

    /**
     * The changes, built once: 40 tables (of 1,500 records at 60,000 changes) with 6 columns, a quarter created and the rest updated, each with its request's context,
     * all in today's partition.
     */
    static String stage() {
        return "CREATE UNLOGGED TABLE staged AS SELECT gen_random_uuid() AS id, 'postgres' AS database,"
                + " 'public' AS schema, 'table_' || g % 40 AS \"table\", ((g / 40) % 2000)::text AS primary_key,"
                + " CASE WHEN g % 4 = 0 THEN 'CREATE' ELSE 'UPDATE' END AS operation,"
                + " CASE WHEN g % 4 = 0 THEN '{}' ELSE jsonb_build_object('id', (g / 40) % 2000, 'title', 'Item ' || (g / 40) % 2000,"
                + "   'status', 'status-' || g % 4 - 1, 'version', g % 4 - 1, 'is_completed', g % 2 = 0,"
                + "   'updated_at', now() - interval '1 hour') END AS before,"
                + " jsonb_build_object('id', (g / 40) % 2000, 'title', 'Item ' || (g / 40) % 2000, 'status', 'status-' || g % 4,"
                + "   'version', g % 4, 'is_completed', g % 2 = 1, 'updated_at', now()) AS after,"
                + " jsonb_build_object('request_id', gen_random_uuid(), 'user_id', g % 1000, 'method', 'PUT',"
                + "   'endpoint', '/api/table_' || g % 40 || '/' || (g / 40) % 2000, 'SQL', 'UPDATE ...') AS context,"
                + " date_trunc('day', now()) + g * interval '1 millisecond' AS committed_at,"
                + " date_trunc('day', now()) + g * interval '1 millisecond' + interval '40 milliseconds' AS queued_at,"
                + " 1000000 + g / 4 AS transaction_id, 100000000 + g * 200 AS position"
                + " FROM generate_series(0, " + (changes - 1) + ") AS g";
    }

    /** The server's part of the sink's write: the same rows, columns and ON CONFLICT, without client and network time. */
    static final String MOVE = "INSERT INTO changes (\"id\", \"database\", \"schema\", \"table\", \"primary_key\","
            + " \"operation\", \"before\", \"after\", \"context\", \"committed_at\", \"queued_at\", \"transaction_id\","
            + " \"position\") SELECT * FROM staged ON CONFLICT DO NOTHING";

    /** The variant setup makes with --no-image-indexes: without the GIN indexes of before and after. */
    static final String LEAN = "lean";

    static final List<String> IMAGE_INDEXES = List.of("changes_before_idx", "changes_after_idx");

    /** Without any GIN index: the images' and the context's. */
    static final String NO_GIN = "no-gin";

    static final List<String> GIN_INDEXES = List.of("changes_before_idx", "changes_after_idx", "changes_context_idx");

    /** What each index serves, for the table. */
    static final Map<String, String> SERVES = Map.of(
            "changes_before_idx", "`before @>` / `@?` (GIN jsonb_path_ops)",
            "changes_after_idx", "`after @>` / `@?` (GIN jsonb_path_ops), seed 002's query",
            "changes_context_idx", "`context @>` / `@?`, `changes_by_context` (GIN jsonb_path_ops)",
            "changes_table_record_idx", "a record's history and state, a table's state, seed 002's query (btree)",
            "changes_committed_at_idx", "time ranges across tables, history's key-change links (btree)",
            "changes_chain_idx", "the hash chain: verify's walk, the job's start (btree of chained rows only)",
            "changes_truncate_idx", "a table's TRUNCATEs, for time travel and history (btree of TRUNCATE rows only)");

    /** One measured insert: wall-clock seconds, the server backend's CPU seconds, WAL bytes written. */
    record Run(double seconds, double cpuSeconds, long walBytes) {}

    public static void main(String[] args) throws Exception {
        Path results = Path.of(args.length > 0 ? args[0] : "bench/RESULTS.md");
        changes = args.length > 1 ? Integer.parseInt(args[1]) : changes;
        rounds = args.length > 2 ? Integer.parseInt(args[2]) : rounds;
        Map<String, List<Run>> runs = new LinkedHashMap<>();
        Map<String, String> definitions = new LinkedHashMap<>();
        // no autovacuum: GIN pending lists are flushed by the inserts themselves, and nothing else writes WAL meanwhile
        try (TestDatabase db = TestDatabase.start(Map.of("autovacuum", "off"))) {
            Setup.prepareDestination(db.database());
            for (Map<String, Object> row :
                    db.query("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'changes'"
                            + " AND indexname <> 'changes_pkey' ORDER BY indexname")) {
                // a partitioned table's index is defined ON ONLY the parent: recreated so, its partitions would have
                // none
                definitions.put(
                        (String) row.get("indexname"), ((String) row.get("indexdef")).replace(" ON ONLY ", " ON "));
            }
            List<String> variants = new ArrayList<>();
            variants.add("all");
            variants.addAll(definitions.keySet());
            variants.add(LEAN);
            variants.add(NO_GIN);
            variants.add("none");
            db.execute(stage());
            try (Connection c = db.connect();
                    Statement s = c.createStatement()) {
                long backend = ((Number) value(s, "SELECT pg_backend_pid()")).longValue();
                s.execute(MOVE); // warm-up: the server's caches
                // rounds interleave the variants, so a drift of the machine's load spreads over all of them
                for (int round = 0; round < rounds; round++) {
                    for (String variant : variants) {
                        List<String> dropped =
                                switch (variant) {
                                    case "all" -> List.of();
                                    case "none" -> List.copyOf(definitions.keySet());
                                    case LEAN -> IMAGE_INDEXES;
                                    case NO_GIN -> GIN_INDEXES;
                                    default -> List.of(variant);
                                };
                        s.execute("TRUNCATE changes");
                        for (String index : dropped) {
                            s.execute("DROP INDEX " + index);
                        }
                        s.execute("CHECKPOINT");
                        long wal =
                                ((Number) value(s, "SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")).longValue();
                        double cpu = cpuSeconds(backend);
                        long start = System.nanoTime();
                        s.execute(MOVE);
                        Run run = new Run(
                                (System.nanoTime() - start) / 1e9,
                                cpuSeconds(backend) - cpu,
                                ((Number) value(s, "SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")).longValue()
                                        - wal);
                        runs.computeIfAbsent(variant, v -> new ArrayList<>()).add(run);
                        for (String index : dropped) {
                            s.execute(definitions.get(index));
                        }
                        // every partition of changes has every index again, as in a destination
                        if (((Number) value(s, "SELECT count(*) FROM pg_partition_tree('changes_pkey')")).longValue()
                                != ((Number) value(
                                                s,
                                                "SELECT count(*) FROM pg_partition_tree('changes_table_record_idx')"))
                                        .longValue()) {
                            throw new IllegalStateException("an index was recreated on the parent only");
                        }
                        System.out.printf(
                                "round %d, %s: %.0f changes/s, %.2f s CPU, %d WAL bytes%n",
                                round + 1, variant, changes / run.seconds(), run.cpuSeconds(), run.walBytes());
                    }
                }
            }
        }
        String table = table(runs, definitions);
        write(results, table);
        System.out.println(table);
    }

    private static Object value(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getObject(1);
        }
    }

    /** User and system CPU time of a process of this machine (the embedded server's backend), from /proc. */
    static double cpuSeconds(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        // fields after the command name, which is in parentheses and may hold spaces: utime and stime are the 12th and
        // 13th
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / (double) CLOCK_TICKS;
    }

    /** Linux's USER_HZ, the unit of /proc's CPU times, 100 on every common architecture. */
    static final int CLOCK_TICKS = 100;

    static String table(Map<String, List<Run>> runs, Map<String, String> definitions) {
        StringBuilder text = new StringBuilder();
        text.append("Index cost on write (bench/src/main/java/org/audittrail/bench/IndexCostBenchmark.java): ")
                .append(String.format("%,d changes", changes))
                .append(
                        " of 40 tables with context, in one partition, inserted into `changes` with the sink's `ON CONFLICT DO NOTHING`")
                .append(
                        " by `INSERT ... SELECT` from a staged copy (the server's part of the write: no client, no network),")
                .append(" on embedded PostgreSQL 15 (autovacuum off) on this machine (")
                .append(Runtime.getRuntime().availableProcessors())
                .append(" cores, shared); median of ")
                .append(rounds)
                .append(
                        " rounds, the variants interleaved. Wall-clock throughput moves with the machine's other load; the")
                .append(
                        " server backend's CPU time (from /proc) less so, and the WAL written not at all. An index's share is")
                .append(
                        " the part of the CPU time and of the WAL with every index that goes away without it. GIN's pending")
                .append(
                        " list (fastupdate) is flushed by the inserts as it fills; what is left in it at the end is not counted.\n")
                .append("Last run: ")
                .append(Instant.now())
                .append("\n\n")
                .append("| indexes | serves | changes/s | server CPU per change | WAL per change | share: CPU, WAL |\n")
                .append("|---|---|---|---|---|---|\n")
                .append(row("all", "", runs.get("all"), ""));
        for (String index : definitions.keySet()) {
            text.append(row(
                    "all but `" + index + "`",
                    SERVES.getOrDefault(index, ""),
                    runs.get(index),
                    share(runs.get("all"), runs.get(index))));
        }
        text.append(row(
                "all but the images' GIN indexes (`--no-image-indexes`)",
                "all the above but `before @>` / `after @>` by index",
                runs.get(LEAN),
                share(runs.get("all"), runs.get(LEAN))));
        text.append(row(
                "all but the three GIN indexes",
                "the btree questions only: no query by a value of an image or of the context by index",
                runs.get(NO_GIN),
                share(runs.get("all"), runs.get(NO_GIN))));
        text.append(row(
                "primary key only",
                "the sink's `ON CONFLICT`",
                runs.get("none"),
                share(runs.get("all"), runs.get("none")) + " (all " + definitions.size() + " together)"));
        return text.toString();
    }

    private static String share(List<Run> all, List<Run> without) {
        double cpu = median(all, Run::cpuSeconds);
        double wal = median(all, r -> (double) r.walBytes());
        return String.format(
                "%.0f %%, %.0f %%",
                100 * (cpu - median(without, Run::cpuSeconds)) / cpu,
                100 * (wal - median(without, r -> (double) r.walBytes())) / wal);
    }

    private static String row(String indexes, String serves, List<Run> runs, String share) {
        return String.format(
                "| %s | %s | %,.0f | %.1f µs | %,.0f bytes | %s |%n",
                indexes,
                serves,
                changes / median(runs, Run::seconds),
                1e6 * median(runs, Run::cpuSeconds) / changes,
                median(runs, r -> (double) r.walBytes()) / changes,
                share);
    }

    private static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> measure) {
        return median(runs.stream().map(measure::applyAsDouble).toList());
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    /** Replaces what lies between the markers, adding them at the end of the file where it has none; the rest stays. */
    static void write(Path results, String table) throws Exception {
        String text = Files.exists(results) ? Files.readString(results) : "";
        int start = text.indexOf(START);
        int end = text.indexOf(END);
        String block = START + "\n" + table + END;
        if (start >= 0 && end > start) {
            text = text.substring(0, start) + block + text.substring(end + END.length());
        } else {
            text = text + (text.isEmpty() || text.endsWith("\n") ? "" : "\n") + "\n" + block + "\n";
        }
        Files.writeString(results, text);
    }
}
