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

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.UUID;
import org.audittrail.udf.chain.ChainLink;
import org.postgresql.PGStatement;

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

    /** The part of a chain to check: its changes committed from {@code since} to {@code until}; null ends are open. */
    public record Range(OffsetDateTime since, OffsetDateTime until) {
        public static final Range ALL = new Range(null, null);

        boolean whole() {
            return since == null && until == null;
        }
    }

    /**
     * What verify found: the changes checked, the first and last sequence numbers checked, the finding or null, and
     * what the first change checked was linked to where that is not the chain's start (null at its start).
     */
    public record Report(String database, long checked, long first, long last, Finding finding, String start) {
        public Report(String database, long checked, long first, long last, Finding finding) {
            this(database, checked, first, last, finding, null);
        }

        public boolean intact() {
            return finding == null;
        }

        /** One line for the verify command. */
        public String summary(double seconds) {
            String chain = "Hash chain of database " + database + ": ";
            if (checked == 0 && finding == null) {
                return chain + "no chained changes (does the job run with --hash-chain?)";
            }
            String trusted = start == null ? "" : "; " + start;
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
                    + " chain_hash, erased::text FROM changes WHERE database = ? AND chain_sequence BETWEEN ? AND ?"
                    + " ORDER BY database, chain_sequence";

    private static final String FIRST = "SELECT min(chain_sequence) FROM changes WHERE database = ?"
            + " AND chain_sequence IS NOT NULL AND committed_at >= ?";

    private static final String LAST = "SELECT max(chain_sequence) FROM changes WHERE database = ?"
            + " AND chain_sequence IS NOT NULL AND committed_at <= ?";

    private static final String LINK =
            "SELECT chain_hash FROM changes WHERE database = ? AND chain_sequence = ? LIMIT 1";

    public static final String UNLINKED = "SELECT id FROM changes WHERE committed_at >= ? AND committed_at <= ?"
            + " AND database = ? AND chain_sequence IS NULL LIMIT 1";

    private ChainVerifier() {}

    /**
     * The chain's query from sequence {@code first} to {@code last}, read through a cursor (auto-commit off on {@code
     * c}) with binary results: no text printed and parsed for the id, time and numbers (jsonb's is its text anyway).
     */
    public static PreparedStatement chain(Connection c, String database, long first, long last) throws SQLException {
        PreparedStatement s = c.prepareStatement(CHAIN);
        if (s.isWrapperFor(PGStatement.class)) {
            s.unwrap(PGStatement.class).setPrepareThreshold(-1);
        }
        s.setFetchSize(10_000);
        s.setString(1, database);
        s.setLong(2, first);
        s.setLong(3, last);
        return s;
    }

    /** Verifies {@code database}'s chain on {@code c} (its auto-commit turned off, for the cursor). */
    public static Report verify(Connection c, String database) throws SQLException {
        return verify(c, database, new TreeMap<>());
    }

    /** As {@link #verify(Connection, String)}, and each link at a signed head's sequence against that head. */
    public static Report verify(Connection c, String database, NavigableMap<Long, SignedHead> heads)
            throws SQLException {
        return verify(c, database, heads, Range.ALL);
    }

    /** As above, for the changes committed in {@code range}; the newest heads are checked only for the whole chain. */
    public static Report verify(Connection c, String database, NavigableMap<Long, SignedHead> heads, Range range)
            throws SQLException {
        return verify(c, database, heads, range, new TreeMap<>());
    }

    /** As above; {@code anchors}: the links of the database's signed retention anchors, by sequence (may be empty). */
    public static Report verify(
            Connection c,
            String database,
            NavigableMap<Long, SignedHead> heads,
            Range range,
            NavigableMap<Long, String> anchors)
            throws SQLException {
        c.setAutoCommit(false);
        try (PreparedStatement s = chain(
                c,
                database,
                range.since() == null ? Long.MIN_VALUE : bound(c, FIRST, database, range.since(), Long.MAX_VALUE),
                range.until() == null ? Long.MAX_VALUE : bound(c, LAST, database, range.until(), Long.MIN_VALUE))) {
            java.util.concurrent.ForkJoinPool pool =
                    new java.util.concurrent.ForkJoinPool(Runtime.getRuntime().availableProcessors());
            try (ResultSet r = s.executeQuery()) {
                ChainRows rows = new ChainRows(r, database, pool);
                ChainRows.Link row = rows.next();
                if (row == null) {
                    return new Report(database, 0, 0, 0, heads.isEmpty() || !range.whole() ? null : missing(1, heads));
                }
                long first = row.sequence();
                OffsetDateTime start = row.committedAt();
                // a chain whose start was dropped (retention) begins at a link taken on trust; a range, after the
                // stored link before it
                Start begin = start(c, database, first, anchors);
                if (begin.finding() != null) {
                    return new Report(database, 0, first, first, begin.finding(), begin.note());
                }
                String previous = begin.previous();
                long checked = 0;
                ChainRows.Link ahead = rows.next();
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
                        return new Report(database, checked, first, row.sequence(), finding, begin.note());
                    }
                    checked++;
                    previous = row.hash();
                    if (ahead == null) {
                        Finding end = heads.isEmpty() || heads.lastKey() <= row.sequence() || range.until() != null
                                ? unlinked(c, database, start, range.until())
                                : missing(row.sequence() + 1, heads);
                        return new Report(database, checked, first, row.sequence(), end, begin.note());
                    }
                    row = ahead;
                    ahead = rows.next();
                }
            } finally {
                pool.shutdownNow();
            }
        } finally {
            c.rollback();
        }
    }

    private static Finding check(ChainRows.Link row, ChainRows.Link ahead, String previous, long expected) {
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
        if (previous == null || row.linkedTo(previous)) {
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
    private static Finding unlinked(Connection c, String database, OffsetDateTime start, OffsetDateTime until)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement(UNLINKED)) {
            s.setObject(1, start);
            s.setObject(2, until == null ? OffsetDateTime.MAX : until);
            s.setString(3, database);
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

    /** The first or last sequence number committed on the range's side of {@code at}; none: an empty range. */
    private static long bound(Connection c, String query, String database, OffsetDateTime at, long none)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement(query)) {
            s.setString(1, database);
            s.setObject(2, at);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                long sequence = r.getLong(1);
                return r.wasNull() ? none : sequence;
            }
        }
    }

    /** What the first change checked links to: its previous link (null: taken on trust), said how, or a finding. */
    private record Start(String previous, String note, Finding finding) {}

    private static Start start(Connection c, String database, long first, NavigableMap<Long, String> anchors)
            throws SQLException {
        if (first == 1) {
            return new Start(ChainLink.GENESIS, null, null);
        }
        String stored = link(c, database, first - 1);
        if (stored != null) {
            return new Start(
                    stored, "from sequence " + first + ", after the stored link of sequence " + (first - 1), null);
        }
        // the changes before were dropped: a retention's anchor holds their last link
        RetentionAnchor anchor = RetentionAnchor.of(c, database);
        if (!anchors.isEmpty()
                && (anchor == null
                        || anchor.sequence() < anchors.lastKey()
                        || !anchor.hash().equals(anchors.get(anchor.sequence())))) {
            long at = anchor == null ? anchors.lastKey() : anchor.sequence();
            return new Start(
                    null,
                    null,
                    new Finding(
                            Kind.MODIFIED,
                            at,
                            null,
                            "the retention anchor of sequence " + at
                                    + " differs from its signed copy, or is gone: the dropped changes' last link was rewritten"));
        }
        String trusted = "it begins at sequence " + first
                + ", whose link to the changes before it (dropped) is taken on" + " trust";
        if (anchor == null || anchor.sequence() > first - 1) {
            return new Start(null, trusted, null);
        }
        String name = (anchors.isEmpty() ? "the retention anchor" : "the signed retention anchor") + " of sequence "
                + anchor.sequence();
        if (anchor.sequence() == first - 1) {
            return new Start(anchor.hash(), "after " + name, null);
        }
        long missing = first - 1 - anchor.sequence();
        return new Start(
                null,
                null,
                missing == 1
                        ? new Finding(
                                Kind.DELETED,
                                anchor.sequence() + 1,
                                null,
                                "no change at this sequence number, after " + name)
                        : new Finding(
                                Kind.MISSING_RANGE,
                                anchor.sequence() + 1,
                                null,
                                "no change at sequence numbers " + (anchor.sequence() + 1) + " to " + (first - 1)
                                        + ", after " + name));
    }

    /** The stored link at {@code sequence}, or null where there is none. */
    private static String link(Connection c, String database, long sequence) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(LINK)) {
            s.setString(1, database);
            s.setLong(2, sequence);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getString(1) : null;
            }
        }
    }
}
