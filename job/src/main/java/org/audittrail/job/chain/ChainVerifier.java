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

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.UUID;
import org.audittrail.udf.chain.ChainLink;
import org.audittrail.udf.chain.ChainedChange;

/**
 * Checks a database's chain in {@code changes}, in sequence order, each link recomputed from the stored values, and
 * names the first bad change and how it went bad (docs/tamper-evidence.md). Reads with a cursor: memory stays flat.
 */
public final class ChainVerifier {

    /** How a chain went bad. */
    public enum Kind {
        /** A change's values, or its link, differ from what was chained. */
        MODIFIED,
        /** One sequence number is missing. */
        DELETED,
        /** Several consecutive sequence numbers are missing. */
        MISSING_RANGE,
        /** A second change at one sequence number, or a change without a link after the chain began. */
        INSERTED,
        /** Changes hold each other's sequence numbers. */
        REORDERED
    }

    /** The first bad change: its kind, its sequence number (the first missing one for a gap), its id (null for a gap). */
    public record Finding(Kind kind, long sequence, UUID id, String detail) {}

    /** What verify found: the changes checked, the chain's first and last sequence numbers, and the finding or null. */
    public record Report(String database, long checked, long first, long last, Finding finding) {
        public boolean intact() {
            return finding == null;
        }

        /** One line for the verify command. */
        public String summary(double seconds) {
            String chain = "Hash chain of database " + database + ": ";
            if (checked == 0 && finding == null) {
                return chain + "no chained changes (does the job run with --hash-chain?)";
            }
            String trusted = first > 1
                    ? "; it begins at sequence " + first + ", whose link to the changes before it (dropped) is taken"
                            + " on trust"
                    : "";
            if (finding == null) {
                return chain + "intact: " + checked + " changes, sequence " + first + " to " + last + ", verified in "
                        + String.format(java.util.Locale.ROOT, "%.1f s (%,.0f changes/s)", seconds, checked / seconds)
                        + trusted;
            }
            return chain + "TAMPERED: "
                    + finding.kind().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                    + (finding.sequence() > 0 ? " at sequence " + finding.sequence() : "")
                    + (finding.id() != null ? ", change " + finding.id() : "") + ": " + finding.detail() + ". The "
                    + checked + " changes before it verify" + trusted;
        }
    }

    public static final String CHAIN =
            "SELECT id, schema, \"table\", primary_key, operation, before::text, after::text,"
                    + " context::text, committed_at, transaction_id, position, partial, fallback_columns, chain_sequence,"
                    + " chain_hash FROM changes WHERE database = ? AND chain_sequence IS NOT NULL"
                    + " ORDER BY database, chain_sequence";

    public static final String UNLINKED =
            "SELECT id FROM changes WHERE committed_at >= ? AND database = ? AND chain_sequence IS NULL LIMIT 1";

    private ChainVerifier() {}

    /** A row of the chain: its sequence number and stored link, and what the link covers. */
    private record Link(long sequence, String hash, ChainedChange change, OffsetDateTime committedAt) {}

    /** Verifies {@code database}'s chain on {@code c} (its auto-commit turned off, for the cursor). */
    public static Report verify(Connection c, String database) throws SQLException {
        return verify(c, database, new TreeMap<>());
    }

    /** As {@link #verify(Connection, String)}, and each link at a signed head's sequence against that head. */
    public static Report verify(Connection c, String database, NavigableMap<Long, SignedHead> heads)
            throws SQLException {
        c.setAutoCommit(false);
        try (PreparedStatement s = c.prepareStatement(CHAIN)) {
            s.setFetchSize(10_000);
            s.setString(1, database);
            try (ResultSet r = s.executeQuery()) {
                Link row = next(r, database);
                if (row == null) {
                    return new Report(database, 0, 0, 0, heads.isEmpty() ? null : missing(1, heads));
                }
                long first = row.sequence();
                OffsetDateTime start = row.committedAt();
                // a chain whose start was dropped (retention) begins at a link taken on trust
                String previous = first == 1 ? ChainLink.GENESIS : null;
                long checked = 0;
                Link ahead = next(r, database);
                while (true) {
                    Finding finding = check(row, ahead, previous, first + checked);
                    SignedHead head = heads.get(row.sequence());
                    if (finding == null && head != null && !head.hash().equals(row.hash())) {
                        finding = new Finding(
                                Kind.MODIFIED,
                                row.sequence(),
                                row.change().id(),
                                "its link differs from the head signed at " + head.signedAt()
                                        + ": the chain was rewritten at or before it");
                    }
                    if (finding != null) {
                        return new Report(database, checked, first, row.sequence(), finding);
                    }
                    checked++;
                    previous = row.hash();
                    if (ahead == null) {
                        Finding end = heads.isEmpty() || heads.lastKey() <= row.sequence()
                                ? unlinked(c, database, start)
                                : missing(row.sequence() + 1, heads);
                        return new Report(database, checked, first, row.sequence(), end);
                    }
                    row = ahead;
                    ahead = next(r, database);
                }
            }
        } finally {
            c.rollback();
        }
    }

    private static Finding check(Link row, Link ahead, String previous, long expected) {
        if (row.sequence() < expected) {
            return new Finding(
                    Kind.INSERTED, row.sequence(), row.change().id(), "a second change at this sequence number");
        }
        if (row.sequence() > expected) {
            long missing = row.sequence() - expected;
            return missing == 1
                    ? new Finding(Kind.DELETED, expected, null, "no change at this sequence number")
                    : new Finding(
                            Kind.MISSING_RANGE,
                            expected,
                            null,
                            "no change at sequence numbers " + expected + " to " + (row.sequence() - 1));
        }
        if (previous == null
                || ChainLink.next(previous, row.sequence(), row.change()).equals(row.hash())) {
            return null;
        }
        boolean aheadBelongsHere = ahead != null
                && ChainLink.next(previous, row.sequence(), ahead.change()).equals(ahead.hash());
        if (aheadBelongsHere && ahead.sequence() == row.sequence()) {
            return new Finding(
                    Kind.INSERTED, row.sequence(), row.change().id(), "a second change at this sequence number");
        }
        if (aheadBelongsHere && ahead.sequence() == row.sequence() + 1) {
            return new Finding(
                    Kind.REORDERED,
                    row.sequence(),
                    row.change().id(),
                    "the change at the next sequence number was chained at this one");
        }
        return new Finding(
                Kind.MODIFIED,
                row.sequence(),
                row.change().id(),
                "its values or its link differ from what was chained");
    }

    /** The changes from {@code from} up to the newest signed head, which are gone. */
    private static Finding missing(long from, NavigableMap<Long, SignedHead> heads) {
        long to = heads.lastKey();
        String detail = "the newest changes, up to sequence " + to + " of the head signed at "
                + heads.lastEntry().getValue().signedAt() + ", are gone";
        return from == to
                ? new Finding(Kind.DELETED, from, null, detail)
                : new Finding(Kind.MISSING_RANGE, from, null, detail);
    }

    /** The first change without a link committed since the chain began: inserted by hand, or stored while not chaining. */
    private static Finding unlinked(Connection c, String database, OffsetDateTime start) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(UNLINKED)) {
            s.setObject(1, start);
            s.setString(2, database);
            try (ResultSet r = s.executeQuery()) {
                return r.next()
                        ? new Finding(
                                Kind.INSERTED,
                                0,
                                r.getObject(1, UUID.class),
                                "a change without a link, committed after the chain began")
                        : null;
            }
        }
    }

    private static Link next(ResultSet r, String database) throws SQLException {
        if (!r.next()) {
            return null;
        }
        OffsetDateTime committed = r.getObject(9, OffsetDateTime.class);
        Array fallback = r.getArray(13);
        ChainedChange change = new ChainedChange(
                r.getObject(1, UUID.class),
                database,
                r.getString(2),
                r.getString(3),
                r.getString(4),
                r.getString(5),
                committed.toEpochSecond() * 1_000_000L + committed.getNano() / 1_000L,
                r.getLong(10),
                r.getLong(11),
                r.getBoolean(12),
                fallback == null ? null : Arrays.asList((String[]) fallback.getArray()),
                r.getString(6),
                r.getString(7),
                r.getString(8));
        return new Link(r.getLong(14), r.getString(15), change, committed);
    }
}
