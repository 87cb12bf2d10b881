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
package org.audittrail.job.setup;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.audittrail.job.db.Database;

/**
 * The moment each table's baseline snapshot rows are stamped with, kept in the destination's {@code snapshots}: taken
 * once per table, when its snapshot is first asked for (every tracked table on a first start with {@code --snapshot
 * initial}; a table without one, with {@code --snapshot-new-tables}), and the same at every restore after, so a row read
 * again after a restore is the row stored before.
 */
public final class SnapshotMoments {

    private static final String NOW = "SELECT (extract(epoch FROM now()) * 1000000)::bigint";

    private static final String TAKE = "INSERT INTO snapshots (\"database\", \"schema\", \"table\", \"started_at\")"
            + " VALUES (?, ?, ?, timestamptz 'epoch' + ? * interval '1 microsecond') ON CONFLICT DO NOTHING";

    private static final String FIRST = "SELECT NOT EXISTS (SELECT FROM snapshots WHERE \"database\" = ?)";

    private static final String MOMENTS = "SELECT \"schema\", \"table\","
            + " (extract(epoch FROM \"started_at\") * 1000000)::bigint FROM snapshots WHERE \"database\" = ?";

    private SnapshotMoments() {}

    /**
     * The moments of the tables of {@code database}, {@code schema.table} to microseconds since the epoch; each of
     * {@code tables} ([schema, table]) gets one now (the source's clock) where the database has none yet, or where it
     * lacks one and {@code newTables}.
     */
    public static Map<String, Long> take(
            Database source, Database destination, List<List<String>> tables, boolean newTables) {
        long now;
        try (Connection c = source.connect();
                PreparedStatement s = c.prepareStatement(NOW);
                ResultSet rs = s.executeQuery()) {
            rs.next();
            now = rs.getLong(1);
        } catch (SQLException e) {
            throw Setup.failure("Reading the clock of " + source, e);
        }
        Map<String, Long> moments = new HashMap<>();
        try (Connection c = destination.connect()) {
            c.setAutoCommit(false);
            boolean first;
            try (PreparedStatement s = c.prepareStatement(FIRST)) {
                s.setString(1, source.name());
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    first = rs.getBoolean(1);
                }
            }
            if (first || newTables) {
                try (PreparedStatement take = c.prepareStatement(TAKE)) {
                    for (List<String> table : tables) {
                        take.setString(1, source.name());
                        take.setString(2, table.get(0));
                        take.setString(3, table.get(1));
                        take.setLong(4, now);
                        take.addBatch();
                    }
                    // one transaction: on a first start, every table or none
                    take.executeBatch();
                }
            }
            try (PreparedStatement read = c.prepareStatement(MOMENTS)) {
                read.setString(1, source.name());
                try (ResultSet rs = read.executeQuery()) {
                    while (rs.next()) {
                        moments.put(rs.getString(1) + "." + rs.getString(2), rs.getLong(3));
                    }
                }
            }
            c.commit();
        } catch (SQLException e) {
            throw Setup.failure("Recording the baseline snapshot's moments in snapshots of " + destination, e);
        }
        return moments;
    }
}
