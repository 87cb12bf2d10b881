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
import java.util.concurrent.ForkJoinPool;
import java.util.function.BooleanSupplier;
import org.audittrail.job.chain.ChainVerifier.Finding;
import org.audittrail.job.chain.ChainVerifier.Kind;
import org.audittrail.udf.chain.ChainLink;

/**
 * One interval of a chain's sequence numbers, walked through its own cursor: each change checked against the stored
 * link before it, as if the walk had come from the start. {@link ChainVerifier} walks the intervals at once, each on
 * its own server backend, and takes their findings in sequence order.
 */
final class ChainSegment {

    /**
     * What a walk found: the last sequence number checked ({@code from - 1} where none was), the changes checked, the
     * first change's commit time (null where none was read) and the first finding, at sequence {@code last}, or null.
     */
    record Walked(long last, long checked, OffsetDateTime firstCommitted, Finding finding) {}

    private ChainSegment() {}

    /**
     * Walks {@code from} to {@code to} after the link {@code previous} (null: taken on trust). The change after {@code
     * to} is read too, as the one ahead that tells a reorder from a modification; {@code stop} ends the walk early,
     * once an earlier interval has a finding.
     */
    static Walked walk(
            Connection c,
            String database,
            long from,
            long to,
            String previous,
            NavigableMap<Long, SignedHead> heads,
            ForkJoinPool pool,
            BooleanSupplier stop)
            throws SQLException {
        try (PreparedStatement s = ChainVerifier.chain(c, database, from, to == Long.MAX_VALUE ? to : to + 1);
                ResultSet r = s.executeQuery()) {
            ChainRows rows = new ChainRows(r, database, pool);
            ChainRows.Link row = rows.next();
            OffsetDateTime firstCommitted = row == null ? null : row.committedAt();
            long checked = 0;
            long last = from - 1;
            while (row != null && row.sequence() <= to && (checked % 65_536 != 0 || !stop.getAsBoolean())) {
                ChainRows.Link ahead = rows.next();
                Finding finding = check(row, ahead, previous, from + checked);
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
                    return new Walked(row.sequence(), checked, firstCommitted, finding);
                }
                checked++;
                previous = row.hash();
                last = row.sequence();
                row = ahead;
            }
            return new Walked(last, checked, firstCommitted, null);
        }
    }

    private static Finding check(ChainRows.Link row, ChainRows.Link ahead, String previous, long expected) {
        if (row.sequence() < expected) {
            return new Finding(
                    Kind.INSERTED, row.sequence(), row.change().id(), "a second change at this sequence number");
        }
        if (row.sequence() > expected) {
            return ChainVerifier.gap(expected, row.sequence());
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
}
