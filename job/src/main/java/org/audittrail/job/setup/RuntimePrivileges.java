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
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.audittrail.job.db.Database;

/**
 * What the running job needs of its role, checked before it is submitted with --skip-setup (docs/privileges.md): on
 * the source REPLICATION only (rows come from the WAL, never a SELECT of a tracked table); on the destination,
 * ownership of changes and its partitions and CREATE on its schema, as partition upkeep creates and drops them, and
 * TEMPORARY for the sink's staging table. Each one missing is one line naming the statement that grants it.
 */
public final class RuntimePrivileges {

    private RuntimePrivileges() {}

    /** Fails with one line per privilege missing, where any is. */
    public static void require(Database source, Database destination) {
        List<String> missing = missing(source, destination);
        if (!missing.isEmpty()) {
            throw new Setup.SetupException(String.join("\n", missing), null);
        }
    }

    /** One line per privilege the job's role lacks, each naming the statement that grants it; none when all are there. */
    public static List<String> missing(Database source, Database destination) {
        List<String> missing = new ArrayList<>();
        try (Connection c = source.connect()) {
            missing.addAll(source(c));
        } catch (SQLException e) {
            throw Setup.failure("Checking the privileges of " + source, e);
        }
        try (Connection c = destination.connect()) {
            missing.addAll(destination(c));
        } catch (SQLException e) {
            throw Setup.failure("Checking the privileges of " + destination, e);
        }
        return missing;
    }

    private static List<String> source(Connection c) throws SQLException {
        List<String> missing = new ArrayList<>();
        try (Statement s = c.createStatement();
                // RDS and Aurora give replication through membership of rds_replication, not the attribute
                ResultSet rs = s.executeQuery("SELECT current_user::text, rolreplication OR rolsuper"
                        + " OR coalesce(pg_has_role(current_user, to_regrole('rds_replication'), 'MEMBER'), false),"
                        + " to_regrole('rds_replication') IS NOT NULL FROM pg_roles WHERE rolname = current_user")) {
            rs.next();
            String role = Platform.quoted(rs.getString(1));
            if (!rs.getBoolean(2)) {
                missing.add("role " + role + " lacks REPLICATION: run "
                        + (rs.getBoolean(3)
                                ? "GRANT rds_replication TO " + role
                                : "ALTER ROLE " + role + " REPLICATION"));
            }
        }
        return missing;
    }

    private static List<String> destination(Connection c) throws SQLException {
        List<String> missing = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT current_user::text, to_regclass('changes') IS NOT NULL,"
                        + " current_schema()::text, has_schema_privilege(current_schema(), 'CREATE'),"
                        + " ARRAY(SELECT format('%I.%I', n.nspname, k.relname) FROM pg_partition_tree(to_regclass('changes')) p"
                        + " JOIN pg_class k ON k.oid = p.relid JOIN pg_namespace n ON n.oid = k.relnamespace"
                        + " WHERE NOT pg_has_role(current_user, k.relowner, 'USAGE') ORDER BY p.level, 1), has_database_privilege(current_database(), 'TEMPORARY'),"
                        + " current_database()::text, to_regclass('chain_anchors') IS NULL"
                        + " OR (has_table_privilege('chain_anchors', 'SELECT') AND has_table_privilege('chain_anchors',"
                        + " 'INSERT') AND has_table_privilege('chain_anchors', 'UPDATE')),"
                        + " to_regclass('schema_changes') IS NULL OR (has_table_privilege('schema_changes', 'SELECT')"
                        + " AND has_table_privilege('schema_changes', 'INSERT')),"
                        + " to_regclass('snapshots') IS NULL OR (has_table_privilege('snapshots', 'SELECT')"
                        + " AND has_table_privilege('snapshots', 'INSERT') AND has_table_privilege('snapshot_chunks', 'SELECT')"
                        + " AND has_table_privilege('snapshot_chunks', 'INSERT'))")) {
            rs.next();
            String role = Platform.quoted(rs.getString(1));
            if (!rs.getBoolean(2)) {
                return List.of("the destination has no table changes in schema " + rs.getString(3)
                        + ": run setup (as the owner) or its SQL (setup --print-sql) first");
            }
            if (!rs.getBoolean(4)) {
                missing.add("role " + role + " lacks CREATE on schema " + rs.getString(3)
                        + ", where the job creates the daily partitions of changes: run GRANT CREATE ON SCHEMA "
                        + Platform.quoted(rs.getString(3)) + " TO " + role);
            }
            if (!rs.getBoolean(6)) {
                missing.add("role " + role + " lacks TEMPORARY on database " + rs.getString(7)
                        + ", where the sink stages a batch it writes again after a restart: run GRANT TEMPORARY ON DATABASE "
                        + Platform.quoted(rs.getString(7)) + " TO " + role);
            }
            if (!rs.getBoolean(8)) {
                missing.add(
                        "role " + role + " lacks SELECT, INSERT or UPDATE on chain_anchors, where the retention keeps"
                                + " the last chain link it drops: run GRANT SELECT, INSERT, UPDATE ON chain_anchors TO "
                                + role);
            }
            if (!rs.getBoolean(9)) {
                missing.add(
                        "role " + role + " lacks SELECT or INSERT on schema_changes, where the job stores each DDL on a"
                                + " tracked table once: run GRANT SELECT, INSERT ON schema_changes TO " + role);
            }
            if (!rs.getBoolean(10)) {
                missing.add(
                        "role " + role + " lacks SELECT or INSERT on snapshots or snapshot_chunks, where the baseline"
                                + " snapshot keeps its moments and chunks: run GRANT SELECT, INSERT ON snapshots, snapshot_chunks TO "
                                + role);
            }
            Array notOwned = rs.getArray(5);
            for (String table : (String[]) notOwned.getArray()) {
                missing.add("role " + role + " does not own " + table
                        + ", whose partitions the job creates, moves rows into and drops: run ALTER TABLE " + table
                        + " OWNER TO " + role);
            }
        }
        return missing;
    }
}
