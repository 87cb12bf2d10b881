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
package org.audittrail.demo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.audittrail.job.db.Database;

/**
 * The WAL a slot held when the runner started, and how much of it the job has stored since: a backlog drain says how
 * far it is. Counts and sizes only, never a row.
 */
record Backlog(Database source, Database destination, String slot, long from, long to) {

    /** The slot's backlog now, or null where there is no slot or it holds nothing to read. */
    static Backlog of(Database source, Database destination, String slot) throws SQLException {
        try (Connection c = source.connect();
                PreparedStatement s = c.prepareStatement(
                        "SELECT confirmed_flush_lsn - '0/0'::pg_lsn,"
                                + " pg_current_wal_lsn() - '0/0'::pg_lsn FROM pg_replication_slots"
                                + " WHERE slot_name = ? AND database = current_database() AND confirmed_flush_lsn IS NOT NULL")) {
            s.setString(1, slot);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next() || rs.getLong(1) >= rs.getLong(2)) {
                    return null;
                }
                return new Backlog(source, destination, slot, rs.getLong(1), rs.getLong(2));
            }
        }
    }

    /** What there is to drain, on one line. */
    String start() {
        return "backlog: " + megabytes(to - from) + " MB of WAL waiting in slot " + slot + "; storing it";
    }

    /** How far the drain is, on one line; null once the slot has moved past the backlog's end. */
    String progress() throws SQLException {
        long confirmed;
        try (Connection c = source.connect();
                PreparedStatement s = c.prepareStatement(
                        "SELECT confirmed_flush_lsn - '0/0'::pg_lsn FROM pg_replication_slots WHERE slot_name = ?")) {
            s.setString(1, slot);
            try (ResultSet rs = s.executeQuery()) {
                confirmed = rs.next() ? rs.getLong(1) : from;
            }
        }
        try (Connection c = destination.connect();
                PreparedStatement s = c.prepareStatement("SELECT count(*), coalesce(max(\"position\"), ?) FROM changes"
                        + " WHERE \"database\" = ? AND \"position\" > ? AND \"position\" <= ?")) {
            s.setLong(1, from);
            s.setString(2, source.name());
            s.setLong(3, from);
            s.setLong(4, to);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                if (confirmed >= to) {
                    return "backlog: drained, " + rs.getLong(1) + " changes of it stored";
                }
                long read = Math.max(rs.getLong(2), confirmed) - from;
                return "backlog: " + rs.getLong(1) + " changes stored, " + (100 * read / (to - from)) + "% of "
                        + megabytes(to - from) + " MB of WAL read";
            }
        }
    }

    private static String megabytes(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f", bytes / 1_048_576.0);
    }
}
