package org.audittrail.job;

import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

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
import java.util.Set;

/**
 * Prepares the source (slot, publication, replica identity) and the destination (changes table), and disconnects;
 * every step is idempotent. It logs nothing itself but returns its notices, so it runs without Flink or a logger.
 */
public final class Setup {

    /** Name of both the replication slot and the publication, as Bemi names them. */
    public static final String SLOT = "bemi";
    public static final String PUBLICATION = "bemi";

    private Setup() {}

    /** Runs {@code sql/source-setup.sql} and makes the publication list exactly {@code tables}; returns its notices. */
    public static List<String> prepareSource(Database source, List<String> tables) {
        List<String> notices = new ArrayList<>();
        try (Connection c = source.connect()) {
            runScript(c, "source-setup.sql", notices);
            syncPublication(c, tables, notices);
            return notices;
        } catch (SQLException e) {
            throw failure("Setting up the source database " + source, e);
        }
    }

    /** Runs {@code sql/destination.sql}: the partitioned changes table, its indexes and routines; returns its notices. */
    public static List<String> prepareDestination(Database destination) {
        List<String> notices = new ArrayList<>();
        try (Connection c = destination.connect()) {
            runScript(c, "destination.sql", notices);
            return notices;
        } catch (SQLException e) {
            throw failure("Setting up the destination database " + destination, e);
        }
    }

    /** Runs {@code sql/source-disconnect.sql}: triggers, slot and publication are gone afterwards. */
    public static void disconnect(Database source) {
        try (Connection c = source.connect()) {
            runScript(c, "source-disconnect.sql", new ArrayList<>());
        } catch (SQLException e) {
            throw failure("Disconnecting the source database " + source, e);
        }
    }

    /** The tracked tables as {@code schema.table}: every table of schema public but the destination's own. */
    public static List<String> trackedTables(Database source) {
        String sql = "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
                + " AND coalesce(obj_description(c.oid, 'pg_class'), '') NOT LIKE 'audit-trail destination%'"
                + " ORDER BY 1, 2";
        List<String> tables = new ArrayList<>();
        try (Connection c = source.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                tables.add(rs.getString(1) + "." + rs.getString(2));
            }
        } catch (SQLException e) {
            throw failure("Listing the tables of " + source, e);
        }
        return tables;
    }

    private static void syncPublication(Connection c, List<String> tables, List<String> notices) throws SQLException {
        Set<String> published = new LinkedHashSet<>();
        try (PreparedStatement s = c.prepareStatement(
                "SELECT p.puballtables, t.schemaname, t.tablename FROM pg_publication p"
                        + " LEFT JOIN pg_publication_tables t ON t.pubname = p.pubname WHERE p.pubname = ?")) {
            s.setString(1, PUBLICATION);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    if (rs.getBoolean(1)) {
                        notices.add("Publication " + PUBLICATION + " is FOR ALL TABLES: the job filters the tracked tables itself");
                        return;
                    }
                    if (rs.getString(2) != null) {
                        published.add(rs.getString(2) + "." + rs.getString(3));
                    }
                }
            }
        }
        try (Statement s = c.createStatement()) {
            for (String table : tables) {
                if (!published.remove(table)) {
                    s.execute("ALTER PUBLICATION " + PUBLICATION + " ADD TABLE " + quoted(table));
                    notices.add("Tracking " + table);
                }
            }
            for (String table : published) {
                s.execute("ALTER PUBLICATION " + PUBLICATION + " DROP TABLE " + quoted(table));
                notices.add("No longer tracking " + table);
            }
        }
    }

    /** {@code schema.table} as a quoted SQL identifier. */
    static String quoted(String table) {
        int dot = table.indexOf('.');
        return ident(table.substring(0, dot)) + "." + ident(table.substring(dot + 1));
    }

    private static String ident(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    private static void runScript(Connection c, String name, List<String> notices) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(script(name));
            for (SQLWarning w = s.getWarnings(); w != null; w = w.getNextWarning()) {
                // "already exists, skipping" and the like are what a second run says of everything: not news
                if (!w.getMessage().endsWith(", skipping")) {
                    notices.add(name + ": " + w.getMessage());
                }
            }
        }
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
        StringBuilder message = new StringBuilder(what).append(" failed: ");
        ServerErrorMessage server = e instanceof PSQLException ? ((PSQLException) e).getServerErrorMessage() : null;
        if (server != null) {
            message.append(server.getMessage());
            if (server.getHint() != null) {
                message.append(". ").append(server.getHint());
            }
        } else {
            message.append(e.getMessage());
        }
        if ("42501".equals(e.getSQLState())) {
            message.append(". The user lacks a privilege: run setup as the database owner or a superuser"
                    + " (it needs REPLICATION, CREATE on the database, and ownership of the tracked tables).");
        }
        return new SetupException(message.toString(), e);
    }

    /** A setup step failed; the message says what to do. */
    public static final class SetupException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SetupException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
