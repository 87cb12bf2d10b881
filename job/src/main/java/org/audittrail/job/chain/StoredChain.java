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
import org.audittrail.job.db.Database;
import org.audittrail.udf.chain.ChainHead;

/**
 * The last link of a database's chain in the destination: where a job that starts without state goes on. Its place in
 * the chain's order is the latest of any chained change's, as {@link ChainHead#then} keeps it: a table's baseline
 * chained after later changes (--snapshot-new-tables) leaves the last link older than them, and a replay of those
 * after such a link must still count as a replay.
 */
public final class StoredChain {

    public static final String HEAD = "SELECT chain_sequence, chain_hash, committed_at FROM changes"
            + " WHERE database = ? AND chain_sequence IS NOT NULL ORDER BY database DESC, chain_sequence DESC"
            + " LIMIT 1";

    /**
     * The chained change latest in the chain's order, committed no earlier than the last link ({@code ?} 2): by commit
     * position, else (baseline rows, changes stored before commit positions were) by commit time.
     */
    public static final String LATEST = "SELECT (extract(epoch FROM committed_at) * 1000000)::bigint, transaction_id,"
            + " position, schema, \"table\", operation, primary_key, coalesce(commit_position, 0) FROM changes"
            + " WHERE database = ? AND chain_sequence IS NOT NULL AND committed_at >= ?"
            + " ORDER BY commit_position DESC NULLS LAST, committed_at DESC, transaction_id DESC, position DESC,"
            + " schema COLLATE \"C\" DESC NULLS LAST,"
            + " \"table\" COLLATE \"C\" DESC NULLS LAST, operation DESC, primary_key COLLATE \"C\" DESC NULLS LAST LIMIT 1";

    private StoredChain() {}

    /** The head of {@code database}'s chain in {@code destination}; null where it has none yet. */
    public static ChainHead head(Database destination, String database) {
        try (Connection c = destination.connect();
                PreparedStatement last = c.prepareStatement(HEAD);
                PreparedStatement latest = c.prepareStatement(LATEST)) {
            ChainHead head = new ChainHead();
            last.setString(1, database);
            try (ResultSet r = last.executeQuery()) {
                if (!r.next()) {
                    return null;
                }
                head.sequence = r.getLong(1);
                head.hash = r.getString(2);
                latest.setString(1, database);
                latest.setObject(2, r.getObject(3, OffsetDateTime.class));
            }
            try (ResultSet r = latest.executeQuery()) {
                r.next(); // the last link itself qualifies
                head.committedAt = r.getLong(1);
                head.transactionId = r.getLong(2);
                head.position = r.getLong(3);
                head.schema = r.getString(4);
                head.table = r.getString(5);
                head.operation = r.getString(6);
                head.primaryKey = r.getString(7);
                head.commitPosition = r.getLong(8);
            }
            return head;
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "Cannot read the hash chain's last link from " + destination + ": " + e.getMessage()
                            + " (run setup, or start without --skip-setup, to add the chain's columns)",
                    e);
        }
    }
}
