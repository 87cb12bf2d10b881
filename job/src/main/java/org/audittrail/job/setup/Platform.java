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
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** The managed PostgreSQL service a server runs on, told by what the server says about itself, with its steps for logical replication and setup's privileges. */
public enum Platform {
    AURORA(
            "Amazon Aurora",
            "set rds.logical_replication = 1 in the DB cluster parameter group (a custom one: the default group cannot be changed), then reboot the writer instance; wal_level becomes logical",
            "there is no superuser: run setup as the master user (a member of rds_superuser), or give the role replication with GRANT rds_replication TO %s;"
                    + " and CREATE on the database and ownership of the tracked tables"),
    RDS(
            "Amazon RDS",
            "set rds.logical_replication = 1 in the instance's DB parameter group (a custom one: the default group cannot be changed), then reboot the instance; wal_level becomes logical",
            "there is no superuser: run setup as the master user (a member of rds_superuser), or give the role replication with GRANT rds_replication TO %s;"
                    + " and CREATE on the database and ownership of the tracked tables"),
    CLOUD_SQL(
            "Google Cloud SQL",
            "set the database flag cloudsql.logical_decoding to on (console: Edit, Flags; or gcloud sql instances patch INSTANCE --database-flags=cloudsql.logical_decoding=on,"
                    + " listing every flag to keep, as it replaces them), which restarts the instance; wal_level becomes logical",
            "there is no superuser: run setup as a member of cloudsqlsuperuser (the postgres user, or one created in the console or with gcloud),"
                    + " given replication with ALTER USER %s WITH REPLICATION; and CREATE on the database and ownership of the tracked tables"),
    SUPABASE(
            "Supabase",
            "projects have wal_level = logical, and its settings are not changed with ALTER SYSTEM: ask Supabase support why this one has not",
            "run setup as role postgres (the dashboard's connection string), over the direct connection (port 5432) or the session pooler, never the transaction pooler"
                    + " (port 6543); it has REPLICATION, and owns the tables created in the dashboard and by migrations run as postgres"),
    NEON(
            "Neon",
            "enable logical replication in the Console (Project settings, Logical Replication, Enable), which restarts the computes and cannot be turned off;"
                    + " wal_level becomes logical",
            "run setup as a role created in the Console, CLI or API (a member of neon_superuser, which has REPLICATION) that owns the tracked tables;"
                    + " a role created with SQL needs ALTER USER %s WITH REPLICATION; run by such a role"),
    SELF_MANAGED(
            "self-managed PostgreSQL",
            "Run ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL.",
            "run setup as the database owner or a superuser (it needs REPLICATION, CREATE on the database, and ownership of the tracked tables)");

    /** The roles and settings the platforms are known by; only these are read. */
    static final List<String> ROLES =
            List.of("rds_superuser", "rds_replication", "cloudsqlsuperuser", "supabase_admin", "neon_superuser");

    static final List<String> SETTING_PREFIXES = List.of("rds.", "cloudsql.", "neon.", "supautils.");
    /** Settings also read by name: one set without its module loaded (a placeholder) is missing from pg_settings. */
    static final List<String> SETTINGS = List.of(
            "rds.logical_replication",
            "rds.extensions",
            "cloudsql.logical_decoding",
            "cloudsql.iam_authentication",
            "neon.tenant_id",
            "neon.timeline_id",
            "supautils.reserved_roles");

    private final String label;
    private final String walLevelSteps;
    private final String privilegeSteps;

    Platform(String label, String walLevelSteps, String privilegeSteps) {
        this.label = label;
        this.walLevelSteps = walLevelSteps;
        this.privilegeSteps = privilegeSteps;
    }

    public String label() {
        return label;
    }

    /**
     * What the server says about itself: which of {@link #ROLES} exist, the names of its settings starting with one of
     * {@link #SETTING_PREFIXES}, its preloaded libraries (null where the role may not read them), whether Aurora's
     * {@code aurora_version()} exists, and the role connected.
     */
    public record Facts(
            Set<String> roles, Set<String> settings, String preloadLibraries, boolean auroraFunction, String user) {}

    /** The facts, read in one query that any role may run. */
    public static Facts facts(Connection c) throws SQLException {
        String prefixes = String.join(
                " OR ",
                SETTING_PREFIXES.stream()
                        .map(p -> "name LIKE '" + p.replace(".", "\\.").replace("_", "\\_") + "%'")
                        .toList());
        String sql = "SELECT ARRAY(SELECT rolname::text FROM pg_roles WHERE rolname IN ('" + String.join("', '", ROLES)
                + "')) AS roles,"
                + " ARRAY(SELECT name FROM pg_settings WHERE " + prefixes
                + " UNION SELECT n FROM unnest(ARRAY['" + String.join("', '", SETTINGS)
                + "']) n WHERE current_setting(n, true) IS NOT NULL) AS settings,"
                // superuser-only: the view leaves it out for other roles
                + " (SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries') AS preload,"
                + " to_regproc('aurora_version') IS NOT NULL AS aurora, current_user::text AS who";
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return new Facts(
                    strings(rs.getArray("roles")),
                    strings(rs.getArray("settings")),
                    rs.getString("preload"),
                    rs.getBoolean("aurora"),
                    rs.getString("who"));
        }
    }

    private static Set<String> strings(Array array) throws SQLException {
        return new TreeSet<>(Arrays.asList((String[]) array.getArray()));
    }

    /** The platform of the server {@code c} is connected to; self-managed where its facts cannot be read. */
    public static Platform detect(Connection c) {
        try {
            return of(facts(c));
        } catch (SQLException | RuntimeException e) {
            return SELF_MANAGED;
        }
    }

    /** The platform these facts tell; Aurora before RDS, as Aurora has RDS's roles and settings too. */
    public static Platform of(Facts facts) {
        if (facts.auroraFunction()) {
            return AURORA;
        }
        if (facts.roles().contains("rds_superuser") || hasPrefix(facts, "rds.")) {
            return RDS;
        }
        if (facts.roles().contains("cloudsqlsuperuser") || hasPrefix(facts, "cloudsql.")) {
            return CLOUD_SQL;
        }
        if (facts.roles().contains("supabase_admin")
                || hasPrefix(facts, "supautils.")
                || (facts.preloadLibraries() != null && facts.preloadLibraries().contains("supautils"))) {
            return SUPABASE;
        }
        if (facts.roles().contains("neon_superuser") || hasPrefix(facts, "neon.")) {
            return NEON;
        }
        return SELF_MANAGED;
    }

    private static boolean hasPrefix(Facts facts, String prefix) {
        return facts.settings().stream().anyMatch(name -> name.startsWith(prefix));
    }

    /** What turns logical decoding on here. */
    public String walLevelSteps() {
        return this == SELF_MANAGED ? walLevelSteps : "On " + label + ": " + walLevelSteps + ".";
    }

    /** What setup's role needs here, and how to give it; {@code user} is the role setup ran as. */
    public String privilegeSteps(String user) {
        String steps = privilegeSteps.replace("%s", user == null ? "<user>" : quoted(user));
        return "The user lacks a privilege: " + (this == SELF_MANAGED ? steps : "on " + label + ", " + steps) + ".";
    }

    static String quoted(String role) {
        return role.matches("[a-z_][a-z0-9_]*") ? role : "\"" + role.replace("\"", "\"\"") + "\"";
    }
}
