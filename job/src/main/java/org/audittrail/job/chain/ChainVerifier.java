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
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
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

    private static final String ENDS = "SELECT min(chain_sequence), max(chain_sequence) FROM changes WHERE database = ?"
            + " AND chain_sequence BETWEEN ? AND ?";

    private static final String NEXT =
            "SELECT min(chain_sequence) FROM changes WHERE database = ? AND chain_sequence > ?";

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

    /** Verifies {@code database}'s whole chain in one walk on {@code c} (its auto-commit turned off, for the cursor). */
    public static Report verify(Connection c, String database) throws SQLException {
        return verify(c, null, 1, database, new TreeMap<>(), Range.ALL, new TreeMap<>());
    }

    /**
     * Verifies {@code database}'s chain on {@code c}: the changes committed in {@code range}, each link at a signed
     * head's sequence against that head (the newest heads only for the whole chain), from the signed retention
     * {@code anchors} (links by sequence; may be empty). The chain is cut into {@code parts} intervals of sequence
     * numbers checked at once: the first on {@code c}, each other on a connection from {@code more} (null: one walk),
     * its own server backend. The findings are those of one walk.
     */
    public static Report verify(
            Connection c,
            Callable<Connection> more,
            int parts,
            String database,
            NavigableMap<Long, SignedHead> heads,
            Range range,
            NavigableMap<Long, String> anchors)
            throws SQLException {
        c.setAutoCommit(false);
        ForkJoinPool pool = new ForkJoinPool(Runtime.getRuntime().availableProcessors());
        ExecutorService walkers = Executors.newCachedThreadPool();
        try {
            long[] ends = ends(
                    c,
                    database,
                    range.since() == null ? Long.MIN_VALUE : bound(c, FIRST, database, range.since(), Long.MAX_VALUE),
                    range.until() == null ? Long.MAX_VALUE : bound(c, LAST, database, range.until(), Long.MIN_VALUE));
            if (ends == null) {
                return new Report(database, 0, 0, 0, heads.isEmpty() || !range.whole() ? null : missing(1, heads));
            }
            long first = ends[0];
            // a chain whose start was dropped (retention) begins at a link taken on trust; a range, after the
            // stored link before it
            ChainStart begin = ChainStart.of(c, database, first, anchors);
            if (begin.finding() != null) {
                return new Report(database, 0, first, first, begin.finding(), begin.note());
            }
            int n = (int) Math.max(1, Math.min(more == null ? 1 : parts, ends[1] - first + 1));
            long[] from = new long[n];
            long[] to = new long[n];
            long size = (ends[1] - first + 1) / n;
            for (int i = 0; i < n; i++) {
                from[i] = first + size * i;
                // the last part also takes what was stored since the ends were read, unless the range ends before
                to[i] = i < n - 1 ? from[i] + size - 1 : range.until() == null ? Long.MAX_VALUE : ends[1];
            }
            AtomicInteger found = new AtomicInteger(n); // the first interval with a finding: the later ones stop
            List<Future<ChainSegment.Walked>> walks = new ArrayList<>();
            for (int i = 1; i < n; i++) {
                int part = i;
                walks.add(walkers.submit(() -> {
                    try (Connection own = more.call()) {
                        own.setAutoCommit(false);
                        return ChainSegment.walk(
                                own,
                                database,
                                from[part],
                                to[part],
                                ChainStart.link(own, database, from[part] - 1),
                                heads,
                                pool,
                                () -> found.get() < part);
                    }
                }));
            }
            ChainSegment.Walked walked =
                    ChainSegment.walk(c, database, first, to[0], begin.previous(), heads, pool, () -> false);
            OffsetDateTime start = walked.firstCommitted();
            long checked = 0;
            for (int i = 0; ; i++) {
                checked += walked.checked();
                if (walked.finding() != null) {
                    found.set(i);
                    return new Report(database, checked, first, walked.last(), walked.finding(), begin.note());
                }
                if (i == n - 1) {
                    break;
                }
                if (walked.last() < to[i]) {
                    // the interval's last changes are gone: the gap runs to the next change stored, wherever it is
                    found.set(i);
                    Long next = sequence(c, NEXT, database, walked.last());
                    if (next != null) {
                        return new Report(database, checked, first, next, gap(walked.last() + 1, next), begin.note());
                    }
                    break;
                }
                walked = joined(walks.get(i));
            }
            long last = walked.last();
            Finding end = heads.isEmpty() || heads.lastKey() <= last || range.until() != null
                    ? unlinked(c, database, start, range.until())
                    : missing(last + 1, heads);
            return new Report(database, checked, first, last, end, begin.note());
        } finally {
            walkers.shutdownNow();
            pool.shutdownNow();
            c.rollback();
        }
    }

    /** The first and last sequence numbers stored from {@code from} to {@code to}, or null where there is none. */
    private static long[] ends(Connection c, String database, long from, long to) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(ENDS)) {
            s.setString(1, database);
            s.setLong(2, from);
            s.setLong(3, to);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                long first = r.getLong(1);
                return r.wasNull() ? null : new long[] {first, r.getLong(2)};
            }
        }
    }

    /** No change at sequence numbers {@code from} to {@code next - 1}. */
    static Finding gap(long from, long next) {
        return next - from == 1
                ? new Finding(Kind.DELETED, from, null, "no change at this sequence number")
                : new Finding(
                        Kind.MISSING_RANGE, from, null, "no change at sequence numbers " + from + " to " + (next - 1));
    }

    private static ChainSegment.Walked joined(Future<ChainSegment.Walked> walk) throws SQLException {
        try {
            return walk.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("verify was interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof SQLException sql
                    ? sql
                    : new SQLException(e.getCause().getMessage(), e.getCause());
        }
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
        Long sequence = sequence(c, query, database, at);
        return sequence == null ? none : sequence;
    }

    /** The sequence number {@code query} finds for {@code database} and {@code value}, or null. */
    private static Long sequence(Connection c, String query, String database, Object value) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(query)) {
            s.setString(1, database);
            s.setObject(2, value);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                long sequence = r.getLong(1);
                return r.wasNull() ? null : sequence;
            }
        }
    }
}
