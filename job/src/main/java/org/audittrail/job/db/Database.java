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
package org.audittrail.job.db;

import java.io.Serializable;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.util.Properties;
import org.audittrail.job.db.ssh.SshTunnel;

/** Where a PostgreSQL database is and how to log in; its password never leaves through {@link #toString()}. */
public final class Database implements Serializable {

    private static final Driver DRIVER = new org.postgresql.Driver();

    private static final long serialVersionUID = 1L;

    /**
     * pgjdbc's count of executions after which a statement is prepared on the server; 0 never does, as a named
     * prepared statement lives on one server connection, which a pooler in transaction mode (PgBouncer) does not keep.
     */
    static final String PREPARE_THRESHOLD = "prepareThreshold";

    /** pgjdbc's switch for putting parameter values and the server's DETAIL and WHERE into its exception messages. */
    static final String LOG_SERVER_ERROR_DETAIL = "logServerErrorDetail";

    private final String host;
    private final int port;
    private final String name;
    private final String user;
    private final String password;
    private final Tls tls;
    private final SshTunnel tunnel;

    public Database(String host, int port, String name, String user, String password) {
        this(host, port, name, user, password, Tls.PREFER);
    }

    public Database(String host, int port, String name, String user, String password, Tls tls) {
        this(host, port, name, user, password, tls, null);
    }

    /** As the others, every connection through {@code tunnel} where it is not null; {@code host} is then as the jump host resolves it. */
    public Database(String host, int port, String name, String user, String password, Tls tls, SshTunnel tunnel) {
        this.tls = tls;
        this.tunnel = tunnel;
        this.host = host;
        this.port = port;
        this.name = name;
        this.user = user;
        this.password = password == null ? "" : password;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public String name() {
        return name;
    }

    public String user() {
        return user;
    }

    /** The password, for the connectors that need it; never log it. */
    public String password() {
        return password;
    }

    /** How connections use TLS; the same for every connection to this database. */
    public Tls tls() {
        return tls;
    }

    /** The SSH tunnel connections go through, or null for direct connections. */
    public SshTunnel tunnel() {
        return tunnel;
    }

    /** The JDBC URL, without credentials. */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + name;
    }

    /** A new connection, credentials passed as properties so they never appear in a URL. */
    public Connection connect() throws SQLException {
        return connect(new Properties());
    }

    /** A walsender connection, for the replication commands (ALTER_REPLICATION_SLOT) that have no SQL function. */
    public Connection connectForReplication() throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("replication", "database");
        properties.setProperty("preferQueryMode", "simple");
        properties.setProperty("assumeMinServerVersion", "10");
        return connect(properties);
    }

    private Connection connect(Properties properties) throws SQLException {
        properties.setProperty("user", user);
        properties.setProperty("password", password);
        properties.setProperty("ApplicationName", "audit-trail");
        tls.addTo(properties);
        if (tunnel != null) {
            tunnel.driverProperties().forEach(properties::setProperty);
        }
        // row data never in exceptions: the server's DETAIL ("Failing row contains ...") and WHERE quote values
        properties.setProperty(LOG_SERVER_ERROR_DETAIL, "false");
        // works through a pooler in transaction mode: no statement outlives its transaction
        properties.setProperty(PREPARE_THRESHOLD, "0");
        try {
            // the jar's own (relocated) driver, never another pgjdbc that Flink's lib/ or the class path may carry
            Connection connection = DRIVER.connect(jdbcUrl(), properties);
            if (connection == null) {
                throw new SQLException("not a PostgreSQL JDBC URL: " + jdbcUrl());
            }
            return connection;
        } catch (SQLException e) {
            // the TLS settings tell which CA, host name or client certificate a refused handshake was checked against
            throw new SQLException(
                    "Cannot connect to " + this + " (" + tls + "): " + e.getMessage() + tls.hint(e, host)
                            + SshTunnel.hint(e),
                    e.getSQLState(),
                    e);
        }
    }

    /** Whether both name the same database on the same server, as far as the settings tell. */
    public boolean sameAs(Database other) {
        return host.equals(other.host) && port == other.port && name.equals(other.name);
    }

    @Override
    public String toString() {
        return user + "@" + host + ":" + port + "/" + name + (tunnel == null ? "" : " (" + tunnel + ")");
    }

    /** Closes a connection that may be broken already; null does nothing. Returns null, for the field that held it. */
    public static Connection closeQuietly(Connection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                // already broken: nothing more to release
            }
        }
        return null;
    }
}
