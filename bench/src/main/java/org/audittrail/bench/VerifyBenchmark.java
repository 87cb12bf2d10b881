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

import java.io.Reader;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.audittrail.job.chain.ChainVerifier;
import org.audittrail.job.setup.Setup;
import org.audittrail.job.testing.TestDatabase;
import org.audittrail.udf.chain.ChainLink;
import org.audittrail.udf.chain.ChainedChange;
import org.postgresql.PGConnection;

/**
 * How fast {@code verify} walks a chain: a chain of UPDATEs of a nine-column row, each with a context, written into
 * {@code changes} with COPY, then verified several times. Writes its section of bench/RESULTS.md.
 */
public final class VerifyBenchmark {

    static final long START_MICROS = 1_780_000_000_000_000L;

    public static void main(String[] args) throws Exception {
        Path results = Path.of(args.length > 0 ? args[0] : "bench/RESULTS.md");
        long changes = args.length > 1 ? Long.parseLong(args[1]) : 10_000_000L;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        try (TestDatabase db = TestDatabase.start(java.util.Map.of("max_wal_size", "8GB", "autovacuum", "off"))) {
            Setup.prepareDestination(db.database());
            // verify reads along the chain's index only: the GIN and record indexes would make the load take hours
            db.execute(
                    "DROP INDEX changes_before_idx, changes_after_idx, changes_context_idx, changes_table_record_idx");
            long made = System.nanoTime();
            // pgjdbc's own driver (the job's jar has it relocated), for its COPY API
            java.util.Properties login = new java.util.Properties();
            login.setProperty("user", "postgres");
            login.setProperty("password", TestDatabase.PASSWORD);
            try (Connection c =
                    new org.postgresql.Driver().connect(db.database().jdbcUrl(), login)) {
                long copied = ((PGConnection) c.unwrap(PGConnection.class))
                        .getCopyAPI()
                        .copyIn(
                                "COPY changes (id, database, schema, \"table\", primary_key, operation, before, after,"
                                        + " context, committed_at, queued_at, transaction_id, position, chain_sequence,"
                                        + " chain_hash) FROM STDIN",
                                new ChainReader(changes));
                System.out.printf("%,d chained changes written in %.0f s%n", copied, (System.nanoTime() - made) / 1e9);
            }
            db.execute("VACUUM ANALYZE changes");
            int cores = Runtime.getRuntime().availableProcessors();
            Cpu cpu = new Cpu(Cpu.postmasterOf((String) db.value("SHOW data_directory")));
            List<double[]> runs = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                try (Connection c = db.connect()) {
                    double server = cpu.postgres();
                    double jvm = Cpu.jvm();
                    long start = System.nanoTime();
                    ChainVerifier.Report report = ChainVerifier.verify(
                            c,
                            db::connect,
                            cores,
                            "bench",
                            new java.util.TreeMap<>(),
                            ChainVerifier.Range.ALL,
                            new java.util.TreeMap<>());
                    double seconds = (System.nanoTime() - start) / 1e9;
                    if (!report.intact() || report.checked() != changes) {
                        throw new IllegalStateException(report.summary(seconds));
                    }
                    double[] run = {seconds, changes / seconds, 0, 0, 0, 0, 0, 0};
                    run[4] = (cpu.postgres() - server) * 1e6 / changes;
                    run[5] = (Cpu.jvm() - jvm) * 1e6 / changes;
                    server = cpu.postgres();
                    jvm = Cpu.jvm();
                    start = System.nanoTime();
                    long read = readAlone(c);
                    double reading = (System.nanoTime() - start) / 1e9;
                    if (read != changes) {
                        throw new IllegalStateException("read " + read + " of " + changes + " changes");
                    }
                    run[2] = reading;
                    run[3] = changes / reading;
                    run[6] = (cpu.postgres() - server) * 1e6 / changes;
                    run[7] = (Cpu.jvm() - jvm) * 1e6 / changes;
                    runs.add(run);
                    System.out.printf(
                            "round %d: %.1f s, %.0f changes/s, CPU %.1f + %.1f us/change; reading alone %.1f s,"
                                    + " %.0f changes/s, CPU %.1f + %.1f us/change%n",
                            round + 1, seconds, run[1], run[4], run[5], reading, run[3], run[6], run[7]);
                }
            }
            StringBuilder out = new StringBuilder("verify (VerifyBenchmark), ")
                    .append(LocalDate.now())
                    .append(": a chain of ")
                    .append(String.format("%,d", changes))
                    .append(" UPDATEs of a nine-column row, each with a two-key context, in one destination (loaded"
                            + " without the GIN and record indexes, which verify does not read); `verify` as the command"
                            + " runs it: the chain cut into as many parts as the machine has cores, each read along"
                            + " changes_chain_idx through its own connection, every link recomputed on every core; one"
                            + " round after another. Beside it, in each round, one cursor's query alone: the whole chain"
                            + " read through one connection, every column taken as verify takes it, no link computed"
                            + " (what one server backend and the driver cost). Each with the CPU it took per change, from"
                            + " /proc: PostgreSQL's (its backends printing the rows: jsonb's text is most of it) and the"
                            + " verifier's (this JVM: the driver, and the links); the most that CPU allows on this"
                            + " machine's ")
                    .append(cores)
                    .append(" cores is cores × 10⁶ / (both µs). The goal: more than 200,000 changes/s.\n\n")
                    .append("| round | verify seconds | verify changes/s | CPU µs/change: PostgreSQL + verifier |"
                            + " most the CPU allows | reading alone seconds | reading alone changes/s |"
                            + " CPU µs/change: PostgreSQL + reader |\n|---|---|---|---|---|---|---|---|\n");
            for (int i = 0; i < runs.size(); i++) {
                double[] run = runs.get(i);
                out.append(String.format(
                        "| %d | %.1f | %,.0f%s | %.1f + %.1f | %,.0f | %.1f | %,.0f | %.1f + %.1f |%n",
                        i + 1,
                        run[0],
                        run[1],
                        run[1] > 200_000 ? "" : " (**under 200,000**)",
                        run[4],
                        run[5],
                        cores * 1e6 / (run[4] + run[5]),
                        run[2],
                        run[3],
                        run[6],
                        run[7]));
            }
            Results.write(results, "verify", out.toString());
        }
    }

    /** Verify's query read to its end as verify reads it, without computing a link: the rows read. */
    static long readAlone(Connection c) throws java.sql.SQLException {
        c.setAutoCommit(false);
        try (java.sql.PreparedStatement s = ChainVerifier.chain(c, "bench", Long.MIN_VALUE, Long.MAX_VALUE)) {
            long read = 0;
            try (java.sql.ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    r.getObject(1, UUID.class);
                    for (int column = 2; column <= 8; column++) {
                        r.getString(column);
                    }
                    r.getObject(9, java.time.OffsetDateTime.class);
                    r.getLong(10);
                    r.getLong(11);
                    r.getBoolean(12);
                    r.getArray(13);
                    r.getLong(14);
                    r.getString(15);
                    r.getString(16);
                    read++;
                }
            }
            return read;
        } finally {
            c.rollback();
        }
    }

    /** The chain as COPY text, made as COPY reads it: each change's link computed from the one before. */
    static final class ChainReader extends Reader {
        private final long changes;
        private long sequence;
        private String previous = ChainLink.GENESIS;
        private final StringBuilder pending = new StringBuilder();
        private int at;

        ChainReader(long changes) {
            this.changes = changes;
        }

        @Override
        public int read(char[] buffer, int offset, int length) {
            while (at == pending.length()) {
                if (sequence == changes) {
                    return -1;
                }
                pending.setLength(0);
                at = 0;
                for (int i = 0; i < 1_000 && sequence < changes; i++) {
                    line(++sequence);
                }
            }
            int n = Math.min(length, pending.length() - at);
            pending.getChars(at, at + n, buffer, offset);
            at += n;
            return n;
        }

        private void line(long seq) {
            long item = seq % 100_000;
            String before = image(item, seq - 1);
            String after = image(item, seq);
            String context = "{\"user_id\": " + (seq % 5_000) + ", \"request_id\": \"req-" + seq / 3 + "\"}";
            long committed = START_MICROS + seq * 1_000L;
            ChainedChange change = new ChainedChange(
                    new UUID(0x5eed, seq),
                    "bench",
                    "public",
                    "item",
                    String.valueOf(item),
                    "UPDATE",
                    committed,
                    seq / 3,
                    1_000_000L + seq * 100,
                    false,
                    null,
                    before,
                    after,
                    context,
                    null);
            previous = ChainLink.next(previous, seq, change);
            java.time.Instant time =
                    java.time.Instant.ofEpochSecond(committed / 1_000_000L, committed % 1_000_000L * 1_000L);
            pending.append(change.id())
                    .append("\tbench\tpublic\titem\t")
                    .append(item)
                    .append("\tUPDATE\t")
                    .append(before)
                    .append('\t')
                    .append(after)
                    .append('\t')
                    .append(context)
                    .append('\t')
                    .append(time)
                    .append('\t')
                    .append(time)
                    .append('\t')
                    .append(seq / 3)
                    .append('\t')
                    .append(1_000_000L + seq * 100)
                    .append('\t')
                    .append(seq)
                    .append('\t')
                    .append(previous)
                    .append('\n');
        }

        static String image(long item, long version) {
            return "{\"id\": " + item + ", \"name\": \"item " + item + "\", \"price\": " + (version % 1000) + ".50,"
                    + " \"quantity\": " + (version % 17) + ", \"active\": true, \"note\": \"version " + version
                    + "\", \"tags\": [\"a\", \"b\"], \"updated_at\": \"2026-12-06T10:00:00+00:00\", \"owner_id\": "
                    + (version % 97) + "}";
        }

        @Override
        public void close() {}
    }
}
