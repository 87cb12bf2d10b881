package org.audittrail.job;

import picocli.CommandLine.Option;

/** Source and destination connection options; every one defaults to the environment variable Bemi's container reads. */
public class DatabaseOptions {

    @Option(names = "--db-host", defaultValue = "${env:DB_HOST:-localhost}", description = "Source host (DB_HOST, default localhost).")
    String host;

    @Option(names = "--db-port", defaultValue = "${env:DB_PORT:-5432}", description = "Source port (DB_PORT, default 5432).")
    int port;

    @Option(names = "--db-name", defaultValue = "${env:DB_NAME:-postgres}", description = "Source database (DB_NAME, default postgres).")
    String name;

    @Option(names = "--db-user", defaultValue = "${env:DB_USER:-postgres}", description = "Source user (DB_USER, default postgres).")
    String user;

    @Option(names = "--db-password", defaultValue = "${env:DB_PASSWORD:-}", description = "Source password (DB_PASSWORD); prefer the variable, arguments show in process lists.")
    String password;

    @Option(names = "--destination-db-host", defaultValue = "${env:DESTINATION_DB_HOST}", description = "Destination host (DESTINATION_DB_HOST, default the source's).")
    String destinationHost;

    @Option(names = "--destination-db-port", defaultValue = "${env:DESTINATION_DB_PORT}", description = "Destination port (DESTINATION_DB_PORT, default the source's).")
    Integer destinationPort;

    @Option(names = "--destination-db-name", defaultValue = "${env:DESTINATION_DB_NAME}", description = "Destination database (DESTINATION_DB_NAME, default the source's).")
    String destinationName;

    @Option(names = "--destination-db-user", defaultValue = "${env:DESTINATION_DB_USER}", description = "Destination user (DESTINATION_DB_USER, default the source's).")
    String destinationUser;

    @Option(names = "--destination-db-password", defaultValue = "${env:DESTINATION_DB_PASSWORD}", description = "Destination password (DESTINATION_DB_PASSWORD, default the source's).")
    String destinationPassword;

    public Database source() {
        return new Database(host, port, name, user, password);
    }

    /** The destination; each setting not given is the source's, so by default changes are stored in the source database. */
    public Database destination() {
        return new Database(
                or(destinationHost, host),
                destinationPort == null ? port : destinationPort,
                or(destinationName, name),
                or(destinationUser, user),
                or(destinationPassword, password));
    }

    private static String or(String value, String fallback) {
        return value == null || value.isEmpty() ? fallback : value;
    }
}
