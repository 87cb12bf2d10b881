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
import java.util.NavigableMap;
import org.audittrail.job.chain.ChainVerifier.Finding;
import org.audittrail.job.chain.ChainVerifier.Kind;
import org.audittrail.udf.chain.ChainLink;

/** What the first change verify checks links to: its previous link (null: taken on trust), said how, or a finding. */
record ChainStart(String previous, String note, Finding finding) {

    private static final String LINK =
            "SELECT chain_hash FROM changes WHERE database = ? AND chain_sequence = ? LIMIT 1";

    /**
     * Where the first change checked links to: the genesis, the stored link before it (a range), or, where the changes
     * before it were dropped, the retention anchor's link, checked against its signed copies.
     */
    static ChainStart of(Connection c, String database, long first, NavigableMap<Long, String> anchors)
            throws SQLException {
        if (first == 1) {
            return new ChainStart(ChainLink.GENESIS, null, null);
        }
        String stored = link(c, database, first - 1);
        if (stored != null) {
            return new ChainStart(
                    stored, "from sequence " + first + ", after the stored link of sequence " + (first - 1), null);
        }
        // the changes before were dropped: a retention's anchor holds their last link
        RetentionAnchor anchor = RetentionAnchor.of(c, database);
        if (!anchors.isEmpty()
                && (anchor == null
                        || anchor.sequence() < anchors.lastKey()
                        || !anchor.hash().equals(anchors.get(anchor.sequence())))) {
            long at = anchor == null ? anchors.lastKey() : anchor.sequence();
            return new ChainStart(
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
            return new ChainStart(null, trusted, null);
        }
        String name = (anchors.isEmpty() ? "the retention anchor" : "the signed retention anchor") + " of sequence "
                + anchor.sequence();
        if (anchor.sequence() == first - 1) {
            return new ChainStart(anchor.hash(), "after " + name, null);
        }
        long missing = first - 1 - anchor.sequence();
        return new ChainStart(
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
    static String link(Connection c, String database, long sequence) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(LINK)) {
            s.setString(1, database);
            s.setLong(2, sequence);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getString(1) : null;
            }
        }
    }
}
