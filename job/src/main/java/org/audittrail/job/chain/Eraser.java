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

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.audittrail.udf.chain.ChainLink;
import org.audittrail.udf.chain.Erasure;
import org.audittrail.udf.chain.ErasureReceipt;
import org.audittrail.udf.values.Json;

/**
 * Erases one subject's values from {@code changes} in one transaction and writes its receipt (docs/erasure.md): the
 * subject's changes are locked in id order, each value replaced by the marker with its commitment kept, the receipt
 * chained to the one before; then the touched partitions are vacuumed, so no dead tuple keeps the values.
 */
public final class Eraser {

    /** What an erasure did, or would do in a dry run: its receipt and link, values per column, partitions touched. */
    public record Outcome(
            ErasureReceipt receipt, String hash, Map<String, Long> columns, Set<String> partitions, Path signedFile) {

        /** The receipt as one JSON line, with its link. */
        public String receiptLine() {
            return Json.write(receipt.toJson(hash));
        }

        /** What went, in words: counts and column names, never a value. */
        public String what(ErasureRequest request) {
            return receipt.values() + " values in " + receipt.changes() + " changes of " + request.describe()
                    + (columns.isEmpty()
                            ? ""
                            : columns.entrySet().stream()
                                    .map(e -> e.getKey() + " " + e.getValue())
                                    .collect(java.util.stream.Collectors.joining(", ", " (", ")")));
        }

        public long sequence() {
            return receipt.sequence();
        }
    }

    /** Key changes followed from one record, at most: a longer story is refused rather than cut. */
    static final int MAX_KEYS = 1_000;

    private static final String PARTNER_KEYS = "SELECT DISTINCT o.primary_key FROM changes c JOIN changes o"
            + " ON o.committed_at = c.committed_at AND o.position = c.position AND o.transaction_id = c.transaction_id"
            + " AND o.\"table\" = c.\"table\" AND o.schema = c.schema AND o.database = c.database"
            + " WHERE c.database = ? AND c.schema = ? AND c.\"table\" = ? AND c.primary_key = ANY(?)"
            + " AND c.operation IN ('CREATE', 'DELETE') AND o.operation IN ('CREATE', 'DELETE')"
            + " AND o.operation <> c.operation AND o.primary_key IS NOT NULL AND NOT (o.primary_key = ANY(?))";

    private static final String UPDATE = "UPDATE changes SET before = before || ?::jsonb, after = after || ?::jsonb,"
            + " context = context || ?::jsonb, erased = ?::jsonb WHERE id = ? AND committed_at = ?";

    static final String INSERT = "INSERT INTO erasures (sequence, id, database, erased_at, erased_by, reason, subject,"
            + " scope, change_count, value_count, digest, hash) VALUES (?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?, ?)";

    private Eraser() {}

    /**
     * Erases what {@code request} names on {@code c}; with {@code key}, also signs the receipt into {@code dir}
     * (before the commit: an erasure whose signed receipt cannot be written does not happen).
     */
    public static Outcome erase(Connection c, ErasureRequest request, Path dir, SignedHead.Keys.Signing key)
            throws SQLException, java.io.IOException {
        c.setAutoCommit(false);
        Outcome outcome;
        try {
            try (Statement s = c.createStatement()) {
                s.execute(
                        "LOCK TABLE erasures IN SHARE ROW EXCLUSIVE MODE"); // one receipt chain, one erasure at a time
            }
            long sequence = 1;
            String previous = ChainLink.GENESIS;
            try (Statement s = c.createStatement();
                    ResultSet r =
                            s.executeQuery("SELECT sequence, hash FROM erasures ORDER BY sequence DESC LIMIT 1")) {
                if (r.next()) {
                    sequence = r.getLong(1) + 1;
                    previous = r.getString(2);
                }
            }
            outcome = apply(c, request, sequence, previous);
            if (request.dryRun()) {
                c.rollback();
                return outcome;
            }
            insert(c, outcome);
            Path signed = null;
            if (key != null) {
                signed = SignedLink.ERASURE.write(dir, key, outcome.receipt().toJson(outcome.hash()));
            }
            try {
                c.commit();
            } catch (SQLException e) {
                if (signed != null) {
                    Files.deleteIfExists(signed);
                }
                throw e;
            }
            outcome = new Outcome(outcome.receipt(), outcome.hash(), outcome.columns(), outcome.partitions(), signed);
        } catch (SQLException | java.io.IOException | RuntimeException e) {
            c.rollback();
            throw e;
        }
        return outcome;
    }

    /** Vacuums {@code partitions}; returns one line per partition that could not be (the erasure itself stands). */
    public static List<String> vacuum(Connection c, Set<String> partitions) throws SQLException {
        c.setAutoCommit(true);
        List<String> failed = new ArrayList<>();
        for (String partition : partitions) {
            try (Statement s = c.createStatement()) {
                s.execute("VACUUM (ANALYZE) " + partition); // a regclass's text: quoted where it needs to be
            } catch (SQLException e) {
                failed.add(partition + ": " + e.getSQLState() + " "
                        + e.getMessage().lines().findFirst().orElse(""));
            }
        }
        return failed;
    }

    private static Outcome apply(Connection c, ErasureRequest request, long sequence, String previous)
            throws SQLException {
        Subject subject = subject(c, request);
        Set<String> texts = texts(c, request, subject);
        ErasureReceipt.Digest digest = new ErasureReceipt.Digest();
        Map<String, Long> columns = new TreeMap<>();
        Set<String> partitions = new LinkedHashSet<>();
        long changes = 0;
        long values = 0;
        // the subject's changes and, for the context values repeating an erased text, the others of their transactions
        // (the subject's own among them), found by commit time: every part by an index, whatever the trail's size
        String sql = "SELECT c.id, c.committed_at, c.before::text, c.after::text, c.context::text, c.erased::text,"
                + " c.tableoid::regclass::text, " + subject.on("c") + " FROM changes c WHERE c.database = ?"
                + " AND (c.id, c.committed_at) IN (SELECT o.id, o.committed_at FROM changes s JOIN changes o"
                + " ON o.committed_at = s.committed_at AND o.transaction_id = s.transaction_id AND o.database = s.database"
                + " WHERE s.database = ? AND " + subject.on("s") + ") ORDER BY c.id FOR UPDATE OF c";
        try (PreparedStatement select = c.prepareStatement(sql);
                PreparedStatement update = c.prepareStatement(UPDATE)) {
            int at = subject.bind(select, 1);
            select.setString(at++, request.database());
            select.setString(at++, request.database());
            subject.bind(select, at);
            select.setFetchSize(1_000);
            int batched = 0;
            try (ResultSet r = select.executeQuery()) {
                while (r.next()) {
                    UUID id = r.getObject(1, UUID.class);
                    Erasure.Result result = Erasure.apply(
                            r.getString(3),
                            r.getString(4),
                            r.getString(5),
                            r.getString(6),
                            r.getBoolean(8) ? request.scope() : Erasure.Scope.TEXTS_ONLY,
                            sequence,
                            texts);
                    if (result == null) {
                        continue;
                    }
                    changes++;
                    values += result.values().size();
                    for (Erasure.Erased value : result.values()) {
                        digest.add(id, value.section(), value.key(), value.commitment());
                        columns.merge(value.section() + "." + value.key(), 1L, Long::sum);
                    }
                    partitions.add(r.getString(7));
                    if (!request.dryRun()) {
                        update.setString(1, result.patch(Erasure.BEFORE));
                        update.setString(2, result.patch(Erasure.AFTER));
                        update.setString(3, result.patch(Erasure.CONTEXT));
                        update.setString(4, result.erased());
                        update.setObject(5, id);
                        update.setObject(6, r.getObject(2, OffsetDateTime.class));
                        update.addBatch();
                        if (++batched % 1_000 == 0) {
                            update.executeBatch();
                        }
                    }
                }
            }
            if (batched % 1_000 != 0) {
                update.executeBatch();
            }
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        ErasureReceipt receipt = new ErasureReceipt(
                sequence,
                UUID.randomUUID(),
                request.database(),
                now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000L,
                request.erasedBy(),
                request.reason(),
                request.subject(),
                request.scopeJson(),
                changes,
                values,
                digest.hex());
        return new Outcome(receipt, receipt.hash(previous), columns, partitions, null);
    }

    /** Which changes are the subject's: an SQL condition on changes (its alias the %s) and how to bind its parameters. */
    private record Subject(String condition, Binder binder) {
        int bind(PreparedStatement s, int at) throws SQLException {
            return binder.bind(s, at);
        }

        /** The condition on the changes of {@code alias}. */
        String on(String alias) {
            return condition.replace("%s", alias);
        }
    }

    @FunctionalInterface
    private interface Binder {
        int bind(PreparedStatement s, int at) throws SQLException;
    }

    private static Subject subject(Connection c, ErasureRequest request) throws SQLException {
        if (request.isRecord()) {
            java.sql.Array keys = c.createArrayOf("varchar", keys(c, request).toArray());
            return new Subject(
                    "(%s.schema = ? AND %s.\"table\" = ? AND %s.primary_key = ANY(?))",
                    (s, at) -> {
                        s.setString(at, request.schema());
                        s.setString(at + 1, request.table());
                        s.setArray(at + 2, keys);
                        return at + 3;
                    });
        }
        String text = Json.write(Json.object().put(request.contextKey(), request.contextValue()));
        String literal = Json.write(Json.object().set(request.contextKey(), literal(request.contextValue())));
        return new Subject(
                "(%s.context @> ?::jsonb OR %s.context @> ?::jsonb)",
                (s, at) -> {
                    s.setString(at, text);
                    s.setString(at + 1, literal);
                    return at + 2;
                });
    }

    /** The texts the subject's changes lose: a context elsewhere in their transactions that repeats one loses it too. */
    private static Set<String> texts(Connection c, ErasureRequest request, Subject subject) throws SQLException {
        Set<String> texts = new java.util.HashSet<>();
        try (PreparedStatement s = c.prepareStatement("SELECT before::text, after::text, erased::text FROM changes"
                + " WHERE database = ? AND " + subject.on("changes"))) {
            s.setString(1, request.database());
            subject.bind(s, 2);
            s.setFetchSize(1_000);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    texts.addAll(Erasure.texts(r.getString(1), r.getString(2), r.getString(3), request.scope()));
                }
            }
        }
        return texts;
    }

    /** The record's keys: the one given and every key it had before or after a key change (DELETE + CREATE). */
    static List<String> keys(Connection c, ErasureRequest request) throws SQLException {
        List<String> keys = new ArrayList<>(List.of(request.key()));
        try (PreparedStatement s = c.prepareStatement(PARTNER_KEYS)) {
            List<String> added = keys;
            while (!added.isEmpty()) {
                s.setString(1, request.database());
                s.setString(2, request.schema());
                s.setString(3, request.table());
                s.setArray(4, c.createArrayOf("varchar", added.toArray()));
                s.setArray(5, c.createArrayOf("varchar", keys.toArray()));
                List<String> found = new ArrayList<>();
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        if (!found.contains(r.getString(1))) {
                            found.add(r.getString(1));
                        }
                    }
                }
                keys.addAll(found);
                added = found;
                if (keys.size() > MAX_KEYS) {
                    throw new IllegalStateException("The record " + request.describe() + " had more than " + MAX_KEYS
                            + " keys through its key changes: erase them by --erase-context or one key at a time");
                }
            }
        }
        return keys;
    }

    /** The context value as JSON where it reads as a number or boolean (user_id=42 matches 42 and "42"). */
    private static com.fasterxml.jackson.databind.JsonNode literal(String value) {
        try {
            com.fasterxml.jackson.databind.JsonNode node = Json.parseValue(value);
            if (node.isNumber() || node.isBoolean()) {
                return node;
            }
        } catch (java.io.IOException e) {
            // text, as given
        }
        return Json.MAPPER.getNodeFactory().textNode(value);
    }

    private static void insert(Connection c, Outcome outcome) throws SQLException {
        ErasureReceipt receipt = outcome.receipt();
        try (PreparedStatement s = c.prepareStatement(INSERT)) {
            s.setLong(1, receipt.sequence());
            s.setObject(2, receipt.id());
            s.setString(3, receipt.database());
            s.setObject(4, micros(receipt.erasedAtMicros()));
            s.setString(5, receipt.erasedBy());
            s.setString(6, receipt.reason());
            s.setString(7, Json.write(receipt.subject()));
            s.setString(8, Json.write(receipt.scope()));
            s.setLong(9, receipt.changes());
            s.setLong(10, receipt.values());
            s.setString(11, receipt.digest());
            s.setString(12, outcome.hash());
            s.executeUpdate();
        }
    }

    static OffsetDateTime micros(long micros) {
        return Instant.EPOCH.plus(micros, ChronoUnit.MICROS).atOffset(ZoneOffset.UTC);
    }
}
