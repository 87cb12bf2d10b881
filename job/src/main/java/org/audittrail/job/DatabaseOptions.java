package org.audittrail.job;

import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Source and destination connection options; every one defaults to the environment variable Bemi's container reads.
 * Passwords also come from files ({@code --db-password-file}, {@code DB_PASSWORD_FILE}), as the official PostgreSQL
 * image takes them, and a password option only as {@code --db-password=<value>} (see {@link PasswordValue}).
 */
public class DatabaseOptions {

    @Option(names = "--db-host", defaultValue = "${env:DB_HOST:-localhost}", description = "Source host (DB_HOST, default localhost).")
    String host;

    @Option(names = "--db-port", defaultValue = "${env:DB_PORT:-5432}", description = "Source port (DB_PORT, default 5432).")
    int port;

    @Option(names = "--db-name", defaultValue = "${env:DB_NAME:-postgres}", description = "Source database (DB_NAME, default postgres).")
    String name;

    @Option(names = "--db-user", defaultValue = "${env:DB_USER:-postgres}", description = "Source user (DB_USER, default postgres).")
    String user;

    @Option(names = "--db-password", paramLabel = "<password>", preprocessor = PasswordValue.class,
            description = "Source password (DB_PASSWORD), only as --db-password=<password>; prefer a file, arguments show in process lists.")
    String password;

    @Option(names = "--db-password-file", paramLabel = "<file>",
            description = "File holding the source password (DB_PASSWORD_FILE); a trailing line break is dropped.")
    Path passwordFile;

    @Option(names = "--destination-db-host", defaultValue = "${env:DESTINATION_DB_HOST}", description = "Destination host (DESTINATION_DB_HOST, default the source's).")
    String destinationHost;

    @Option(names = "--destination-db-port", defaultValue = "${env:DESTINATION_DB_PORT}", description = "Destination port (DESTINATION_DB_PORT, default the source's).")
    Integer destinationPort;

    @Option(names = "--destination-db-name", defaultValue = "${env:DESTINATION_DB_NAME}", description = "Destination database (DESTINATION_DB_NAME, default the source's).")
    String destinationName;

    @Option(names = "--destination-db-user", defaultValue = "${env:DESTINATION_DB_USER}", description = "Destination user (DESTINATION_DB_USER, default the source's).")
    String destinationUser;

    @Option(names = "--destination-db-password", paramLabel = "<password>", preprocessor = PasswordValue.class,
            description = "Destination password (DESTINATION_DB_PASSWORD, default the source's), only as --destination-db-password=<password>.")
    String destinationPassword;

    @Option(names = "--destination-db-password-file", paramLabel = "<file>",
            description = "File holding the destination password (DESTINATION_DB_PASSWORD_FILE).")
    Path destinationPasswordFile;

    public Database source() {
        return new Database(host, port, name, user, sourcePassword());
    }

    /** The destination; each setting not given is the source's, so by default changes are stored in the source database. */
    public Database destination() {
        return new Database(
                or(destinationHost, host),
                destinationPort == null ? port : destinationPort,
                or(destinationName, name),
                or(destinationUser, user),
                or(password("--destination-db-password", destinationPassword, destinationPasswordFile, "DESTINATION_DB_PASSWORD"),
                        sourcePassword()));
    }

    private String sourcePassword() {
        String given = password("--db-password", password, passwordFile, "DB_PASSWORD");
        return given == null ? "" : given;
    }

    /**
     * A password from, in this order, its option or its file option (not both), or the variable {@code variable} or
     * {@code variable_FILE} (not both, as the official PostgreSQL image has it); null where none is set.
     */
    private String password(String option, String value, Path file, String variable) {
        if (value != null && file != null) {
            throw new IllegalArgumentException(option + " and " + option + "-file are both given: give one of them");
        }
        if (value != null) {
            return value;
        }
        if (file != null) {
            return read(file, option + "-file");
        }
        String fromVariable = System.getenv(variable);
        String fileVariable = System.getenv(variable + "_FILE");
        boolean hasValue = fromVariable != null && !fromVariable.isEmpty();
        boolean hasFile = fileVariable != null && !fileVariable.isEmpty();
        if (hasValue && hasFile) {
            throw new IllegalArgumentException("Both " + variable + " and " + variable + "_FILE are set, but they exclude each other");
        }
        return hasFile ? read(Path.of(fileVariable), variable + "_FILE") : hasValue ? fromVariable : null;
    }

    /** The file's text without its trailing line breaks, as a shell's {@code $(< file)} reads it; never says its content. */
    private static String read(Path file, String givenBy) {
        try {
            String text = Files.readString(file);
            int end = text.length();
            while (end > 0 && (text.charAt(end - 1) == '\n' || text.charAt(end - 1) == '\r')) {
                end--;
            }
            return text.substring(0, end);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("Cannot read the password file " + file + " given by " + givenBy + ": "
                    + e.getClass().getSimpleName(), e);
        }
    }

    private static String or(String value, String fallback) {
        return value == null || value.isEmpty() ? fallback : value;
    }
}
