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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.audittrail.job.chain.SignedLink;
import org.audittrail.job.testing.Auditor;
import org.audittrail.job.testing.Cli;
import org.audittrail.job.testing.JobTestBase;
import org.audittrail.udf.chain.ErasureReceipt;
import org.audittrail.udf.values.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Erasure with proof, from SQL on the source to what verify says: a record erased across its key change and the
 * contexts of its transactions, a restore that replays erased changes, a context subject; the values appear nowhere,
 * other subjects are untouched, the chain verifies, the receipts are right and each tampering with them is named.
 */
class ErasureITCase extends JobTestBase {

    static final String[] JOB = {
        "--tables",
        "public.people,public.orders",
        "--hash-chain",
        "--heartbeat-interval-ms",
        "500",
        "--checkpoint-interval-ms",
        "3600000"
    };

    /** Every text of Ann's record: none may remain anywhere in changes after her erasure. */
    static final String ANNS_TEXTS = "'(ann@example\\.com|Ann|Oslo|Bergen)'";

    @BeforeAll
    static void createSchema() {
        db.execute(
                "CREATE TABLE people (id int PRIMARY KEY, email text, name text, city text)",
                "ALTER TABLE people REPLICA IDENTITY FULL",
                "CREATE TABLE orders (id int PRIMARY KEY, person_id int, total numeric)",
                "ALTER TABLE orders REPLICA IDENTITY FULL");
    }

    @BeforeEach
    void noReceipts() {
        db.execute("DO $$ BEGIN IF to_regclass('erasures') IS NOT NULL THEN TRUNCATE erasures; END IF; END $$");
    }

    @Test
    void erasedValuesAreGoneTheChainVerifiesAndTheReceiptsProveIt() throws Exception {
        Path heads = Cli.freshDirectory(Path.of("target", "erasure-heads"));
        Path[] keys = Auditor.keys(heads, "erasure");
        Path privateKey = keys[0];
        Path publicKey = keys[1];
        String[] signing = {"--chain-signing-key-file", privateKey.toString(), "--chain-heads-dir", heads.toString()};

        job.submit(db.args(JOB));
        db.execute(
                withContext(
                        "INSERT INTO people VALUES (1, 'ann@example.com', 'Ann', 'Oslo'),"
                                + " (2, 'bob@example.com', 'Bob', 'Rome')",
                        "{\"user_id\": 1, \"email\": \"ann@example.com\"}"),
                withContext("UPDATE people SET city = 'Bergen' WHERE id = 1", "{\"user_id\": 1}"));
        db.awaitChanges(3);
        String checkpoint = job.checkpoint();
        db.execute(
                withContext("UPDATE people SET id = 10 WHERE id = 1", "{\"user_id\": 1}"),
                withContext("UPDATE people SET name = 'Ann B' WHERE id = 10", "{\"user_id\": 1}"),
                withContext("INSERT INTO orders VALUES (100, 10, 9.99)", "{\"user_id\": 2}"),
                withContext("INSERT INTO orders VALUES (101, 2, 5.00)", "{\"user_id\": 1}"));
        db.awaitChanges(8); // no checkpoint after: the slot stays at the one to restore
        job.cancel();
        db.awaitSlotInactive();
        assertThat(db.value("SELECT count(*) FROM changes c WHERE c::text ~ " + ANNS_TEXTS))
                .isEqualTo(6L);

        db.execute("CREATE EXTENSION IF NOT EXISTS pageinspect");
        assertThat(pagesHolding("ann@example.com")).isPositive();

        // a dry run says what would go and changes nothing
        String[] ann = db.args(
                "erase",
                "--erase-table",
                "people",
                "--erase-key",
                "1",
                "--reason",
                "GDPR request 7",
                "--erased-by",
                "dpo@example.com");
        String dry = Auditor.run(concat(ann, "--dry-run"));
        assertThat(dry)
                .startsWith("0 Dry run: would erase")
                // her five changes (under keys 1 and 10) and Bob's, whose context named her
                .contains("in 6 changes of public.people key 1", "after.email 4", "context.email 2");
        assertThat(db.value("SELECT count(*) FROM changes WHERE erased IS NOT NULL"))
                .isEqualTo(0L);
        assertThat(db.value("SELECT count(*) FROM erasures")).isEqualTo(0L);

        String erased = Auditor.run(concat(ann, signing));
        assertThat(erased)
                .startsWith("0 {")
                .contains("\"sequence\":1", "\"changes\":6", "Erased", "receipt 1 in erasures, signed in", "Vacuumed");
        assertThat(db.value("SELECT count(*) FROM changes c WHERE c::text ~ " + ANNS_TEXTS))
                .isEqualTo(0L);
        assertThat(db.value("SELECT count(*) FROM changes WHERE after ->> 'email' = '[erased]'"))
                .isEqualTo(4L);
        // Bob's values, Bob's orders and who made each change stay
        assertThat(db.value("SELECT after ->> 'email' || ' ' || (context ->> 'user_id') FROM changes"
                        + " WHERE \"table\" = 'people' AND primary_key = '2'"))
                .isEqualTo("bob@example.com 1");
        assertThat(db.value("SELECT string_agg(after ->> 'total', ' ' ORDER BY primary_key) FROM changes"
                        + " WHERE \"table\" = 'orders'"))
                .isEqualTo("9.99 5.00");
        Map<String, Object> receipt = db.query("SELECT * FROM erasures").get(0);
        assertThat(receipt)
                .containsEntry("erased_by", "dpo@example.com")
                .containsEntry("reason", "GDPR request 7")
                .containsEntry("change_count", 6L)
                .containsEntry("value_count", 30L);
        assertThat(receipt.get("subject").toString()).contains("\"key\": \"1\"", "\"table\": \"people\"");
        // no dead row version keeps her values: the vacuumed pages hold none of their bytes
        assertThat(pagesHolding("ann@example.com")).isZero();
        String[] verify = db.args(
                "verify", "--chain-heads-dir", heads.toString(), "--chain-public-key-file", publicKey.toString());
        assertThat(Auditor.run(verify))
                .startsWith("0 ")
                .contains("intact: 8 changes", "Erasure receipts: intact: 1 receipts; 30 values erased in 6 changes");
        assertThat(Auditor.verifyChain(db)).isEqualTo("0 intact up to sequence 8");
        assertThat(Auditor.verifyReceipts(db)).startsWith("0 intact: 1 receipts, the last ");

        // a restore from before the erasure replays Ann's changes: the sink keeps what it stored, erased
        job.submit(db.args(JOB), checkpoint);
        db.execute(withContext("INSERT INTO orders VALUES (102, 2, 7)", "{\"user_id\": 2}"));
        db.awaitChanges(9);
        job.checkpoint();
        job.cancel();
        db.awaitSlotInactive();
        assertThat(db.value("SELECT count(*) FROM changes c WHERE c::text ~ " + ANNS_TEXTS))
                .isEqualTo(0L);

        // a context subject, one column: what user 2 did keeps its rows, loses the total and who did it
        String byContext = Auditor.run(concat(
                db.args("erase", "--erase-context", "user_id=2", "--erase-columns", "total", "--reason", "request 8"),
                signing));
        assertThat(byContext).startsWith("0 {").contains("\"sequence\":2", "4 values in 2 changes");
        assertThat(db.query("SELECT after::text AS a, context::text AS c FROM changes WHERE \"table\" = 'orders'"
                        + " AND context ->> 'user_id' = '[erased]' ORDER BY primary_key"))
                .extracting(r -> r.get("a"))
                .containsExactly(
                        "{\"id\": 100, \"total\": \"[erased]\", \"person_id\": 10}",
                        "{\"id\": 102, \"total\": \"[erased]\", \"person_id\": 2}");
        assertThat(Auditor.run(verify)).startsWith("0 ").contains("intact: 9 changes", "intact: 2 receipts; 34 values");
        assertThat(Auditor.verifyChain(db)).isEqualTo("0 intact up to sequence 9");
        assertThat(Auditor.verifyReceipts(db)).startsWith("0 intact: 2 receipts, the last ");
        assertThat(db.value("SELECT intact FROM changes_verify('postgres')")).isEqualTo(true);

        db.execute(
                "CREATE TABLE pristine AS SELECT * FROM changes",
                "CREATE TABLE pristine_erasures AS SELECT * FROM erasures");
        assertTampered(
                "UPDATE erasures SET reason = 'none' WHERE sequence = 1",
                "receipt 1 was modified",
                "receipt 1",
                "was modified");
        assertTampered("DELETE FROM erasures WHERE sequence = 1", "receipt 1 is missing", "receipt 1 is missing");
        assertTampered(
                "DELETE FROM erasures WHERE sequence = 2",
                "erased without a receipt (erasure number 2)",
                "erased without a receipt");
        assertTampered(
                "UPDATE changes SET after = jsonb_set(after, '{email}', '\"ann@example.com\"')"
                        + " WHERE primary_key = '1' AND operation = 'CREATE'",
                "after.email, which erasure 1 erased: it was restored",
                "restored");
        assertTampered(
                "UPDATE changes SET erased = erased #- '{after,email}' WHERE primary_key = '1' AND operation = 'CREATE'",
                "receipt 1 covers 30 values in 6 changes, but changes holds 29 in 6",
                "modified at sequence");
        // a value erased with its right commitment but no receipt: the chain holds, the receipts do not
        assertTampered(
                "UPDATE changes SET after = after || '{\"total\": \"[erased]\"}', erased = jsonb_build_object("
                        + "'after', jsonb_build_object('total', jsonb_build_object('commitment', encode(sha256("
                        + "convert_to('[\"total\",' || (after -> 'total')::text || ']', 'UTF8')), 'hex'),"
                        + " 'erasure', 99))) WHERE \"table\" = 'orders' AND primary_key = '101'",
                "erased without a receipt (erasure number 99)",
                "erased without a receipt");
        assertTampered(
                "UPDATE changes SET erased = jsonb_set(erased, '{after,name,erasure}', '2')"
                        + " WHERE primary_key = '10' AND operation = 'UPDATE'",
                "receipt 1 covers 30 values",
                "receipt 1 covers 30 values");
        // the receipts rewritten, links recomputed: only the signed copy tells
        rewriteLastReceipt();
        assertThat(Auditor.run(db.args("verify"))).startsWith("0 ");
        assertThat(Auditor.verifyReceipts(db)).startsWith("0 intact: 2 receipts");
        assertThat(Auditor.run(verify)).startsWith("2 ").contains("receipt 2 differs from its signed copy");
        assertThat(Files.exists(SignedLink.ERASURE.file(heads, "postgres", 2))).isTrue();
    }

    @Test
    void anErasureNamingNothingStoredStillLeavesAReceipt() {
        String out =
                Auditor.run(db.args("erase", "--erase-table", "people", "--erase-key", "404", "--reason", "request 9"));
        assertThat(out).startsWith("0 {").contains("\"changes\":0", "Erased 0 values in 0 changes");
        assertThat(Auditor.run(db.args("verify"))).startsWith("0 ").contains("Erasure receipts: intact");
    }

    /** The pages of changes' partitions whose raw bytes hold {@code text}, live, dead or free. */
    private static long pagesHolding(String text) {
        return (Long) db.value("SELECT count(*) FROM (SELECT DISTINCT tableoid::regclass::text AS p FROM changes) t,"
                + " generate_series(0, pg_relation_size(p) / 8192 - 1) b"
                + " WHERE position(convert_to('" + text + "', 'UTF8') in get_raw_page(p, b::int)) > 0");
    }

    /** The newest receipt's reason edited and its link recomputed, as someone who read docs/erasure.md could. */
    private static void rewriteLastReceipt() throws Exception {
        Map<String, Object> r = db.query(
                        "SELECT sequence, id, database, (extract(epoch FROM erased_at) * 1000000)::bigint"
                                + " AS at, erased_by, subject::text AS s, scope::text AS x, change_count, value_count, digest,"
                                + " (SELECT hash FROM erasures p WHERE p.sequence = e.sequence - 1) AS previous"
                                + " FROM erasures e ORDER BY sequence DESC LIMIT 1")
                .get(0);
        ErasureReceipt forged = new ErasureReceipt(
                (Long) r.get("sequence"),
                (UUID) r.get("id"),
                (String) r.get("database"),
                (Long) r.get("at"),
                (String) r.get("erased_by"),
                "routine clean-up",
                Json.parse((String) r.get("s")),
                Json.parse((String) r.get("x")),
                (Long) r.get("change_count"),
                (Long) r.get("value_count"),
                (String) r.get("digest"));
        db.execute("UPDATE erasures SET reason = 'routine clean-up', hash = '" + forged.hash((String) r.get("previous"))
                + "' WHERE sequence = " + r.get("sequence"));
    }

    /**
     * Tampers, checks what docs/verify-receipts.py says ({@code auditorSaid}) and verify's exit code and words, then puts
     * the pristine rows back.
     */
    private static void assertTampered(String tampering, String auditorSaid, String... said) throws Exception {
        db.execute(tampering);
        try {
            assertThat(Auditor.verifyReceipts(db))
                    .as(tampering)
                    .startsWith("1 BAD: ")
                    .contains(auditorSaid);
            String out = Auditor.run(db.args("verify"));
            assertThat(out).as(tampering).startsWith("2 ").contains("TAMPERED").contains(said);
        } finally {
            db.execute(
                    "DELETE FROM changes",
                    "INSERT INTO changes SELECT * FROM pristine",
                    "DELETE FROM erasures",
                    "INSERT INTO erasures SELECT * FROM pristine_erasures");
        }
    }

    private static String[] concat(String[] args, String... more) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(more));
        return all.toArray(new String[0]);
    }
}
