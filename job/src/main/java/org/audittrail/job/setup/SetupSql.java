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
import java.util.List;
import org.audittrail.job.db.Database;
import org.audittrail.udf.selection.TableSelection;

/**
 * The SQL setup would run, as one script for a DBA to run by hand ({@code setup --print-sql}). It changes nothing:
 * it reads the source's catalogs in a read-only transaction, to list the tables the patterns match now, and prints
 * statements that leave what setup leaves whether or not source-setup.sql, run first, has already done part of it.
 */
public final class SetupSql {

    private SetupSql() {}

    /** The script: source-setup.sql, the tracked tables' statements, the publication's tables, destination.sql. */
    public static String print(
            Database source,
            Database destination,
            TableSelection tables,
            Replication replication,
            boolean imageIndexes) {
        StringBuilder sql = new StringBuilder();
        sql.append("-- audit-trail setup of ")
                .append(source)
                .append(", destination ")
                .append(destination);
        sql.append(
                """

                -- Run it as the owner of the tracked tables with REPLICATION, or a superuser:
                --   psql -v ON_ERROR_STOP=1 -f setup.sql
                -- It lists the tables --tables matches now: print it again after adding tables outside public.
                """);
        try (Connection c = source.connect()) {
            c.setAutoCommit(false);
            c.setReadOnly(true);
            try {
                source(c, source, tables, replication, sql);
            } catch (SQLException e) {
                throw Setup.failure("Reading the source database " + source, e, Platform.detect(c), source.user());
            } finally {
                c.rollback();
            }
        } catch (SQLException e) {
            throw Setup.failure("Reading the source database " + source, e);
        }
        sql.append("\n-- 4. The destination: sql/destination.sql\n");
        if (!destination.sameAs(source)) {
            sql.append("\\connect 'dbname=")
                    .append(destination.name())
                    .append(" host=")
                    .append(destination.host())
                    .append(" port=")
                    .append(destination.port())
                    .append(" user=")
                    .append(destination.user())
                    .append("'\n");
        }
        return sql.append(replication.into(Setup.destinationScript(imageIndexes)))
                .toString();
    }

    private static void source(
            Connection c, Database source, TableSelection tables, Replication replication, StringBuilder sql)
            throws SQLException {
        if (replication.failover()) {
            Setup.refuseFailoverBefore17(c, source);
        }
        sql.append("\n-- 1. The source: sql/source-setup.sql\n")
                .append(replication.into(Setup.script("source-setup.sql")))
                .append('\n');
        if (replication.failover() && slotWithoutFailover(c, replication.slot())) {
            sql.append("-- Slot ")
                    .append(replication.slot())
                    .append(" exists without failover: over a replication connection,")
                    .append(" psql \"dbname=")
                    .append(source.name())
                    .append(" replication=database\" -c 'ALTER_REPLICATION_SLOT ")
                    .append(replication.slot())
                    .append(" ( FAILOVER true )'\n");
        }
        Setup.Capture capture = Setup.capture(c, tables);
        sql.append("\n-- 2. The tracked tables: REPLICA IDENTITY FULL, the context and truncate triggers\n");
        for (String notice : Setup.captureNotices(capture, tables, source)) {
            sql.append("-- ").append(notice).append('\n');
        }
        for (String table : capture.tracked()) {
            for (String statement : Setup.trackedStatements(c, capture.sql(table), true)) {
                sql.append(statement).append(";\n");
            }
        }
        sql.append("\n-- 3. Publication ")
                .append(replication.publication())
                .append(": exactly the tables the job reads\n")
                .append(publication(c, capture.read().stream().map(capture::sql).toList(), replication.publication()));
    }

    private static boolean slotWithoutFailover(Connection c, String slot) throws SQLException {
        try (PreparedStatement s =
                c.prepareStatement("SELECT NOT failover FROM pg_replication_slots WHERE slot_name = ?")) {
            s.setString(1, slot);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** SET TABLE: the table list whatever it held, as setup's adding and dropping one by one leaves it. */
    private static String publication(Connection c, List<String> read, String publication) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT puballtables FROM pg_publication WHERE pubname = ?")) {
            s.setString(1, publication);
            try (ResultSet rs = s.executeQuery()) {
                if (rs.next() && rs.getBoolean(1)) {
                    return "-- Publication " + publication
                            + " is FOR ALL TABLES: the job filters the tracked tables itself\n";
                }
            }
        }
        if (read.isEmpty()) {
            return "DO $$\nDECLARE\n  published regclass;\nBEGIN\n  FOR published IN SELECT r.prrelid::regclass"
                    + " FROM pg_publication_rel r JOIN pg_publication p ON p.oid = r.prpubid WHERE p.pubname = '"
                    + publication + "'\n  LOOP\n    EXECUTE format('ALTER PUBLICATION " + publication
                    + " DROP TABLE %s', published);\n  END LOOP;\nEND\n$$;\n";
        }
        return "ALTER PUBLICATION " + publication + " SET TABLE\n  " + String.join(",\n  ", read) + ";\n";
    }
}
