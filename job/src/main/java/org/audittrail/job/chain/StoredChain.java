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
import org.audittrail.job.db.Database;
import org.audittrail.udf.chain.ChainHead;

/** The last link of a database's chain in the destination: where a job that starts without state goes on. */
public final class StoredChain {

    public static final String HEAD =
            "SELECT chain_sequence, chain_hash, (extract(epoch FROM committed_at) * 1000000)::bigint,"
                    + " transaction_id, position, schema, \"table\", operation, primary_key FROM changes"
                    + " WHERE database = ? AND chain_sequence IS NOT NULL ORDER BY database DESC, chain_sequence DESC LIMIT 1";

    private StoredChain() {}

    /** The head of {@code database}'s chain in {@code destination}; null where it has none yet. */
    public static ChainHead head(Database destination, String database) {
        try (Connection c = destination.connect();
                PreparedStatement s = c.prepareStatement(HEAD)) {
            s.setString(1, database);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    return null;
                }
                ChainHead head = new ChainHead();
                head.sequence = r.getLong(1);
                head.hash = r.getString(2);
                head.committedAt = r.getLong(3);
                head.transactionId = r.getLong(4);
                head.position = r.getLong(5);
                head.schema = r.getString(6);
                head.table = r.getString(7);
                head.operation = r.getString(8);
                head.primaryKey = r.getString(9);
                return head;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "Cannot read the hash chain's last link from " + destination + ": " + e.getMessage()
                            + " (run setup, or start without --skip-setup, to add the chain's columns)",
                    e);
        }
    }
}
