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
package org.audittrail.job.sink;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.audittrail.udf.model.Change;
import org.audittrail.udf.values.Json;

/**
 * The sink's part of a baseline snapshot chunk read again (its reading was stored, then the job restarted from a
 * checkpoint before the chunk's end): before its rows, the baseline rows stored from the chunk's key range are deleted,
 * so that a row deleted between the two readings keeps no baseline (the others take the new reading in any case). A
 * chunk read the first time, as nearly all are, costs one row in {@code snapshot_chunks}.
 */
final class SnapshotChunks {

    private static final String SEEN = "INSERT INTO snapshot_chunks (\"database\", \"schema\", \"table\", \"split\")"
            + " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING";

    private SnapshotChunks() {}

    /** Records chunk {@code marker} ({@code Operation.SNAPSHOT_CHUNK}); where it was read before, clears its range. */
    static void begin(Connection c, Change marker) throws SQLException, IOException {
        JsonNode range = Json.parse(marker.after);
        try {
            boolean first;
            try (PreparedStatement s = c.prepareStatement(SEEN)) {
                s.setString(1, marker.database);
                s.setString(2, marker.schema);
                s.setString(3, marker.table);
                s.setString(4, range.path("split").asText());
                first = s.executeUpdate() == 1;
            }
            if (!first) {
                clear(c, marker, range);
            }
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        }
    }

    private static void clear(Connection c, Change marker, JsonNode range) throws SQLException {
        StringBuilder sql = new StringBuilder(
                "DELETE FROM changes WHERE \"operation\" = 'SNAPSHOT' AND \"database\" = ?"
                        + " AND \"schema\" = ? AND \"table\" = ? AND \"committed_at\" = timestamptz 'epoch' + ? * interval '1 microsecond'");
        JsonNode columns = range.path("columns");
        // the first key column orders the chunks (Flink CDC's chunk key); jsonb compares numbers as numbers
        String column = columns.size() > 0 ? columns.get(0).asText() : null;
        JsonNode start = range.path("start").isArray() ? range.path("start").get(0) : null;
        JsonNode end = range.path("end").isArray() ? range.path("end").get(0) : null;
        if (column != null && start != null) {
            sql.append(" AND \"after\" -> ? >= ?::jsonb");
        }
        if (column != null && end != null) {
            sql.append(" AND \"after\" -> ? < ?::jsonb");
        }
        try (PreparedStatement s = c.prepareStatement(sql.toString())) {
            int i = 1;
            s.setString(i++, marker.database);
            s.setString(i++, marker.schema);
            s.setString(i++, marker.table);
            s.setLong(i++, marker.committedAt);
            if (column != null && start != null) {
                s.setString(i++, column);
                s.setString(i++, Json.write(start));
            }
            if (column != null && end != null) {
                s.setString(i++, column);
                s.setString(i, Json.write(end));
            }
            s.executeUpdate();
        }
    }
}
