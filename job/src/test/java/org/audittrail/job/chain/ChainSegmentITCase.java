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
package org.audittrail.job.chain;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.TreeMap;
import java.util.UUID;
import org.audittrail.job.chain.ChainVerifier.Kind;
import org.audittrail.job.chain.ChainVerifier.Report;
import org.audittrail.job.setup.Setup;
import org.audittrail.job.testing.TestDatabase;
import org.audittrail.udf.chain.ChainLink;
import org.audittrail.udf.chain.ChainedChange;
import org.junit.jupiter.api.Test;

/**
 * A chain verified in parts at once says what one walk says, for each kind of tampering at and around the parts'
 * edges: 30 changes in 3 parts (1-10, 11-20, 21-30) and in 4 (1-7, 8-14, 15-21, 22-30).
 */
class ChainSegmentITCase {

    private static final int CHANGES = 30;

    @Test
    void aChainVerifiedInPartsSaysWhatOneWalkSays() throws Exception {
        try (TestDatabase db = TestDatabase.start()) {
            Setup.prepareDestination(db.database());
            store(db);
            db.execute("CREATE TABLE pristine AS SELECT * FROM changes");
            assertThat(inParts(db, 3)).isEqualTo(oneWalk(db)).matches(Report::intact);
            assertThat(oneWalk(db).checked()).isEqualTo(CHANGES);

            String[] tamperings = {
                "UPDATE changes SET after = '{\"n\": 0}' WHERE chain_sequence = 1",
                "UPDATE changes SET after = '{\"n\": 0}' WHERE chain_sequence = 10",
                "UPDATE changes SET after = '{\"n\": 0}' WHERE chain_sequence = 11",
                "UPDATE changes SET after = '{\"n\": 0}' WHERE chain_sequence = 30",
                "UPDATE changes SET context = '{}' WHERE chain_sequence IN (14, 22)",
                "DELETE FROM changes WHERE chain_sequence = 10",
                "DELETE FROM changes WHERE chain_sequence = 11",
                "DELETE FROM changes WHERE chain_sequence BETWEEN 9 AND 12",
                "DELETE FROM changes WHERE chain_sequence BETWEEN 8 AND 23",
                "CREATE TEMP TABLE twin AS SELECT * FROM pristine WHERE chain_sequence = 10;"
                        + " UPDATE twin SET id = gen_random_uuid(); INSERT INTO changes SELECT * FROM twin; DROP TABLE twin",
                "UPDATE changes SET chain_sequence = CASE chain_sequence WHEN 10 THEN 11 ELSE 10 END"
                        + " WHERE chain_sequence IN (10, 11)",
                "UPDATE changes SET chain_sequence = CASE chain_sequence WHEN 7 THEN 8 ELSE 7 END"
                        + " WHERE chain_sequence IN (7, 8)",
                "UPDATE changes SET chain_sequence = NULL, chain_hash = NULL WHERE chain_sequence = 30",
            };
            for (String tampering : tamperings) {
                db.execute(tampering);
                Report one = oneWalk(db);
                assertThat(one.intact()).as(tampering).isFalse();
                assertThat(inParts(db, 3)).as(tampering).isEqualTo(one);
                assertThat(inParts(db, 4)).as(tampering).isEqualTo(one);
                db.execute("DELETE FROM changes", "INSERT INTO changes SELECT * FROM pristine");
            }
            // the newest changes deleted: seen only against signed heads (ChainITCase), in parts as in one walk
            for (String tampering : new String[] {
                "DELETE FROM changes WHERE chain_sequence = 30", "DELETE FROM changes WHERE chain_sequence >= 25"
            }) {
                db.execute(tampering);
                assertThat(inParts(db, 3)).as(tampering).isEqualTo(oneWalk(db));
                assertThat(inParts(db, 4)).as(tampering).isEqualTo(oneWalk(db));
                db.execute("DELETE FROM changes", "INSERT INTO changes SELECT * FROM pristine");
            }
            // a whole part gone is one missing range, named from its first sequence number, as one walk names it
            db.execute("DELETE FROM changes WHERE chain_sequence BETWEEN 11 AND 20");
            assertThat(inParts(db, 3).finding().kind()).isEqualTo(Kind.MISSING_RANGE);
            assertThat(inParts(db, 3).finding().sequence()).isEqualTo(11);
        }
    }

    private static Report oneWalk(TestDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            return ChainVerifier.verify(c, "shop");
        }
    }

    private static Report inParts(TestDatabase db, int parts) throws Exception {
        try (Connection c = db.connect()) {
            return ChainVerifier.verify(
                    c, db::connect, parts, "shop", new TreeMap<>(), ChainVerifier.Range.ALL, new TreeMap<>());
        }
    }

    /** A chain of {@link #CHANGES} UPDATEs, each link computed from the one before, as the job computes them. */
    private static void store(TestDatabase db) throws Exception {
        String previous = ChainLink.GENESIS;
        try (Connection c = db.connect();
                PreparedStatement s = c.prepareStatement("INSERT INTO changes (id, database, schema, \"table\","
                        + " primary_key, operation, before, after, context, committed_at, queued_at, transaction_id,"
                        + " position, chain_sequence, chain_hash) VALUES (?, 'shop', 'public', 'orders', ?, 'UPDATE',"
                        + " ?::jsonb, ?::jsonb, ?::jsonb, ?, now(), ?, ?, ?, ?)")) {
            for (long sequence = 1; sequence <= CHANGES; sequence++) {
                long micros = 1_796_000_000_000_000L + sequence * 1_000;
                ChainedChange change = new ChainedChange(
                        new UUID(7, sequence),
                        "shop",
                        "public",
                        "orders",
                        String.valueOf(sequence % 4),
                        "UPDATE",
                        micros,
                        600 + sequence,
                        1_000 * sequence,
                        false,
                        null,
                        "{\"n\": " + (sequence - 1) + "}",
                        "{\"n\": " + sequence + "}",
                        "{\"user_id\": " + sequence % 3 + "}",
                        null);
                previous = ChainLink.next(previous, sequence, change);
                s.setObject(1, change.id());
                s.setString(2, change.primaryKey());
                s.setString(3, change.before());
                s.setString(4, change.after());
                s.setString(5, change.context());
                s.setObject(6, OffsetDateTime.ofInstant(Instant.ofEpochSecond(0, micros * 1_000), ZoneOffset.UTC));
                s.setLong(7, change.transactionId());
                s.setLong(8, change.position());
                s.setLong(9, sequence);
                s.setString(10, previous);
                s.executeUpdate();
            }
        }
    }
}
