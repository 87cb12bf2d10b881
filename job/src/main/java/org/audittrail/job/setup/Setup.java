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

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.audittrail.job.db.BrowserRole;
import org.audittrail.job.db.Database;
import org.audittrail.udf.privacy.PrivacyPolicy;
import org.audittrail.udf.selection.TableSelection;
import org.postgresql.PGConnection;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * Prepares the source (slot, publication, replica identity) and the destination (changes table), and disconnects;
 * every step is idempotent. It logs nothing itself but returns its notices, so it runs without Flink or a logger.
 */
public final class Setup {

    /** How a notice that is a warning begins. */
    public static final String WARNING = "WARNING: ";

    private Setup() {}

    /**
     * Whether {@code _bemi_row_trigger_func()} is not setup's (a Bemi package's migration replaced it): contexts may
     * then reach rows their statement did not write, until setup runs again.
     */
    public static boolean rowTriggerReplaced(Database source) {
        try (Connection c = source.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT coalesce(obj_description(to_regprocedure('_bemi_row_trigger_func()'), 'pg_proc'), '')"
                                + " NOT LIKE 'audit-trail: names each row%' AND to_regprocedure('_bemi_row_trigger_func()') IS NOT NULL")) {
            return rs.next() && rs.getBoolean(1);
        } catch (SQLException e) {
            throw failure("Reading the context trigger of " + source, e);
        }
    }

    /** Runs setup: source first, as a wrong wal_level must stop it before it creates anything; returns its notices. */
    public static List<String> run(
            Database source, Database destination, TableSelection tables, Replication replication) {
        return run(source, destination, tables, replication, true, line -> {});
    }

    /**
     * As {@link #run(Database, Database, TableSelection, Replication)}, with the GIN indexes of the images' values or
     * without them ({@code imageIndexes}), saying how far it is on many tables to {@code progress}.
     */
    public static List<String> run(
            Database source,
            Database destination,
            TableSelection tables,
            Replication replication,
            boolean imageIndexes,
            Consumer<String> progress) {
        List<String> notices = new ArrayList<>(prepareSource(source, tables, replication, progress));
        notices.addAll(prepareDestination(destination, replication, imageIndexes));
        Capture capture = capture(source, tables);
        int recorded = SchemaBaseline.record(
                source,
                destination,
                capture.tracked().stream().map(capture::sql).toList());
        if (recorded > 0) {
            notices.add("recorded the columns of " + recorded + " table" + (recorded == 1 ? "" : "s")
                    + " in schema_changes, where its schema history begins");
        }
        return notices;
    }

    /**
     * Runs {@code sql/source-setup.sql}, gives every tracked table REPLICA IDENTITY FULL and the context trigger
     * (those of schema public have them from the script already), and makes the publication list exactly the
     * tables the job reads; returns its notices, one for each table that cannot be tracked.
     */
    public static List<String> prepareSource(Database source, TableSelection tables, Replication replication) {
        return prepareSource(source, tables, replication, line -> {});
    }

    private static List<String> prepareSource(
            Database source, TableSelection tables, Replication replication, Consumer<String> progress) {
        List<String> notices = new ArrayList<>();
        String what = "Setting up the source database " + source;
        try (Connection c = source.connect()) {
            try {
                if (replication.failover()) {
                    refuseFailoverBefore17(c, source);
                }
                runScript(c, "source-setup.sql", notices, replication);
                if (replication.failover()) {
                    keepOnFailover(c, source, replication.slot(), notices);
                }
                Capture capture = capture(c, tables);
                notices.addAll(captureNotices(capture, tables, source));
                Progress done = new Progress("setup", capture.tracked().size(), "tables", progress);
                for (String table : capture.tracked()) {
                    prepareTracked(c, capture.sql(table));
                    done.step();
                }
                syncPublication(c, capture, notices, replication.publication());
                return notices;
            } catch (SQLException e) {
                throw failure(what, e, Platform.detect(c), source.user());
            }
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    /** Runs {@code sql/destination.sql}: the partitioned changes table, its indexes and routines; returns its notices. */
    public static List<String> prepareDestination(Database destination) {
        return prepareDestination(destination, Replication.BEMI);
    }

    /** As {@link #prepareDestination(Database)}; a destination that is the source leaves the publication named. */
    public static List<String> prepareDestination(Database destination, Replication replication) {
        return prepareDestination(destination, replication, true);
    }

    /** As {@link #prepareDestination(Database, Replication)}, with the images' GIN indexes or without ({@code imageIndexes}). */
    public static List<String> prepareDestination(Database destination, Replication replication, boolean imageIndexes) {
        List<String> notices = new ArrayList<>();
        String what = "Setting up the destination database " + destination;
        try (Connection c = destination.connect()) {
            try {
                runScript(c, destinationScript(imageIndexes), "destination.sql", notices, replication);
                return notices;
            } catch (SQLException e) {
                throw failure(what, e, Platform.detect(c), destination.user());
            }
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    /** The SQL that makes {@code role} the change browser's: it logs in, reads changes and the schema history, and may do nothing else. */
    public static String browserRoleSql(String role) {
        String quoted = "\"" + role.replace("\"", "\"\"") + "\"";
        String literal = "'" + role.replace("'", "''") + "'";
        return "DO $$ BEGIN\n"
                + "  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = " + literal + ") THEN\n"
                + "    CREATE ROLE " + quoted + " LOGIN;\n"
                + "  END IF;\n"
                + "END $$;\n"
                + "GRANT SELECT ON changes TO " + quoted + ";\n"
                // the time-travel functions read the schema history
                + "GRANT SELECT ON schema_changes TO " + quoted + ";\n";
    }

    /**
     * Creates the change browser's role in the destination where missing, lets it read changes and, where a password is
     * given, sets it: pgjdbc sends a SCRAM verifier, so the password is in no statement and no server log.
     */
    public static void prepareBrowserRole(Database destination, BrowserRole role) {
        try (Connection c = destination.connect();
                Statement s = c.createStatement()) {
            s.execute(browserRoleSql(role.name()));
            if (role.password() != null) {
                c.unwrap(PGConnection.class)
                        .alterUserPassword(role.name(), role.password().toCharArray(), "scram-sha-256");
            }
        } catch (SQLException e) {
            throw failure("Creating the change browser's role " + role + " in " + destination, e);
        }
    }

    /**
     * Records the privacy policy in {@code privacy_policies} where it differs from the last one recorded (none recorded
     * counts as no policy); returns a line saying so, or null where nothing changed.
     */
    public static String recordPrivacyPolicy(Database destination, PrivacyPolicy policy) {
        String json = policy.isNone() ? null : policy.toJson();
        String sha256 = json == null ? "none" : sha256(json + "\n" + policy.hashKeyId());
        try (Connection c = destination.connect();
                Statement s = c.createStatement();
                ResultSet last = s.executeQuery(
                        "SELECT \"sha256\" FROM privacy_policies ORDER BY \"applied_at\" DESC LIMIT 1")) {
            String previous = last.next() ? last.getString(1) : "none";
            if (previous.equals(sha256)) {
                return null;
            }
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO privacy_policies (\"policy\", \"sha256\","
                    + " \"hash_key_id\") VALUES (?::jsonb, ?, ?)")) {
                insert.setString(1, json == null ? "{\"mode\": \"none\", \"rules\": []}" : json);
                insert.setString(2, sha256);
                insert.setString(3, policy.hashKeyId());
                insert.executeUpdate();
            }
            return "Privacy policy " + sha256.substring(0, Math.min(12, sha256.length()))
                    + " recorded in privacy_policies" + " (it differs from the last one)";
        } catch (SQLException e) {
            throw failure("Recording the privacy policy in privacy_policies of " + destination, e);
        }
    }

    private static String sha256(String text) {
        try {
            return java.util.HexFormat.of()
                    .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                            .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is in every Java runtime", e);
        }
    }

    /** Runs {@code sql/source-disconnect.sql}: triggers, this slot and this publication are gone afterwards. */
    public static void disconnect(Database source, Replication replication) {
        try (Connection c = source.connect()) {
            runScript(c, "source-disconnect.sql", new ArrayList<>(), replication);
        } catch (SQLException e) {
            throw failure("Disconnecting the source database " + source, e);
        }
    }

    static void refuseFailoverBefore17(Connection c, Database source) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT current_setting('server_version_num')::int, current_setting('server_version')")) {
            rs.next();
            if (rs.getInt(1) < 170000) {
                throw new SetupException(
                        "--slot-failover needs PostgreSQL 17 or later, where standbys can keep a slot in" + " sync; "
                                + source + " runs " + rs.getString(2) + ": start without --slot-failover",
                        null);
            }
        }
    }

    /** A slot made before --slot-failover was given is altered to fail over, through a walsender connection. */
    private static void keepOnFailover(Connection c, Database source, String slot, List<String> notices)
            throws SQLException {
        try (PreparedStatement s =
                c.prepareStatement("SELECT NOT failover FROM pg_replication_slots WHERE slot_name = ?")) {
            s.setString(1, slot);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next() || !rs.getBoolean(1)) {
                    return;
                }
            }
        }
        try (Connection replication = source.connectForReplication();
                Statement s = replication.createStatement()) {
            s.execute("ALTER_REPLICATION_SLOT " + slot + " ( FAILOVER true )");
        }
        notices.add("Replication slot " + slot + " now fails over with the primary (failover = true)");
    }

    /**
     * The tables the job reads, each {@code schema.table}: the tracked ones, and those read for their context only;
     * the destination's own tables found in the source, never to be tracked; and a notice for each selected table
     * that cannot be tracked (UNLOGGED, foreign, or such a partition of a selected table).
     */
    public record Capture(
            List<String> tracked,
            List<String> contextOnly,
            List<String> destination,
            List<String> untrackable,
            Map<String, Table> tables) {
        /** Every table whose changes the source reads. */
        public List<String> read() {
            List<String> all = new ArrayList<>(tracked);
            all.addAll(contextOnly);
            return all;
        }

        /** The exact schema names of the tables read. */
        public Set<String> schemas() {
            Set<String> schemas = new java.util.TreeSet<>();
            read().forEach(name -> schemas.add(tables.get(name).schema()));
            return schemas;
        }

        /** {@code schema.table} (as the lists hold it) as an SQL identifier, each part quoted where it needs to be. */
        public String sql(String table) {
            return tables.get(table).sql();
        }
    }

    /** A table: its exact schema and name, and its SQL identifier; never parsed back from {@code schema.table}. */
    public record Table(String schema, String name, String sql) {}

    /** What setup says of the tables selected: those that cannot be tracked outside public, patterns matching none. */
    static List<String> captureNotices(Capture capture, TableSelection tables, Database source) {
        // the script has said it of the tables of public
        List<String> notices = new ArrayList<>(capture.untrackable().stream()
                .filter(notice -> !notice.startsWith("Not tracking public."))
                .toList());
        for (String pattern : tables.matchingNone(capture.tracked().stream()
                .map(t -> new String[] {
                    capture.tables().get(t).schema(), capture.tables().get(t).name()
                })
                .toList())) {
            notices.add(WARNING + "--tables pattern " + pattern + " matches no table of " + source
                    + ": nothing is tracked for it (check its schema and case; quote a name holding dots)");
        }
        return notices;
    }

    /** Whether a table carries Bemi's row trigger, under whatever name (a long table name cuts it at 63 bytes). */
    private static final String HAS_CONTEXT_TRIGGER = "EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid"
            + " AND (t.tgname LIKE '\\_bemi\\_row\\_trigger\\_%'"
            + " OR t.tgfoid IN (SELECT oid FROM pg_proc WHERE proname = '_bemi_row_trigger_func')))";

    /**
     * The tracked tables of {@code source}, never the destination's own, and the untracked ones that carry Bemi's
     * row trigger: their context messages must be read with their changes, or they would reach the next tracked
     * row. Only permanent tables: the changes of an UNLOGGED one are not in the WAL. Fails where a table named in
     * the selection without wildcard does not exist.
     */
    public static Capture capture(Database source, TableSelection tables) {
        try (Connection c = source.connect()) {
            return capture(c, tables);
        } catch (SQLException e) {
            throw failure("Listing the tables of " + source, e);
        }
    }

    static Capture capture(Connection c, TableSelection tables) throws SQLException {
        String sql =
                "SELECT n.nspname, c.relname, c.relkind = 'f' OR c.relpersistence <> 'p' AS untrackable, c.relkind = 'f' AS foreign_table,"
                        + " " + HAS_CONTEXT_TRIGGER + " AS has_context_trigger,"
                        + " coalesce(obj_description(c.oid, 'pg_class'), '') LIKE 'audit-trail destination%' AS is_destination,"
                        + " format('%I.%I', n.nspname, c.relname) AS qualified, rn.nspname AS root_schema, r.relname AS root"
                        + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                        // a partition is read through its root: only an untrackable one is of interest
                        + " LEFT JOIN pg_class r ON c.relispartition AND r.oid = pg_partition_root(c.oid)"
                        + " LEFT JOIN pg_namespace rn ON rn.oid = r.relnamespace"
                        + " WHERE c.relkind IN ('r', 'p', 'f') AND (NOT c.relispartition OR c.relkind = 'f' OR c.relpersistence <> 'p')"
                        + " AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'"
                        + " ORDER BY 1, 2";
        List<String> tracked = new ArrayList<>();
        List<String> contextOnly = new ArrayList<>();
        List<String> destination = new ArrayList<>();
        List<String> untrackable = new ArrayList<>();
        Map<String, Table> names = new java.util.HashMap<>();
        Set<String> skipped = new LinkedHashSet<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                String schema = rs.getString("nspname");
                String table = schema + "." + rs.getString("relname");
                names.put(table, new Table(schema, rs.getString("relname"), rs.getString("qualified")));
                String root =
                        rs.getString("root") == null ? null : rs.getString("root_schema") + "." + rs.getString("root");
                if (rs.getBoolean("untrackable")) {
                    if (root == null
                            ? tables.isTracked(schema, rs.getString("relname"))
                            : tables.isTracked(rs.getString("root_schema"), rs.getString("root"))) {
                        skipped.add(table);
                        untrackable.add("Not tracking " + table + (root == null ? "" : ", a partition of " + root)
                                + ": "
                                + (rs.getBoolean("foreign_table")
                                        ? "a foreign table's rows are stored in another database (track them there)"
                                        : "an UNLOGGED table's changes are not in the WAL (ALTER TABLE "
                                                + rs.getString("qualified") + " SET LOGGED; makes it trackable)"));
                    }
                } else if (rs.getBoolean("is_destination")) {
                    destination.add(table);
                } else if (tables.isTracked(schema, rs.getString("relname"))) {
                    tracked.add(table);
                } else if (rs.getBoolean("has_context_trigger")) {
                    contextOnly.add(table);
                }
            }
        }
        List<String> missing = tables.namedTables().stream()
                .filter(t -> !tracked.contains(t) && !skipped.contains(t))
                .toList();
        if (!missing.isEmpty()) {
            throw new SetupException(
                    "--tables names " + String.join(", ", missing) + ", which "
                            + (missing.size() == 1 ? "does" : "do") + " not exist (or "
                            + (missing.size() == 1 ? "is" : "are")
                            + " excluded) in database " + c.getCatalog() + ": create "
                            + (missing.size() == 1 ? "it" : "them")
                            + " or correct the name (schema.table, case-sensitive)",
                    null);
        }
        return new Capture(tracked, contextOnly, destination, untrackable, names);
    }

    /** REPLICA IDENTITY FULL on the table (on each permanent partition of a partitioned one) and Bemi's row trigger. */
    private static void prepareTracked(Connection c, String relation) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String sql : trackedStatements(c, relation, false)) {
                s.execute(sql);
            }
        }
    }

    /**
     * The statements {@link #prepareTracked} runs on a table, from what the catalogs hold now; {@code printed} for
     * --print-sql, run after source-setup.sql: the triggers as CREATE OR REPLACE, as the script may have made them by
     * then, and the truncate trigger though its function does not exist yet.
     */
    static List<String> trackedStatements(Connection c, String relation, boolean printed) throws SQLException {
        List<String> alter = new ArrayList<>();
        try (PreparedStatement leaves = c.prepareStatement("SELECT k.oid::regclass::text FROM pg_class k"
                + " WHERE k.relkind = 'r' AND k.relpersistence = 'p' AND k.relreplident <> 'f' AND (k.oid = ?::regclass"
                + " OR k.oid IN (SELECT relid FROM pg_partition_tree(?::regclass) WHERE isleaf))")) {
            leaves.setString(1, relation);
            leaves.setString(2, relation);
            try (ResultSet rs = leaves.executeQuery()) {
                while (rs.next()) {
                    alter.add("ALTER TABLE " + rs.getString(1) + " REPLICA IDENTITY FULL");
                }
            }
        }
        // the trigger's name cut at 63 bytes, on a character boundary, as PostgreSQL would cut it
        try (PreparedStatement trigger =
                c.prepareStatement("SELECT format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE OR DELETE ON %s"
                        + " FOR EACH ROW EXECUTE FUNCTION _bemi_row_trigger_func()', ('_bemi_row_trigger_' || c.relname)::name, c.oid::regclass)"
                        + " FROM pg_class c WHERE c.oid = ?::regclass AND NOT " + HAS_CONTEXT_TRIGGER)) {
            trigger.setString(1, relation);
            try (ResultSet rs = trigger.executeQuery()) {
                if (rs.next()) {
                    alter.add(rs.getString(1));
                }
            }
        }
        // a TRUNCATE fires no row trigger: setup's statement trigger names the table truncated, with its context
        try (PreparedStatement trigger = c.prepareStatement("SELECT format('CREATE TRIGGER %I BEFORE TRUNCATE ON %s"
                + " FOR EACH STATEMENT EXECUTE FUNCTION _bemi_truncate_trigger_func()', ('_bemi_truncate_trigger_' || c.relname)::name, c.oid::regclass)"
                + " FROM pg_class c WHERE c.oid = ?::regclass AND (? OR to_regprocedure('_bemi_truncate_trigger_func()') IS NOT NULL)"
                + " AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid"
                + " AND t.tgfoid = to_regprocedure('_bemi_truncate_trigger_func()'))")) {
            trigger.setString(1, relation);
            trigger.setBoolean(2, printed);
            try (ResultSet rs = trigger.executeQuery()) {
                if (rs.next()) {
                    alter.add(rs.getString(1));
                }
            }
        }
        return printed
                ? alter.stream()
                        .map(sql -> sql.replaceFirst("^CREATE TRIGGER ", "CREATE OR REPLACE TRIGGER "))
                        .toList()
                : alter;
    }

    private static void syncPublication(Connection c, Capture capture, List<String> notices, String publication)
            throws SQLException {
        List<String> tables = capture.read();
        Map<String, String> published = new java.util.LinkedHashMap<>();
        try (PreparedStatement s = c.prepareStatement(
                "SELECT p.puballtables, t.schemaname, t.tablename, CASE WHEN t.tablename IS NOT NULL THEN format('%I.%I', t.schemaname, t.tablename) END"
                        + " FROM pg_publication p"
                        + " LEFT JOIN pg_publication_tables t ON t.pubname = p.pubname WHERE p.pubname = ?")) {
            s.setString(1, publication);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    if (rs.getBoolean(1)) {
                        notices.add("Publication " + publication
                                + " is FOR ALL TABLES: the job filters the tracked tables itself");
                        return;
                    }
                    if (rs.getString(2) != null) {
                        published.put(rs.getString(2) + "." + rs.getString(3), rs.getString(4));
                    }
                }
            }
        }
        try (Statement s = c.createStatement()) {
            for (String table : tables) {
                if (published.remove(table) == null) {
                    s.execute("ALTER PUBLICATION " + publication + " ADD TABLE " + capture.sql(table));
                    notices.add("Tracking " + table);
                }
            }
            for (Map.Entry<String, String> table : published.entrySet()) {
                s.execute("ALTER PUBLICATION " + publication + " DROP TABLE " + table.getValue());
                notices.add("No longer tracking " + table.getKey());
            }
        }
    }

    private static void runScript(Connection c, String name, List<String> notices, Replication replication)
            throws SQLException {
        runScript(c, script(name), name, notices, replication);
    }

    private static void runScript(
            Connection c, String script, String name, List<String> notices, Replication replication)
            throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(replication.into(script));
            for (SQLWarning w = s.getWarnings(); w != null; w = w.getNextWarning()) {
                // "already exists, skipping" and the like are what a second run says of everything: not news
                if (!w.getMessage().endsWith(", skipping")) {
                    // a RAISE WARNING (SQLSTATE 01xxx) says something went wrong or was repaired, a NOTICE only informs
                    notices.add((w.getSQLState() != null && w.getSQLState().startsWith("01") ? WARNING : "") + name
                            + ": " + w.getMessage());
                }
            }
        }
    }

    /** sql/destination.sql, told first whether to keep the images' GIN indexes (it reads audit_trail.image_indexes). */
    public static String destinationScript(boolean imageIndexes) {
        return (imageIndexes ? "" : "SET audit_trail.image_indexes = 'off';\n") + script("destination.sql");
    }

    /** The text of a script of {@code sql/}, packaged in the jar. */
    public static String script(String name) {
        try (InputStream in = Setup.class.getResourceAsStream("/sql/" + name)) {
            if (in == null) {
                throw new IllegalStateException("sql/" + name + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read sql/" + name, e);
        }
    }

    /** A failure with PostgreSQL's own message and hint, and what to do about a missing privilege. */
    static SetupException failure(String what, SQLException e) {
        return failure(what, e, Platform.SELF_MANAGED, null);
    }

    /**
     * A failure with PostgreSQL's own message and hint; a wrong wal_level and a missing privilege of {@code user} say
     * the steps of the platform the server runs on.
     */
    static SetupException failure(String what, SQLException e, Platform platform, String user) {
        StringBuilder message = new StringBuilder(what).append(" failed: ");
        ServerErrorMessage server = e instanceof PSQLException ? ((PSQLException) e).getServerErrorMessage() : null;
        if (server != null) {
            message.append(server.getMessage());
            // source-setup.sql's hint is the self-managed server's step
            if (WAL_LEVEL_STATE.equals(e.getSQLState()) && server.getMessage().startsWith("wal_level is ")) {
                message.append(". ").append(platform.walLevelSteps());
            } else if (server.getHint() != null) {
                message.append(". ").append(server.getHint());
            }
        } else {
            message.append(e.getMessage());
        }
        if ("42501".equals(e.getSQLState())) {
            message.append(". ").append(platform.privilegeSteps(user));
        }
        return new SetupException(message.toString(), e);
    }

    /** The SQLSTATE source-setup.sql raises a wrong wal_level with: object_not_in_prerequisite_state. */
    static final String WAL_LEVEL_STATE = "55000";

    /** A setup step failed; the message says what to do. */
    public static final class SetupException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SetupException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
