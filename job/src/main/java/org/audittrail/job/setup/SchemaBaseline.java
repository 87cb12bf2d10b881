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

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.audittrail.job.db.Database;

/**
 * The first row of each tracked table's schema history: its columns when setup first finds it without one (tracking
 * began, or began before the schema history existed). The rows after it come from the WAL (setup's schema trigger);
 * {@code changes_columns_at} needs one row before an image to follow a column renamed after it.
 */
final class SchemaBaseline {

    private static final String COLUMNS = "SELECT n.nspname, c.relname, c.oid::bigint,"
            + " _audit_trail_columns(c.oid)::text," // source-setup.sql's, as the schema trigger writes them
            + " (pg_current_wal_lsn() - '0/0')::bigint, (extract(epoch FROM now()) * 1000000)::bigint"
            + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ANY (?::regclass[])";

    private static final String INSERT = "INSERT INTO schema_changes (\"id\", \"database\", \"schema\", \"table\","
            + " \"relation\", \"command\", \"columns\", \"committed_at\", \"transaction_id\", \"position\")"
            // a name-based id of its own: the same table and WAL position give the same row
            + " SELECT md5(concat_ws(chr(31), 'BASELINE', ?::text, ?::text, ?::text, ?::text))::uuid, ?, ?, ?, ?, 'BASELINE', ?::jsonb, timestamptz 'epoch' + ? * interval '1 microsecond', 0, ?"
            + " WHERE NOT EXISTS (SELECT FROM schema_changes WHERE \"relation\" = ? AND \"database\" = ?)"
            + " ON CONFLICT (\"id\") DO NOTHING";

    private SchemaBaseline() {}

    /** Records the columns of each table of {@code tracked} (SQL identifiers) that has no history yet; returns how many. */
    static int record(Database source, Database destination, List<String> tracked) {
        if (tracked.isEmpty()) {
            return 0;
        }
        List<Columns> tables = new ArrayList<>();
        try (Connection c = source.connect();
                PreparedStatement s = c.prepareStatement(COLUMNS)) {
            Array names = c.createArrayOf("text", tracked.toArray());
            s.setArray(1, names);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    tables.add(new Columns(
                            rs.getString(1),
                            rs.getString(2),
                            rs.getLong(3),
                            rs.getString(4),
                            rs.getLong(5),
                            rs.getLong(6)));
                }
            }
        } catch (SQLException e) {
            throw Setup.failure("Reading the columns of the tracked tables of " + source, e);
        }
        int recorded = 0;
        try (Connection c = destination.connect();
                PreparedStatement insert = c.prepareStatement(INSERT)) {
            for (Columns table : tables) {
                insert.setString(1, source.name());
                insert.setString(2, table.schema());
                insert.setString(3, table.table());
                insert.setString(4, Long.toString(table.position()));
                insert.setString(5, source.name());
                insert.setString(6, table.schema());
                insert.setString(7, table.table());
                insert.setLong(8, table.relation());
                insert.setString(9, table.columns());
                insert.setLong(10, table.micros());
                insert.setLong(11, table.position());
                insert.setLong(12, table.relation());
                insert.setString(13, source.name());
                recorded += insert.executeUpdate();
            }
        } catch (SQLException e) {
            throw Setup.failure("Recording the columns of the tracked tables in schema_changes of " + destination, e);
        }
        return recorded;
    }

    /** A table's columns as the source printed them, with the WAL position and time (microseconds) of the reading. */
    private record Columns(String schema, String table, long relation, String columns, long position, long micros) {}
}
