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

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.audittrail.job.chain.SignedHead;
import org.audittrail.job.chain.SignedLink;
import org.audittrail.job.testing.Auditor;
import org.audittrail.job.testing.Cli;
import org.audittrail.job.testing.JobTestBase;
import org.audittrail.job.testing.TestDatabase;
import org.audittrail.udf.chain.ChainLink;
import org.audittrail.udf.chain.ChainedChange;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The hash chain from SQL on the source to what verify says: one chain, no gap and no fork, across a restore from a
 * checkpoint (with replays) and a start without state; then each kind of tampering with changes, named by verify.
 */
class ChainITCase extends JobTestBase {

    /** No periodic checkpoint: one between the test's own checkpoint and the cancel would make it an older one. */
    static final String[] CHAIN = {
        "--tables",
        "public.ledger",
        "--hash-chain",
        "--heartbeat-interval-ms",
        "500",
        "--checkpoint-interval-ms",
        "3600000"
    };

    @BeforeAll
    static void createSchema() {
        db.execute(
                "CREATE TABLE ledger (id int PRIMARY KEY, amount numeric, note text, tags jsonb)",
                "ALTER TABLE ledger REPLICA IDENTITY FULL");
    }

    @BeforeEach
    void emptyLedger() {
        db.execute("TRUNCATE ledger"); // no job runs: each test counts only its own changes
    }

    @Test
    void aChainVerifiesAcrossRestoresAndEachTamperingIsNamed() throws Exception {
        job.submit(db.args(CHAIN));
        db.execute(
                withContext(
                        "INSERT INTO ledger VALUES (1, 1.50, 'caf\u00e9 \uD83D\uDE00', '{\"b\": 1e2, \"a\": [true]}'),"
                                + " (2, -0.001, E'tab\\tline\\nquote\"', '{}')",
                        "{\"user_id\": 42, \"endpoint\": \"/pay\"}"),
                "UPDATE ledger SET amount = amount * 2",
                "INSERT INTO ledger VALUES (3, 1e-3, NULL, 'null')");
        db.awaitChanges(5);
        String checkpoint = job.checkpoint();
        // after the checkpoint: replayed on restore, stored and chained once
        db.execute("UPDATE ledger SET note = 'after the checkpoint' WHERE id = 3", "DELETE FROM ledger WHERE id = 2");
        db.awaitChanges(7);
        job.cancel();
        db.awaitSlotInactive();
        db.execute("INSERT INTO ledger VALUES (4, 4, 'while down', NULL)");
        job.submit(db.args(CHAIN), checkpoint);
        db.execute("INSERT INTO ledger VALUES (5, 5, 'after the restore', NULL)");
        db.awaitChanges(9);
        job.cancel();
        db.awaitSlotInactive();
        // a start without state goes on from the stored chain's last link
        job.submit(db.args(CHAIN));
        db.execute("TRUNCATE ledger");
        db.awaitChanges(10);
        job.checkpoint(); // every sink subtask flushed
        job.cancel();

        List<Map<String, Object>> chain = db.query(
                "SELECT chain_sequence, length(chain_hash) AS length FROM changes" + " ORDER BY chain_sequence");
        assertThat(chain)
                .extracting(r -> r.get("chain_sequence"))
                .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
        assertThat(chain).extracting(r -> r.get("length")).containsOnly(64);
        // the chain's order is the WAL's order of commits, then of the changes in each
        assertThat(db.query("SELECT chain_sequence FROM changes ORDER BY commit_position, position"))
                .extracting(r -> r.get("chain_sequence"))
                .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
        assertThat(db.value(
                        "SELECT count(*) FROM changes WHERE commit_position IS NULL OR commit_position <= position"))
                .isEqualTo(0L);
        assertThat(verify()).contains("intact: 10 changes, sequence 1 to 10");
        // the SQL function agrees, and both check a time range alone, from the stored link before it
        assertThat(db.query("SELECT intact, checked, first_sequence, last_sequence FROM changes_verify('postgres')"))
                .containsExactly(Map.of("intact", true, "checked", 10L, "first_sequence", 1L, "last_sequence", 10L));
        // from the first commit after the restore's: one transaction's changes share one commit time
        Map<String, Object> later = db.query("SELECT min(chain_sequence) AS first, to_char(min(committed_at) AT TIME"
                        + " ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS since FROM changes WHERE committed_at >"
                        + " (SELECT committed_at FROM changes WHERE chain_sequence = 4)")
                .get(0);
        long first = (Long) later.get("first");
        assertThat(first).isBetween(5L, 10L);
        assertThat(Auditor.run(db.args("verify", "--verify-since", (String) later.get("since"))))
                .startsWith("0 ")
                .contains(
                        "intact: " + (11 - first) + " changes, sequence " + first + " to 10",
                        "after the stored link of sequence " + (first - 1));
        assertThat(db.value("SELECT checked FROM changes_verify('postgres', '" + later.get("since") + "')"))
                .isEqualTo(11 - first);

        // an auditor's own 30 lines of Python, on the documented export, agree
        assertThat(Auditor.verifyChain(db)).isEqualTo("0 intact up to sequence 10");
        db.execute("CREATE TABLE pristine AS SELECT * FROM changes");
        db.execute("UPDATE changes SET context = jsonb_set(context, '{user_id}', '43') WHERE chain_sequence = 1");
        assertThat(Auditor.verifyChain(db)).startsWith("1 BAD at sequence 1");
        db.execute("DELETE FROM changes", "INSERT INTO changes SELECT * FROM pristine");
        assertTampered(
                "UPDATE changes SET after = jsonb_set(after, '{amount}', '3.01') WHERE chain_sequence = 3",
                "modified at sequence 3");
        assertTampered("UPDATE changes SET context = '{}' WHERE chain_sequence = 1", "modified at sequence 1");
        assertTampered(
                "UPDATE changes SET chain_hash = md5('x') || md5('y') WHERE chain_sequence = 10",
                "modified at sequence 10");
        assertTampered("DELETE FROM changes WHERE chain_sequence = 4", "deleted at sequence 4");
        assertTampered(
                "DELETE FROM changes WHERE chain_sequence BETWEEN 4 AND 6", "missing range at sequence 4", "4 to 6");
        assertTampered(
                "INSERT INTO changes SELECT gen_random_uuid(), database, schema, \"table\", primary_key, operation,"
                        + " before, jsonb_set(after, '{note}', '\"forged\"'), context, committed_at, queued_at,"
                        + " created_at, transaction_id, position, fallback_columns, partial, chain_sequence, chain_hash"
                        + " FROM changes WHERE chain_sequence = 5",
                "inserted at sequence 5");
        assertTampered(
                "INSERT INTO changes (id, database, schema, \"table\", primary_key, operation, after, committed_at,"
                        + " queued_at, transaction_id, position) SELECT gen_random_uuid(), database, schema, \"table\","
                        + " '99', 'CREATE', '{\"id\": 99}', committed_at, queued_at, 1, 1 FROM changes"
                        + " WHERE chain_sequence = 5",
                "inserted",
                "without a link");
        assertTampered(
                "UPDATE changes SET chain_sequence = CASE chain_sequence WHEN 2 THEN 3 ELSE 2 END"
                        + " WHERE chain_sequence IN (2, 3)",
                "reordered at sequence 2");
        assertThat(verify()).contains("intact: 10 changes");
    }

    @Test
    void aRescaleGoesOnWithTheSameChain() throws Exception {
        job.submit(db.args(CHAIN));
        db.execute("INSERT INTO ledger VALUES (300, 1, 'at parallelism 2', NULL), (301, 2, 'at parallelism 2', NULL)");
        db.awaitChanges(2);
        String savepoint = job.stopWithSavepoint();
        db.execute("UPDATE ledger SET note = 'while stopped' WHERE id = 300");
        // the keyed chain state spreads over three subtasks now; one database stays one chain
        job.parallelism(3).submit(db.args(CHAIN), savepoint);
        db.execute("UPDATE ledger SET note = 'at parallelism 3' WHERE id = 301");
        db.awaitChanges(4);
        job.checkpoint();
        job.cancel();
        assertThat(db.query("SELECT chain_sequence FROM changes ORDER BY chain_sequence"))
                .extracting(r -> r.get("chain_sequence"))
                .containsExactly(1L, 2L, 3L, 4L);
        assertThat(verify()).startsWith("0 ").contains("intact: 4 changes");
    }

    @Test
    void withoutTheOptionNothingIsChainedAndVerifySaysSo() throws Exception {
        job.submit(db.args("--tables", "public.ledger"));
        db.execute("INSERT INTO ledger VALUES (100, 1, 'plain', NULL)");
        db.awaitChanges(1);
        job.checkpoint();
        assertThat(db.value("SELECT count(*) FROM changes WHERE chain_sequence IS NOT NULL OR chain_hash IS NOT NULL"))
                .isEqualTo(0L);
        Cli.Output output = Cli.runCapturing(db.args("verify"));
        assertThat(output.exit()).isZero();
        assertThat(output.out()).contains("no chained changes");
    }

    @Test
    void signedHeadsCatchARewriteWithRecomputedLinksAndTheNewestChangesDeleted() throws Exception {
        Path dir = Cli.freshDirectory(Path.of("target", "chain-heads"));
        Path[] keys = Auditor.keys(dir, "chain");
        Path privateKey = keys[0];
        Path publicKey = keys[1];
        List<String> args = new ArrayList<>(List.of(CHAIN));
        args.addAll(List.of(
                "--chain-signing-key-file",
                privateKey.toString(),
                "--chain-heads-dir",
                dir.toString(),
                "--chain-sign-interval-ms",
                "200"));
        job.submit(db.args(args.toArray(new String[0])));
        db.execute(
                "INSERT INTO ledger VALUES (200, 1, 'first', NULL)",
                "INSERT INTO ledger VALUES (201, 2, 'second', NULL)",
                "INSERT INTO ledger VALUES (202, 3, 'third', NULL)");
        db.awaitChanges(3);
        job.checkpoint(); // a head is signed once a checkpoint holds it
        TestDatabase.poll(
                () -> Files.exists(SignedHead.file(dir, "postgres", 3)),
                Duration.ofSeconds(30),
                "the signed head of 3");
        job.checkpoint();
        job.cancel();
        String[] checked =
                db.args("verify", "--chain-heads-dir", dir.toString(), "--chain-public-key-file", publicKey.toString());
        assertThat(Auditor.run(checked))
                .startsWith("0 ")
                .contains("intact: 3 changes", "signed heads, the newest at sequence 3");

        db.execute("CREATE TABLE pristine AS SELECT * FROM changes");
        // whoever can write changes can recompute the links: only the signed head tells
        db.execute("UPDATE changes SET after = jsonb_set(after, '{note}', '\"forged\"') WHERE chain_sequence = 2");
        String previous = (String) db.value("SELECT chain_hash FROM changes WHERE chain_sequence = 1");
        for (long sequence = 2; sequence <= 3; sequence++) {
            previous = ChainLink.next(previous, sequence, stored(sequence));
            db.execute("UPDATE changes SET chain_hash = '" + previous + "' WHERE chain_sequence = " + sequence);
        }
        assertThat(verify()).startsWith("0 ").contains("intact");
        assertThat(Auditor.run(checked)).startsWith("2 ").contains("TAMPERED: modified at sequence", "rewritten");
        db.execute("DELETE FROM changes", "INSERT INTO changes SELECT * FROM pristine");

        // the newest change deleted: the chain alone ends earlier, the signed head says where it ended
        db.execute("DELETE FROM changes WHERE chain_sequence = 3");
        assertThat(verify()).startsWith("0 ").contains("intact: 2 changes");
        assertThat(Auditor.run(checked)).startsWith("2 ").contains("TAMPERED: deleted at sequence 3", "are gone");
        db.execute("DELETE FROM changes", "INSERT INTO changes SELECT * FROM pristine");

        // a head edited to match an edit: its signature no longer verifies
        Path head = SignedHead.file(dir, "postgres", 3);
        Files.writeString(head, Files.readString(head).replaceAll("\"hash\":\"[0-9a-f]{8}", "\"hash\":\"00000000"));
        Cli.Output forged = Cli.runCapturing(checked);
        assertThat(forged.exit()).isEqualTo(1);
        assertThat(forged.err()).contains("signature does not verify");
        db.execute("DROP TABLE pristine");
    }

    @Test
    void aRetentionLeavesASignedAnchorThatVerifyGoesOnFrom() throws Exception {
        db.execute(
                "DO $$ BEGIN IF to_regclass('chain_anchors') IS NOT NULL THEN DELETE FROM chain_anchors; END IF; END $$");
        Path dir = Cli.freshDirectory(Path.of("target", "chain-anchors"));
        Path[] keys = Auditor.keys(dir, "anchor");
        job.submit(db.args(CHAIN));
        for (int id = 400; id < 406; id++) {
            db.execute("INSERT INTO ledger VALUES (" + id + ", 1, 'before the retention', NULL)");
        }
        db.awaitChanges(6);
        job.checkpoint();
        db.awaitSlotConfirmed(); // the start without state below replays none of the changes retention deletes
        job.cancel();
        db.awaitSlotInactive();
        // the three oldest changes age past a 5-day retention
        db.execute("UPDATE changes SET committed_at = committed_at - interval '10 days' WHERE chain_sequence <= 3");
        List<String> args = new ArrayList<>(List.of(CHAIN));
        args.addAll(List.of(
                "--retention-days",
                "5",
                "--chain-signing-key-file",
                keys[0].toString(),
                "--chain-heads-dir",
                dir.toString(),
                "--chain-sign-interval-ms",
                "200"));
        job.submit(db.args(args.toArray(new String[0])));
        TestDatabase.poll(
                () -> Files.exists(SignedLink.ANCHOR.file(dir, "postgres", 3)),
                Duration.ofSeconds(30),
                "the signed retention anchor of 3");
        db.execute("INSERT INTO ledger VALUES (406, 1, 'after the retention', NULL)");
        db.awaitChanges(4);
        job.checkpoint();
        job.cancel();
        assertThat(db.query("SELECT chain_sequence FROM changes ORDER BY chain_sequence"))
                .extracting(r -> r.get("chain_sequence"))
                .containsExactly(4L, 5L, 6L, 7L);

        String[] checked =
                db.args("verify", "--chain-heads-dir", dir.toString(), "--chain-public-key-file", keys[1].toString());
        assertThat(Auditor.run(checked))
                .startsWith("0 ")
                .contains("intact: 4 changes, sequence 4 to 7", "after the signed retention anchor of sequence 3");
        assertThat(db.value("SELECT checked FROM changes_verify('postgres') WHERE intact"))
                .isEqualTo(4L);

        // the oldest remaining change deleted: without the anchor, a chain beginning later; with it, a deletion
        db.execute("CREATE TABLE pristine AS SELECT * FROM changes");
        assertTampered("DELETE FROM changes WHERE chain_sequence = 4", "deleted at sequence 4", "retention anchor");
        // the anchor moved along to cover the deletion: only its signed copy tells
        db.execute(
                "UPDATE chain_anchors SET sequence = 4, hash = (SELECT chain_hash FROM changes WHERE chain_sequence = 4)",
                "DELETE FROM changes WHERE chain_sequence = 4");
        assertThat(Auditor.run(db.args("verify")))
                .startsWith("0 ")
                .contains("after the retention anchor of sequence 4");
        assertThat(Auditor.run(checked))
                .startsWith("2 ")
                .contains("TAMPERED: modified at sequence 4", "differs from its signed copy");
        db.execute("DROP TABLE pristine", "DELETE FROM chain_anchors");
    }

    /** What the link of the stored change at {@code sequence} covers, read as an auditor would. */
    private static ChainedChange stored(long sequence) {
        Map<String, Object> r = db.query("SELECT id, schema, \"table\", primary_key, operation, before::text AS b,"
                        + " after::text AS a, context::text AS x, (extract(epoch FROM committed_at) * 1000000)::bigint"
                        + " AS at, transaction_id, position, partial FROM changes WHERE chain_sequence = " + sequence)
                .get(0);
        return new ChainedChange(
                (UUID) r.get("id"),
                "postgres",
                (String) r.get("schema"),
                (String) r.get("table"),
                (String) r.get("primary_key"),
                (String) r.get("operation"),
                (Long) r.get("at"),
                (Long) r.get("transaction_id"),
                (Long) r.get("position"),
                (Boolean) r.get("partial"),
                null,
                (String) r.get("b"),
                (String) r.get("a"),
                (String) r.get("x"),
                null);
    }

    private static String verify() {
        return Auditor.run(db.args("verify"));
    }

    /** Tampers with changes, checks verify's exit code and words, then puts the pristine rows back. */
    private static void assertTampered(String tampering, String... said) {
        db.execute(tampering);
        try {
            Cli.Output output = Cli.runCapturing(db.args("verify"));
            assertThat(output.exit()).as(tampering).isEqualTo(2);
            assertThat(output.out()).as(tampering).contains("TAMPERED").contains(said);
            assertThat(db.value("SELECT intact FROM changes_verify('postgres')"))
                    .as(tampering)
                    .isEqualTo(false);
        } finally {
            db.execute("DELETE FROM changes", "INSERT INTO changes SELECT * FROM pristine");
        }
    }
}
