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

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.UUID;
import org.audittrail.udf.chain.ChainLink;
import org.audittrail.udf.chain.Erasure;
import org.audittrail.udf.chain.ErasureReceipt;
import org.audittrail.udf.values.Json;

/**
 * Checks the erasure receipts (docs/erasure.md): their own chain, their signed copies where given, and that the values
 * erased in a database's changes are exactly those its receipts' digests cover, no more, no fewer.
 */
public final class ReceiptVerifier {

    /** What it found: receipts checked, changes and values erased in the database, and the first problem or null. */
    public record Report(long receipts, long changes, long values, String problem) {
        public boolean intact() {
            return problem == null;
        }

        /** One line for the verify command. */
        public String summary(String database) {
            String erasures = "Erasure receipts: ";
            if (problem != null) {
                return erasures + "TAMPERED: " + problem;
            }
            return receipts == 0
                    ? erasures + "none"
                    : erasures + "intact: " + receipts + " receipts; " + values + " values erased in " + changes
                            + " changes of database " + database + ", each covered by its receipt";
        }
    }

    private static final String RECEIPTS = "SELECT sequence, id, database, erased_at, erased_by, reason, subject::text,"
            + " scope::text, change_count, value_count, digest, hash FROM erasures ORDER BY sequence";

    private static final String ERASED =
            "SELECT id, erased::text, before::text, after::text, context::text FROM changes WHERE database = ?"
                    + " AND erased IS NOT NULL ORDER BY id";

    private ReceiptVerifier() {}

    /** Verifies on {@code c}; {@code signed}: the links of the database's signed receipts, by sequence (may be empty). */
    public static Report verify(Connection c, String database, NavigableMap<Long, String> signed) throws SQLException {
        if (!hasReceipts(c)) {
            return new Report(0, 0, 0, signed.isEmpty() ? null : "no erasures table, but signed receipts exist");
        }
        Map<Long, ErasureReceipt> ofDatabase = new HashMap<>();
        long expected = 1;
        String previous = ChainLink.GENESIS;
        try (Statement s = c.createStatement();
                ResultSet r = s.executeQuery(RECEIPTS)) {
            while (r.next()) {
                long sequence = r.getLong(1);
                if (sequence != expected) {
                    return problem("receipt " + expected
                            + (sequence == expected + 1 ? " is" : " to " + (sequence - 1) + " are")
                            + " missing: deleted");
                }
                ErasureReceipt receipt = receipt(r);
                String hash = r.getString(12);
                if (!receipt.hash(previous).equals(hash)) {
                    return problem("receipt " + sequence + " (" + receipt.id()
                            + ") was modified: its fields or its link" + " differ from what was written");
                }
                String copy = signed.get(sequence);
                if (copy != null && !copy.equals(hash)) {
                    return problem(
                            "receipt " + sequence + " differs from its signed copy: the receipts were rewritten");
                }
                if (receipt.database().equals(database)) {
                    ofDatabase.put(sequence, receipt);
                }
                previous = hash;
                expected++;
            }
        }
        if (!signed.isEmpty() && signed.lastKey() >= expected) {
            return problem("receipt " + signed.lastKey() + " is signed but missing from erasures: deleted");
        }
        return erased(c, database, ofDatabase, expected - 1);
    }

    /** Recomputes each receipt's digest and counts from the changes' {@code erased} column. */
    private static Report erased(Connection c, String database, Map<Long, ErasureReceipt> receipts, long count)
            throws SQLException {
        Map<Long, ErasureReceipt.Digest> digests = new HashMap<>();
        Map<Long, long[]> counts = new HashMap<>();
        long changes = 0;
        long values = 0;
        c.setAutoCommit(false);
        try (PreparedStatement s = c.prepareStatement(ERASED)) {
            s.setFetchSize(10_000);
            s.setString(1, database);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    UUID id = r.getObject(1, UUID.class);
                    changes++;
                    Map<Long, Boolean> counted = new HashMap<>();
                    Map<String, JsonNode> sections = Map.of(
                            Erasure.BEFORE, Erasure.image(r.getString(3)),
                            Erasure.AFTER, Erasure.image(r.getString(4)),
                            Erasure.CONTEXT, Erasure.image(r.getString(5)));
                    for (Erasure.Erased e : Erasure.entries(r.getString(2))) {
                        if (!Erasure.isMarker(sections.get(e.section()).path(e.key()))) {
                            return problem("change " + id + " holds a value in " + e.section() + "." + e.key()
                                    + ", which erasure " + e.receipt() + " erased: it was restored or rewritten");
                        }
                        if (!receipts.containsKey(e.receipt())) {
                            return problem("change " + id + " holds a value erased without a receipt (its erasure"
                                    + " number " + e.receipt() + " names none of this database)");
                        }
                        digests.computeIfAbsent(e.receipt(), n -> new ErasureReceipt.Digest())
                                .add(id, e.section(), e.key(), e.commitment());
                        long[] n = counts.computeIfAbsent(e.receipt(), k -> new long[2]);
                        n[1]++;
                        if (counted.put(e.receipt(), true) == null) {
                            n[0]++;
                        }
                        values++;
                    }
                }
            }
        } finally {
            c.rollback();
        }
        for (ErasureReceipt receipt : new TreeMap<>(receipts).values()) {
            String digest = digests.getOrDefault(receipt.sequence(), new ErasureReceipt.Digest())
                    .hex();
            long[] n = counts.getOrDefault(receipt.sequence(), new long[2]);
            if (!digest.equals(receipt.digest()) || n[0] != receipt.changes() || n[1] != receipt.values()) {
                return problem("receipt " + receipt.sequence() + " covers " + receipt.values() + " values in "
                        + receipt.changes() + " changes, but changes holds " + n[1] + " in " + n[0]
                        + (n[1] == receipt.values() ? " with other commitments" : "")
                        + ": erased values were edited, added or restored");
            }
        }
        return new Report(count, changes, values, null);
    }

    private static ErasureReceipt receipt(ResultSet r) throws SQLException {
        OffsetDateTime at = r.getObject(4, OffsetDateTime.class);
        try {
            return new ErasureReceipt(
                    r.getLong(1),
                    r.getObject(2, UUID.class),
                    r.getString(3),
                    at.toEpochSecond() * 1_000_000L + at.getNano() / 1_000L,
                    r.getString(5),
                    r.getString(6),
                    Json.parse(r.getString(7)),
                    Json.parse(r.getString(8)),
                    r.getLong(9),
                    r.getLong(10),
                    r.getString(11));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("jsonb is always JSON", e);
        }
    }

    private static boolean hasReceipts(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT to_regclass('erasures') IS NOT NULL")) {
            return r.next() && r.getBoolean(1);
        }
    }

    private static Report problem(String problem) {
        return new Report(0, 0, 0, problem);
    }
}
