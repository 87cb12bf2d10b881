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
package org.audittrail.job.config;

import static org.audittrail.job.config.Options.*;

import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Map;
import org.audittrail.job.chain.ChainVerifier;
import org.audittrail.job.chain.ErasureRequest;
import org.audittrail.job.chain.HeadBucket;
import org.audittrail.job.chain.S3Credentials;
import org.audittrail.job.chain.SignedHead;
import org.audittrail.job.db.BrowserRole;
import org.audittrail.job.db.Database;
import org.audittrail.job.db.Tls;
import org.audittrail.job.db.ssh.SshTunnel;
import org.audittrail.job.setup.Replication;
import org.audittrail.job.undo.UndoRequest;
import org.audittrail.udf.privacy.PolicyFile;
import org.audittrail.udf.privacy.PrivacyPolicy;
import org.audittrail.udf.selection.IgnoredColumns;
import org.audittrail.udf.selection.TableSelection;

/**
 * The job's configuration: built once from arguments, environment and {@code *_FILE} files by {@link #from}, validated
 * there (each bad value refused in one line naming the option, the value and what is allowed), then passed down.
 * Its text never holds a password: {@link Database} names user, host and database only.
 */
public record JobConfig(
        Database source,
        Database destination,
        TableSelection tables,
        IgnoredColumns ignoredColumns,
        PrivacyPolicy privacyPolicy,
        Snapshot snapshot,
        boolean hashChain,
        ChainHeads chainHeads,
        ChainVerifier.Range verifyRange,
        int verifyParallelism,
        ErasureRequest erasure,
        UndoRequest undo,
        Replication replication,
        int retentionDays,
        boolean imageIndexes,
        long checkpointIntervalMs,
        int batchSize,
        long flushIntervalMs,
        boolean allowRestoreBehindSlot,
        boolean skipSetup,
        boolean printSql,
        BrowserRole browserRole,
        long heartbeatIntervalMs,
        long publicationCheckIntervalMs,
        long slotLagIntervalMs) {

    /** The configuration from the text given to each option (by name; a flag as "true") and the environment. */
    public static JobConfig from(Map<String, String> arguments, Map<String, String> environment) {
        OptionValues values = new OptionValues(arguments, environment);
        Tls sourceTls = tls(
                values,
                DB_SSLMODE,
                values.text(DB_SSLROOTCERT),
                values.text(DB_SSLCERT),
                values.text(DB_SSLKEY),
                values.text(DB_SSLPASSWORD));
        String destinationKeyPassword = values.text(DESTINATION_DB_SSLPASSWORD);
        Tls destinationTls = tls(
                values,
                values.text(DESTINATION_DB_SSLMODE) == null ? DB_SSLMODE : DESTINATION_DB_SSLMODE,
                or(values.text(DESTINATION_DB_SSLROOTCERT), values.text(DB_SSLROOTCERT)),
                or(values.text(DESTINATION_DB_SSLCERT), values.text(DB_SSLCERT)),
                or(values.text(DESTINATION_DB_SSLKEY), values.text(DB_SSLKEY)),
                destinationKeyPassword == null ? sourceTls.keyPassword() : destinationKeyPassword);
        SshTunnel tunnel = tunnel(values);
        String password = values.text(DB_PASSWORD) == null ? "" : values.text(DB_PASSWORD);
        int port = number(values, DB_PORT, 1, 65535, "a port number from 1 to 65535");
        Database source = new Database(
                values.text(DB_HOST), port, values.text(DB_NAME), values.text(DB_USER), password, sourceTls, tunnel);
        String destinationHost = values.text(DESTINATION_DB_HOST);
        Database destination = new Database(
                or(destinationHost, source.host()),
                values.text(DESTINATION_DB_PORT) == null
                        ? port
                        : number(values, DESTINATION_DB_PORT, 1, 65535, "a port number from 1 to 65535"),
                or(values.text(DESTINATION_DB_NAME), values.text(DB_NAME)),
                or(values.text(DESTINATION_DB_USER), values.text(DB_USER)),
                or(values.text(DESTINATION_DB_PASSWORD), password),
                destinationTls,
                // the source's own server, by default, is behind the same jump host: one tunnel, one session
                destinationHost == null ? tunnel : null);
        return new JobConfig(
                source,
                destination,
                TableSelection.of(values.list(TABLES), values.list(EXCLUDE_TABLES)),
                IgnoredColumns.of(values.list(IGNORE_COLUMNS), values.flag(ALLOW_IGNORING_EVERY_COLUMN)),
                privacyPolicy(values),
                snapshot(values),
                values.flag(HASH_CHAIN),
                chainHeads(values),
                new ChainVerifier.Range(Requests.time(values, VERIFY_SINCE), Requests.time(values, VERIFY_UNTIL)),
                values.text(VERIFY_PARALLELISM) == null
                        ? Runtime.getRuntime().availableProcessors()
                        : number(values, VERIFY_PARALLELISM, 1, 64, "a number of parts from 1 to 64"),
                Requests.erasure(values),
                Requests.undo(values),
                new Replication(name(values, SLOT_NAME), name(values, PUBLICATION_NAME), values.flag(SLOT_FAILOVER)),
                number(values, RETENTION_DAYS, 0, 36_500, "a number of days from 0 (keep every change) to 36500"),
                !values.flag(NO_IMAGE_INDEXES),
                number(values, CHECKPOINT_INTERVAL_MS, 10, Long.MAX_VALUE, "milliseconds, at least 10"),
                number(values, BATCH_SIZE, 1, 1_000_000, "a number of changes from 1 to 1000000"),
                number(values, FLUSH_INTERVAL_MS, 1, Long.MAX_VALUE, "milliseconds, at least 1"),
                values.flag(ALLOW_RESTORE_BEHIND_SLOT),
                values.flag(SKIP_SETUP),
                values.flag(PRINT_SQL),
                browserRole(values),
                number(values, HEARTBEAT_INTERVAL_MS, 1, Long.MAX_VALUE, "milliseconds, at least 1"),
                number(values, PUBLICATION_CHECK_INTERVAL_MS, 1, Long.MAX_VALUE, "milliseconds, at least 1"),
                number(values, SLOT_LAG_INTERVAL_MS, 1, Long.MAX_VALUE, "milliseconds, at least 1"));
    }

    /**
     * Signed chain heads: where they are written or read, the key that signs them (the job) or checks them (verify),
     * and how often; null without --chain-heads-dir.
     */
    public record ChainHeads(
            Path dir, HeadBucket bucket, SignedHead.Keys.Signing signingKey, PublicKey publicKey, long intervalMs) {}

    private static ChainHeads chainHeads(OptionValues values) {
        String dir = values.text(CHAIN_HEADS_DIR);
        String signing = values.text(CHAIN_SIGNING_KEY_FILE);
        String checking = values.text(CHAIN_PUBLIC_KEY_FILE);
        long interval = number(values, CHAIN_SIGN_INTERVAL_MS, 1, Long.MAX_VALUE, "milliseconds, at least 1");
        if (signing != null && !values.flag(HASH_CHAIN) && !Requests.erasing(values)) {
            throw new IllegalArgumentException(CHAIN_SIGNING_KEY_FILE.name() + " signs the hash chain's heads: give "
                    + HASH_CHAIN.name() + " too, or leave it out");
        }
        String url = values.text(CHAIN_HEADS_S3_URL);
        if (dir == null && (signing != null || (checking != null && url == null))) {
            throw new IllegalArgumentException((signing != null ? CHAIN_SIGNING_KEY_FILE : CHAIN_PUBLIC_KEY_FILE).name()
                    + " is for signed chain heads: give " + CHAIN_HEADS_DIR.name() + " too");
        }
        if (dir == null && url == null) {
            return null;
        }
        if (signing == null && checking == null) {
            throw new IllegalArgumentException((dir != null ? CHAIN_HEADS_DIR : CHAIN_HEADS_S3_URL).name()
                    + " holds signed chain heads: give " + CHAIN_SIGNING_KEY_FILE.name()
                    + " (the job, to write them) or "
                    + CHAIN_PUBLIC_KEY_FILE.name() + " (verify, to check them)");
        }
        HeadBucket bucket = null;
        if (url != null) {
            String accessKey = values.text(CHAIN_HEADS_S3_ACCESS_KEY);
            String secretKey = values.text(CHAIN_HEADS_S3_SECRET_KEY);
            String file = values.text(CHAIN_HEADS_S3_CREDENTIALS_FILE);
            S3Credentials credentials;
            if (file != null && (accessKey != null || secretKey != null)) {
                throw new IllegalArgumentException(CHAIN_HEADS_S3_URL.name() + " takes its credentials from "
                        + CHAIN_HEADS_S3_CREDENTIALS_FILE.name() + " or from " + CHAIN_HEADS_S3_ACCESS_KEY.name()
                        + " and " + CHAIN_HEADS_S3_SECRET_KEY.name() + ", not both");
            } else if (file != null) {
                credentials = new S3Credentials.File(file, values.text(CHAIN_HEADS_S3_PROFILE));
                try {
                    credentials.current(); // read once now: a wrong file or profile is said at start
                } catch (java.io.IOException e) {
                    throw new IllegalArgumentException(CHAIN_HEADS_S3_CREDENTIALS_FILE.name() + " " + e.getMessage());
                }
            } else if (accessKey == null || secretKey == null) {
                throw new IllegalArgumentException(CHAIN_HEADS_S3_URL.name() + " needs credentials: give "
                        + CHAIN_HEADS_S3_ACCESS_KEY.name() + " and " + CHAIN_HEADS_S3_SECRET_KEY.name() + "-file (or "
                        + CHAIN_HEADS_S3_ACCESS_KEY.variable() + " and " + CHAIN_HEADS_S3_SECRET_KEY.variable()
                        + "), or " + CHAIN_HEADS_S3_CREDENTIALS_FILE.name() + " for temporary credentials");
            } else {
                credentials = new S3Credentials.Keys(accessKey, secretKey, null);
            }
            try {
                bucket = HeadBucket.of(
                        url, values.text(CHAIN_HEADS_S3_ENDPOINT), values.text(CHAIN_HEADS_S3_REGION), credentials);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(CHAIN_HEADS_S3_URL.name() + " " + url + " " + e.getMessage());
            }
        }
        try {
            return new ChainHeads(
                    dir == null ? null : Path.of(dir),
                    bucket,
                    signing == null ? null : SignedHead.Keys.signing(Path.of(signing)),
                    checking == null ? null : SignedHead.Keys.verifying(Path.of(checking)),
                    interval);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException((signing != null
                            ? CHAIN_SIGNING_KEY_FILE.name() + " " + signing
                            : CHAIN_PUBLIC_KEY_FILE.name() + " " + checking)
                    + " " + e.getMessage());
        }
    }

    /** The privacy policy of --privacy-policy-file, checked once; none without it. */
    private static PrivacyPolicy privacyPolicy(OptionValues values) {
        String file = values.text(PRIVACY_POLICY_FILE);
        String keyFile = values.text(PRIVACY_HASH_KEY_FILE);
        if (file == null) {
            if (keyFile != null) {
                throw new IllegalArgumentException(
                        PRIVACY_HASH_KEY_FILE.name() + " is for a policy's hash action: give "
                                + PRIVACY_POLICY_FILE.name() + " too, or leave it out");
            }
            return PrivacyPolicy.none();
        }
        try {
            byte[] key = keyFile == null ? null : java.nio.file.Files.readAllBytes(java.nio.file.Path.of(keyFile));
            return PolicyFile.parse(java.nio.file.Files.readString(java.nio.file.Path.of(file)), key);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("Cannot read " + (e.getMessage() == null ? file : e.getMessage())
                    + " given by " + PRIVACY_POLICY_FILE.name() + " or " + PRIVACY_HASH_KEY_FILE.name() + ": "
                    + e.getClass().getSimpleName());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PRIVACY_POLICY_FILE.name() + " " + file + " " + e.getMessage());
        }
    }

    /** The change browser's role, or null where none is asked for; a password alone is a mistake. */
    private static BrowserRole browserRole(OptionValues values) {
        String name = values.text(BROWSER_ROLE);
        String password = values.text(BROWSER_ROLE_PASSWORD);
        if (name == null && password != null) {
            throw new IllegalArgumentException(BROWSER_ROLE_PASSWORD.name() + " needs " + BROWSER_ROLE.name() + " (or "
                    + BROWSER_ROLE.variable() + "), the role it is the password of");
        }
        return name == null ? null : new BrowserRole(name, password);
    }

    /** The job's name in the web UI; it names the source database, never its password. */
    public String jobName() {
        return "audit-trail " + source;
    }

    private static SshTunnel tunnel(OptionValues values) {
        String host = values.text(SSH_HOST);
        if (host == null || host.isBlank()) {
            return null;
        }
        return new SshTunnel(
                host,
                number(values, SSH_PORT, 1, 65535, "a port number from 1 to 65535"),
                values.text(SSH_USER),
                values.text(SSH_KEY_FILE),
                values.text(SSH_KNOWN_HOSTS),
                values.text(SSH_HOST_KEY_FINGERPRINT),
                values.text(SSH_KEY_PASSPHRASE));
    }

    /**
     * The baseline snapshot: whether the first start takes it, whether a restore takes it of tables not snapshotted
     * yet, and the rows per chunk.
     */
    public record Snapshot(boolean initial, boolean newTables, int chunkRows) {
        public static final Snapshot NEVER = new Snapshot(false, false, 20_000);
    }

    private static Snapshot snapshot(OptionValues values) {
        OptionValues.Given mode = values.given(SNAPSHOT);
        if (!mode.text().equals("initial") && !mode.text().equals("never")) {
            throw refused(mode, "initial or never");
        }
        boolean initial = mode.text().equals("initial");
        if (!initial && values.flag(SNAPSHOT_NEW_TABLES)) {
            throw new IllegalArgumentException(SNAPSHOT_NEW_TABLES.name() + " takes baselines: give " + SNAPSHOT.name()
                    + " initial too, or leave it out");
        }
        return new Snapshot(
                initial,
                values.flag(SNAPSHOT_NEW_TABLES),
                number(values, SNAPSHOT_CHUNK_ROWS, 100, 10_000_000, "a number of rows from 100 to 10000000"));
    }

    private static Tls tls(
            OptionValues values, Option mode, String rootCert, String cert, String key, String keyPassword) {
        String text = values.text(mode);
        if (!Tls.MODES.contains(text)) {
            throw refused(values.given(mode), "one of " + String.join(", ", Tls.MODES));
        }
        return new Tls(text, rootCert, cert, key, keyPassword);
    }

    /** A slot's or publication's name: what PostgreSQL allows in a slot's, so it needs no quoting anywhere. */
    private static String name(OptionValues values, Option option) {
        OptionValues.Given given = values.given(option);
        if (!given.text().matches("[a-z0-9_]{1,63}")) {
            throw refused(given, "lowercase letters, digits and _, at most 63");
        }
        return given.text();
    }

    private static int number(OptionValues values, Option option, int min, int max, String allowed) {
        return (int) number(values, option, min, (long) max, allowed);
    }

    static long number(OptionValues values, Option option, long min, long max, String allowed) {
        OptionValues.Given given = values.given(option);
        try {
            long number = Long.parseLong(given.text().strip());
            if (number >= min && number <= max) {
                return number;
            }
        } catch (NumberFormatException e) {
            // refused below, as a number out of range is
        }
        throw refused(given, allowed);
    }

    static IllegalArgumentException refused(OptionValues.Given given, String allowed) {
        return new IllegalArgumentException(given.by() + " is '" + given.text() + "': use " + allowed);
    }

    private static String or(String value, String fallback) {
        return value == null ? fallback : value;
    }
}
