package org.audittrail.job.config;

import org.audittrail.job.cli.PasswordValue;
import org.audittrail.job.db.Database;
import org.audittrail.job.db.Tls;
import org.audittrail.job.db.ssh.SshTunnel;

import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Source and destination connection options; every one defaults to the environment variable Bemi's container reads.
 * Passwords also come from files ({@code --db-password-file}, {@code DB_PASSWORD_FILE}), as the official PostgreSQL
 * image takes them, and a password option only as {@code --db-password=<value>} (see {@link PasswordValue}). TLS
 * settings are libpq's ({@code DB_SSLMODE}, {@code DB_SSLROOTCERT}, {@code DB_SSLCERT}, {@code DB_SSLKEY}); a key's
 * passphrase is taken as a password is. An SSH jump host ({@code SSH_HOST} and the rest) routes the source's
 * connections, and the destination's where it is the source's host, through {@link SshTunnel}.
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

    @Option(names = "--db-sslmode", defaultValue = "${env:DB_SSLMODE:-prefer}",
            description = "Source TLS mode, as libpq's: disable, allow, prefer, require, verify-ca, verify-full (DB_SSLMODE, default prefer; verify-full recommended).")
    String sslMode;

    @Option(names = "--db-sslrootcert", paramLabel = "<file>", defaultValue = "${env:DB_SSLROOTCERT}",
            description = "CA certificate(s), PEM, the source server's certificate is checked against (DB_SSLROOTCERT).")
    String sslRootCert;

    @Option(names = "--db-sslcert", paramLabel = "<file>", defaultValue = "${env:DB_SSLCERT}",
            description = "Client certificate, PEM, for the source's cert authentication (DB_SSLCERT).")
    String sslCert;

    @Option(names = "--db-sslkey", paramLabel = "<file>", defaultValue = "${env:DB_SSLKEY}",
            description = "Client key (DB_SSLKEY), as pgjdbc reads it: PKCS-8 DER (.pk8) or PKCS-12 (.p12, alias user).")
    String sslKey;

    @Option(names = "--db-sslpassword", paramLabel = "<passphrase>", preprocessor = PasswordValue.class,
            description = "Passphrase of the source's client key (DB_SSLPASSWORD), only as --db-sslpassword=<passphrase>; prefer a file.")
    String sslPassword;

    @Option(names = "--db-sslpassword-file", paramLabel = "<file>",
            description = "File holding the passphrase of the source's client key (DB_SSLPASSWORD_FILE).")
    Path sslPasswordFile;

    @Option(names = "--destination-db-sslmode", defaultValue = "${env:DESTINATION_DB_SSLMODE}",
            description = "Destination TLS mode (DESTINATION_DB_SSLMODE, default the source's).")
    String destinationSslMode;

    @Option(names = "--destination-db-sslrootcert", paramLabel = "<file>", defaultValue = "${env:DESTINATION_DB_SSLROOTCERT}",
            description = "Destination CA certificate(s) (DESTINATION_DB_SSLROOTCERT, default the source's).")
    String destinationSslRootCert;

    @Option(names = "--destination-db-sslcert", paramLabel = "<file>", defaultValue = "${env:DESTINATION_DB_SSLCERT}",
            description = "Destination client certificate (DESTINATION_DB_SSLCERT, default the source's).")
    String destinationSslCert;

    @Option(names = "--destination-db-sslkey", paramLabel = "<file>", defaultValue = "${env:DESTINATION_DB_SSLKEY}",
            description = "Destination client key (DESTINATION_DB_SSLKEY, default the source's).")
    String destinationSslKey;

    @Option(names = "--destination-db-sslpassword", paramLabel = "<passphrase>", preprocessor = PasswordValue.class,
            description = "Passphrase of the destination's client key (DESTINATION_DB_SSLPASSWORD, default the source's),"
                    + " only as --destination-db-sslpassword=<passphrase>.")
    String destinationSslPassword;

    @Option(names = "--destination-db-sslpassword-file", paramLabel = "<file>",
            description = "File holding the passphrase of the destination's client key (DESTINATION_DB_SSLPASSWORD_FILE).")
    Path destinationSslPasswordFile;

    @Option(names = "--ssh-host", defaultValue = "${env:SSH_HOST}",
            description = "SSH jump host the source is reached through (SSH_HOST); without it, the source is reached directly.")
    String sshHost;

    @Option(names = "--ssh-port", defaultValue = "${env:SSH_PORT:-22}", description = "SSH port of the jump host (SSH_PORT, default 22).")
    int sshPort;

    @Option(names = "--ssh-user", defaultValue = "${env:SSH_USER}", description = "User on the jump host (SSH_USER).")
    String sshUser;

    @Option(names = "--ssh-key-file", paramLabel = "<file>", defaultValue = "${env:SSH_KEY_FILE}",
            description = "Private key for the jump host, OpenSSH or PEM (SSH_KEY_FILE); 'audit-trail ssh-keygen' makes one.")
    String sshKeyFile;

    @Option(names = "--ssh-known-hosts", paramLabel = "<file>", defaultValue = "${env:SSH_KNOWN_HOSTS}",
            description = "known_hosts file that must hold the jump host's key (SSH_KNOWN_HOSTS, default ~/.ssh/known_hosts).")
    String sshKnownHosts;

    @Option(names = "--ssh-host-key-fingerprint", paramLabel = "<SHA256:...>", defaultValue = "${env:SSH_HOST_KEY_FINGERPRINT}",
            description = "The jump host's key fingerprint, instead of a known_hosts file (SSH_HOST_KEY_FINGERPRINT).")
    String sshHostKeyFingerprint;

    @Option(names = "--ssh-key-passphrase", paramLabel = "<passphrase>", preprocessor = PasswordValue.class,
            description = "Passphrase of the SSH key (SSH_KEY_PASSPHRASE), only as --ssh-key-passphrase=<passphrase>; prefer a file.")
    String sshKeyPassphrase;

    @Option(names = "--ssh-key-passphrase-file", paramLabel = "<file>",
            description = "File holding the passphrase of the SSH key (SSH_KEY_PASSPHRASE_FILE).")
    Path sshKeyPassphraseFile;

    public Database source() {
        return new Database(host, port, name, user, sourcePassword(), sourceTls(), tunnel());
    }

    private SshTunnel tunnel;

    /** The SSH tunnel to the source, or null without a jump host; one per command line, so its connections share a session. */
    private SshTunnel tunnel() {
        if (tunnel == null && sshHost != null && !sshHost.isBlank()) {
            tunnel = new SshTunnel(sshHost, sshPort, sshUser, sshKeyFile, sshKnownHosts, sshHostKeyFingerprint,
                    password("--ssh-key-passphrase", sshKeyPassphrase, sshKeyPassphraseFile, "SSH_KEY_PASSPHRASE"));
        }
        return tunnel;
    }

    private Tls sourceTls() {
        return new Tls(sslMode, sslRootCert, sslCert, sslKey, password("--db-sslpassword", sslPassword, sslPasswordFile, "DB_SSLPASSWORD"));
    }

    /** The destination's TLS; each setting not given is the source's. */
    private Tls destinationTls() {
        String keyPassword = password("--destination-db-sslpassword", destinationSslPassword, destinationSslPasswordFile,
                "DESTINATION_DB_SSLPASSWORD");
        return new Tls(or(destinationSslMode, sslMode), or(destinationSslRootCert, sslRootCert), or(destinationSslCert, sslCert),
                or(destinationSslKey, sslKey), keyPassword == null ? sourceTls().keyPassword() : keyPassword);
    }

    /** The destination; each setting not given is the source's, so by default changes are stored in the source database. */
    public Database destination() {
        return new Database(
                or(destinationHost, host),
                destinationPort == null ? port : destinationPort,
                or(destinationName, name),
                or(destinationUser, user),
                or(password("--destination-db-password", destinationPassword, destinationPasswordFile, "DESTINATION_DB_PASSWORD"),
                        sourcePassword()),
                destinationTls(),
                // the source's own database, by default, is behind the same jump host
                destinationHost == null || destinationHost.isEmpty() ? tunnel() : null);
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
