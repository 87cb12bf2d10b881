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
package org.audittrail.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.audittrail.job.chain.SignedHead;
import org.audittrail.job.testing.Auditor;
import org.audittrail.job.testing.Cli;
import org.audittrail.job.testing.JobTestBase;
import org.audittrail.job.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The baseline snapshot (--snapshot initial): every row once as its record's baseline, read in chunks by Flink CDC's
 * incremental snapshot while an application writes, handed over to the WAL with nothing lost or doubled, also across
 * a restore in the middle; values exactly as the WAL carries them.
 */
class SnapshotITCase extends JobTestBase {

    /** The table the application writes to while its baseline is taken. */
    private static final int ROWS = 1_000_000;

    private static TimeZone zone;

    @BeforeAll
    static void createSchema() {
        zone = TimeZone.getDefault();
        // the walsender and the snapshot's connection write timestamptz in the JVM's zone: an odd one
        TimeZone.setDefault(TimeZone.getTimeZone("Asia/Kathmandu"));
        db.executeFixture("fixtures/value-catalogue-schema.sql");
        db.executeFixture("fixtures/value-catalogue-rows.sql");
        db.execute(
                // the checks of a million records sort and hash in memory, not on disk
                "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET work_mem = ''128MB''', current_database()); END $$",
                "CREATE TABLE items (id int PRIMARY KEY, label text, n int)",
                "CREATE TABLE keyless (label text)",
                "INSERT INTO keyless VALUES ('no key')");
    }

    @AfterAll
    static void restoreZone() {
        TimeZone.setDefault(zone);
    }

    @Test
    void everyBaselineValueIsTheValueTheWalCarries() throws Exception {
        fresh();
        // with the chain: on a quiet database too, each chunk is chained as soon as its rows are out
        job.submit(db.args("--snapshot", "initial", "--snapshot-chunk-rows", "100", "--hash-chain"));
        long tables = (Long)
                db.value("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'cat\\_%' OR tablename LIKE 'caf%'");
        long rows = ((Number) db.value("SELECT sum((xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n"
                        + " FROM %I', tablename), false, true, '')))[1]::text::bigint) FROM pg_tables"
                        + " WHERE tablename LIKE 'cat\\_%' OR tablename LIKE 'caf%'"))
                .longValue();
        assertThat(rows).isGreaterThan(80);
        awaitCount("SELECT count(*) FROM changes WHERE operation = 'SNAPSHOT'", rows);
        // the table without primary key is only streamed: no baseline
        assertThat(db.value("SELECT count(*) FROM changes WHERE \"table\" = 'keyless'"))
                .isEqualTo(0L);

        // every row deleted: the WAL's before of each DELETE is the row as the WAL carries it
        db.execute(
                "DO $$ DECLARE t text; BEGIN FOR t IN SELECT tablename FROM pg_tables WHERE tablename LIKE 'cat\\_%' OR tablename LIKE 'caf%'"
                        + " LOOP EXECUTE format('DELETE FROM %I', t); END LOOP; END $$");
        awaitCount("SELECT count(*) FROM changes WHERE operation = 'DELETE'", rows);
        List<Map<String, Object>> differing = db.query("SELECT s.\"table\", s.primary_key,"
                + " s.after::text AS baseline, d.before::text AS wal FROM changes s JOIN changes d"
                + " ON d.\"table\" = s.\"table\" AND d.primary_key = s.primary_key AND d.operation = 'DELETE'"
                + " WHERE s.operation = 'SNAPSHOT' AND (s.after IS DISTINCT FROM d.before"
                + " OR s.fallback_columns IS DISTINCT FROM d.fallback_columns)");
        assertThat(differing).isEmpty();
        // queries of changes filtering on CREATE, UPDATE and DELETE see what they did: here, the deletes only
        assertThat(db.value("SELECT count(*) FROM changes WHERE operation IN ('CREATE', 'UPDATE', 'DELETE')"))
                .isEqualTo(rows);
        // a baseline is a record's state, not a change to revert
        String baseline = db.value("SELECT id::text FROM changes WHERE operation = 'SNAPSHOT' LIMIT 1")
                .toString();
        assertThatThrownBy(() -> db.value("SELECT changes_revert_sql(ARRAY['" + baseline + "'::uuid])"))
                .hasMessageContaining("a baseline is the record's state when its snapshot was taken, not a change");
        assertThat(db.value("SELECT count(DISTINCT \"table\") FROM changes WHERE operation = 'SNAPSHOT'"))
                .isEqualTo(tables);
        // one moment per table, each baseline row stamped with it
        assertThat(db.value("SELECT count(*) FROM changes c JOIN snapshots s ON s.\"table\" = c.\"table\""
                        + " WHERE c.operation = 'SNAPSHOT' AND c.committed_at <> s.started_at"))
                .isEqualTo(0L);
        assertThat(job.failures()).isEmpty();
    }

    @Test
    void writesDuringTheSnapshotAndARestoreInTheMiddleLoseAndDoubleNothing() throws Exception {
        fresh();
        db.execute("INSERT INTO items SELECT i, 'row ' || i, 0 FROM generate_series(1, " + ROWS + ") i");
        String[] args = db.args("--snapshot", "initial", "--snapshot-chunk-rows", "50000", "--tables", "public.items");
        job.submit(args);
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong writes = new AtomicLong();
        Thread application = new Thread(() -> write(writing, writes, ROWS), "application");
        application.start();
        try {
            // stopped with a savepoint after some chunks, while the application goes on writing
            awaitCount("SELECT count(*) FROM changes WHERE operation = 'SNAPSHOT'", ROWS / 8);
            String savepoint = job.stopWithSavepoint();
            assertThat((Long) db.value("SELECT count(*) FROM changes WHERE operation = 'SNAPSHOT'"))
                    .isLessThan((long) ROWS);
            job.submit(args, savepoint);
            awaitCount("SELECT count(*) FROM changes WHERE operation = 'SNAPSHOT'", ROWS / 2);
            // and a crash: the newest checkpoint restores
            String checkpoint = job.checkpoint();
            job.cancel();
            db.awaitSlotInactive();
            job.submit(args, checkpoint);
        } finally {
            writing.set(false);
            application.join();
        }
        assertThat(writes.get()).isGreaterThan(100L);
        awaitItemsStored();
        // one baseline per record, never two
        assertThat(db.value("SELECT count(*) - count(DISTINCT primary_key) FROM changes WHERE operation = 'SNAPSHOT'"))
                .isEqualTo(0L);
        // no change stored twice
        assertThat(db.value("SELECT count(*) - count(DISTINCT id) FROM changes"))
                .isEqualTo(0L);
        // after its baseline, a record's changes follow on: each UPDATE's before is the state stored just before it
        assertThat(db.query(
                        "SELECT primary_key, operation, previous_operation FROM (SELECT primary_key, operation, before,"
                                + " lag(after) OVER w AS previous, lag(operation) OVER w AS previous_operation FROM changes"
                                + " WHERE \"table\" = 'items' WINDOW w AS (PARTITION BY primary_key ORDER BY committed_at, position)) h"
                                + " WHERE operation = 'UPDATE' AND previous_operation IS NOT NULL AND previous_operation <> 'DELETE'"
                                + " AND before <> previous LIMIT 5"))
                .as(() -> "histories: "
                        + db.query("SELECT primary_key, operation, committed_at::text, position,"
                                + " transaction_id, before::text, after::text FROM changes WHERE \"table\" = 'items' AND primary_key IN"
                                + " (SELECT primary_key FROM (SELECT primary_key, operation, before, lag(after) OVER w AS previous"
                                + " FROM changes WHERE \"table\" = 'items' WINDOW w AS (PARTITION BY primary_key ORDER BY"
                                + " committed_at, position)) h WHERE operation = 'UPDATE' AND before <> previous LIMIT 2)"
                                + " ORDER BY primary_key, committed_at, position"))
                .isEmpty();
    }

    @Test
    void theHashChainTakesTheBaselineFirstAndVerifiesAfterACrashThatReadsChangedChunksAgain() throws Exception {
        fresh();
        int rows = 60_000;
        db.execute("INSERT INTO items SELECT i, 'row ' || i, 0 FROM generate_series(1, " + rows + ") i");
        Path heads = Cli.freshDirectory(Path.of("target", "snapshot-chain-heads"));
        Path[] keys = Auditor.keys(heads, "snapshot-chain");
        List<String> chained = concat(
                signedChain(heads, keys[0]),
                "--snapshot",
                "initial",
                "--snapshot-chunk-rows",
                "6000",
                "--tables",
                "public.items",
                "--checkpoint-interval-ms");
        job.submit(db.args(concat(chained, "3600000").toArray(String[]::new)));
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong writes = new AtomicLong();
        Thread application = new Thread(() -> write(writing, writes, rows), "application");
        application.start();
        try {
            awaitCount("SELECT count(*) FROM changes WHERE operation = 'SNAPSHOT'", rows / 8);
            String checkpoint = job.checkpoint();
            // chunks read, chained and stored after the checkpoint, then a crash: they are read again, changed by the
            // application in between, so their links differ; the stream waits for a checkpoint after the last chunk
            awaitCount("SELECT count(*) FROM changes WHERE operation = 'SNAPSHOT'", rows / 2);
            job.cancel();
            db.awaitSlotInactive();
            job.submit(db.args(concat(chained, "1000").toArray(String[]::new)), checkpoint);
            awaitCount("SELECT count(*) FROM changes WHERE operation <> 'SNAPSHOT'", 100);
        } finally {
            writing.set(false);
            application.join();
        }
        awaitItemsStored();
        long last = (Long) db.value("SELECT max(chain_sequence) FROM changes");
        awaitSignedHead(heads, last);
        job.cancel();
        // every change and baseline row in the chain, the baseline first
        assertThat(db.query("SELECT c.committed_at::text, c.transaction_id, c.position, (SELECT string_agg("
                        + "d.chain_sequence || '@' || d.committed_at::text || '/' || d.transaction_id, ' ' ORDER BY d.chain_sequence)"
                        + " FROM changes d WHERE d.chain_sequence IS NOT NULL AND d.operation <> 'SNAPSHOT' AND d.committed_at"
                        + " BETWEEN c.committed_at - interval '300 ms' AND c.committed_at + interval '300 ms') AS near"
                        + " FROM changes c WHERE c.chain_sequence IS NULL ORDER BY c.committed_at LIMIT 3"))
                .isEmpty();
        assertThat(
                        db.query(
                                "SELECT count(*) AS n, count(chain_sequence) AS chained, max(chain_sequence) AS last,"
                                        + " max(chain_sequence) FILTER (WHERE operation = 'SNAPSHOT')"
                                        + " < min(chain_sequence) FILTER (WHERE operation <> 'SNAPSHOT') AS baseline_first FROM changes"))
                .containsExactly(Map.of("n", last, "chained", last, "last", last, "baseline_first", true));
        assertThat(verify(heads, keys[1]))
                .startsWith("0 ")
                .contains("intact: " + last + " changes", "signed heads, the newest at sequence " + last);
        assertThat(Auditor.verifyChain(db)).isEqualTo("0 intact up to sequence " + last);
    }

    /** Once a head is signed at sequence {@code last}: the chain a job has stored is complete up to it. */
    private static void awaitSignedHead(Path heads, long last) {
        TestDatabase.poll(
                () -> java.nio.file.Files.exists(SignedHead.file(heads, "postgres", last)),
                Duration.ofSeconds(60),
                "the signed head of " + last);
    }

    /** What the verify command prints for the destination, against the heads in {@code heads}. */
    private static String verify(Path heads, Path publicKey) throws Exception {
        return Auditor.run(db.args(
                "verify", "--chain-heads-dir", heads.toString(), "--chain-public-key-file", publicKey.toString()));
    }

    /** The options of a hash chain whose heads are signed with {@code key} into {@code heads} every 200 ms. */
    private static List<String> signedChain(Path heads, Path key) {
        return List.of(
                "--hash-chain",
                "--chain-signing-key-file",
                key.toString(),
                "--chain-heads-dir",
                heads.toString(),
                "--chain-sign-interval-ms",
                "200");
    }

    private static List<String> concat(List<String> first, String... more) {
        List<String> all = new ArrayList<>(first);
        all.addAll(List.of(more));
        return all;
    }

    @Test
    void aTableAddedLaterGetsItsBaselineAloneInTheChainAndANewTablesChangesAreCapturedAtOnce() throws Exception {
        fresh();
        db.execute(
                "CREATE TABLE snap_first (id int PRIMARY KEY, v text)",
                "INSERT INTO snap_first SELECT i, 'first ' || i FROM generate_series(1, 50) i");
        Path heads = Cli.freshDirectory(Path.of("target", "snapshot-new-tables-heads"));
        Path[] keys = Auditor.keys(heads, "snapshot-new-tables");
        String[] args = db.args(concat(
                        signedChain(heads, keys[0]),
                        "--snapshot",
                        "initial",
                        "--snapshot-new-tables",
                        "--snapshot-chunk-rows",
                        "100",
                        "--tables",
                        "public.snap*",
                        // Flink CDC hands a new table's chunks out one at a time, at completed checkpoints
                        "--checkpoint-interval-ms",
                        "1000")
                .toArray(String[]::new));
        job.submit(args);
        awaitCount("SELECT count(*) FROM changes WHERE operation = 'SNAPSHOT'", 50);
        // created while the job runs: its changes are captured at once, as without a snapshot
        db.execute(
                "CREATE TABLE snap_created (id int PRIMARY KEY, v text)",
                "INSERT INTO snap_created VALUES (1, 'at once')");
        awaitCount("SELECT count(*) FROM changes WHERE \"table\" = 'snap_created' AND operation = 'CREATE'", 1);
        String savepoint = job.stopWithSavepoint();
        // tracked from the next start on (a wider --tables, or a table made while the job was stopped); the changes
        // committed meanwhile come before the new table's baseline in the chain, though the job reads them after it
        db.execute(
                "CREATE TABLE snap_later (id int PRIMARY KEY, v text)",
                "INSERT INTO snap_later SELECT i, 'later ' || i FROM generate_series(1, 250) i",
                "UPDATE snap_first SET v = 'while stopped' WHERE id <= 3");
        job.submit(args, savepoint);
        awaitCount("SELECT count(*) FROM changes WHERE \"table\" = 'snap_later' AND operation = 'SNAPSHOT'", 250);
        db.execute(
                "UPDATE snap_first SET v = 'changed' WHERE id = 1", "UPDATE snap_later SET v = 'changed' WHERE id = 1");
        awaitCount("SELECT count(*) FROM changes WHERE operation = 'UPDATE'", 5);
        // the first table was not read again: one baseline per row, its chunk stored once
        assertThat(db.value("SELECT count(*) FROM changes WHERE \"table\" = 'snap_first' AND operation = 'SNAPSHOT'"))
                .isEqualTo(50L);
        assertThat(db.value("SELECT count(*) FROM snapshot_chunks WHERE \"table\" = 'snap_first'"))
                .isEqualTo(1L);
        // the new table's baseline has a moment of its own, after the first's
        assertThat(db.value("SELECT (SELECT started_at FROM snapshots WHERE \"table\" = 'snap_later')"
                        + " > (SELECT started_at FROM snapshots WHERE \"table\" = 'snap_first')"))
                .isEqualTo(true);
        // every change chained; the new baselines after every change committed before their moment, and before the
        // later
        long last = (Long) db.value("SELECT max(chain_sequence) FROM changes");
        assertThat(db.query("SELECT count(*) AS n, count(chain_sequence) AS chained FROM changes"))
                .containsExactly(Map.of("n", last, "chained", last));
        assertThat(db.query("SELECT max(chain_sequence) FILTER (WHERE committed_at < m) < min(chain_sequence) FILTER"
                        + " (WHERE baseline) AS after_what_came_before, max(chain_sequence) FILTER (WHERE baseline)"
                        + " < min(chain_sequence) FILTER (WHERE committed_at > m) AS before_what_came_after FROM (SELECT"
                        + " chain_sequence, committed_at, operation = 'SNAPSHOT' AND committed_at = m AS baseline, m FROM"
                        + " changes, (SELECT started_at AS m FROM snapshots WHERE \"table\" = 'snap_later') s) c"))
                .containsExactly(Map.of("after_what_came_before", true, "before_what_came_after", true));
        awaitSignedHead(heads, last);
        assertThat(verify(heads, keys[1])).startsWith("0 ").contains("intact: " + last + " changes");
        assertThat(job.failures()).isEmpty();
    }

    @Test
    void theExamplesOfTheBaselineDocsShowWhatTheySay() throws Exception {
        fresh();
        db.execute("INSERT INTO items SELECT i, 'row ' || i, 0 FROM generate_series(1, 100) i");
        job.submit(db.args("--snapshot", "initial", "--tables", "public.items"));
        awaitCount("SELECT count(*) FROM changes WHERE operation = 'SNAPSHOT'", 100);
        db.execute("UPDATE items SET n = 1 WHERE id = 7");
        awaitCount("SELECT count(*) FROM changes WHERE operation = 'UPDATE'", 1);
        // docs/query.md#baseline, query by query
        assertThat(rows("SELECT after FROM changes_record_at('items', '42', now())"))
                .containsExactly("{\"n\": 0, \"id\": 42, \"label\": \"row 42\"}");
        assertThat(rows("SELECT operation, changed FROM changes_record_history('items', '7')"))
                .containsExactly(
                        "SNAPSHOT | {\"n\": {\"after\": 0}, \"id\": {\"after\": 7}, \"label\": {\"after\": \"row 7\"}}",
                        "UPDATE | {\"n\": {\"after\": 1, \"before\": 0}}");
        assertThat(rows("SELECT count(*) FROM changes WHERE operation = 'SNAPSHOT' AND \"table\" = 'items'"))
                .containsExactly("100");
        assertThat(rows("SELECT \"table\", started_at = (SELECT min(committed_at) FROM changes) FROM snapshots"))
                .containsExactly("items | true");
        assertThat(job.failures()).isEmpty();
    }

    private static List<String> rows(String sql) {
        return db.query(sql).stream()
                .map(row -> String.join(
                        " | ", row.values().stream().map(String::valueOf).toList()))
                .toList();
    }

    /** No baseline taken yet: a first start. */
    private static void fresh() {
        db.execute(
                "TRUNCATE items",
                "DROP TABLE IF EXISTS snap_first, snap_created, snap_later",
                "DO $$ BEGIN IF to_regclass('snapshots') IS NOT NULL THEN DELETE FROM snapshots;"
                        + " TRUNCATE changes; DELETE FROM snapshot_chunks; END IF; END $$");
    }

    /** An application: updates, inserts and deletes of random rows, one transaction each, until told to stop. */
    private static void write(AtomicBoolean writing, AtomicLong writes, int rows) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int next = rows + 100_000;
        while (writing.get()) {
            int id = random.nextInt(1, rows + 1);
            switch (random.nextInt(4)) {
                case 0 -> db.execute("INSERT INTO items VALUES (" + next++ + ", 'new', 0)");
                case 1 -> db.execute("DELETE FROM items WHERE id = " + id);
                default -> db.execute("UPDATE items SET n = n + 1, label = 'changed' WHERE id = " + id);
            }
            writes.incrementAndGet();
        }
    }

    /**
     * Each record's last state in changes is the table's row: nothing lost. Compared once a row written last is stored
     * (found by index), so that the comparison, a scan of every record, does not take the job's CPU while it catches up.
     */
    private static void awaitItemsStored() {
        db.execute("INSERT INTO items VALUES (-1, 'written last', 0)");
        awaitCount("SELECT count(*) FROM changes WHERE \"table\" = 'items' AND primary_key = '-1'", 1);
        // each side read once: changes_table_at over a million records is most of the test's time
        String differences = "WITH stored AS MATERIALIZED (SELECT primary_key AS k, after AS v"
                + " FROM changes_table_at('items', 'infinity')),"
                + " kept AS MATERIALIZED (SELECT id::text AS k, to_jsonb(i) AS v FROM items i)"
                + " SELECT 'missing' AS d, k, v::text FROM (SELECT * FROM kept EXCEPT SELECT * FROM stored) m"
                + " UNION ALL SELECT 'extra', k, v::text FROM (SELECT * FROM stored EXCEPT SELECT * FROM kept) e";
        try {
            db.await(differences, List::isEmpty, Duration.ofSeconds(300), Duration.ofSeconds(1));
        } catch (AssertionError e) {
            List<Map<String, Object>> rows = db.query(differences + " LIMIT 5");
            List<String> histories = new ArrayList<>();
            for (Map<String, Object> row : rows) {
                histories.add(row + " history "
                        + db.query("SELECT operation, committed_at::text, position,"
                                + " after::text FROM changes WHERE \"table\" = 'items' AND primary_key = '"
                                + row.get("k")
                                + "' ORDER BY committed_at, position"));
            }
            throw new AssertionError("changes_table_at('items') differs from items: " + histories, e);
        }
    }

    private static void awaitCount(String sql, long atLeast) {
        db.await(
                sql.replace("SELECT count(*)", "SELECT count(*) AS n"),
                rows -> ((Number) rows.get(0).get("n")).longValue() >= atLeast,
                Duration.ofSeconds(300),
                // counting many rows is a scan: each second, not ten times a second beside the job
                Duration.ofMillis(atLeast >= 10_000 ? 1_000 : 100));
    }
}
