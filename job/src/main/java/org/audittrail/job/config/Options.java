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

import static org.audittrail.job.config.Option.Group.BROWSER;
import static org.audittrail.job.config.Option.Group.CHAIN;
import static org.audittrail.job.config.Option.Group.CHECKPOINTS;
import static org.audittrail.job.config.Option.Group.DESTINATION;
import static org.audittrail.job.config.Option.Group.ERASE;
import static org.audittrail.job.config.Option.Group.METRICS;
import static org.audittrail.job.config.Option.Group.SETUP;
import static org.audittrail.job.config.Option.Group.SOURCE;
import static org.audittrail.job.config.Option.Group.SSH;
import static org.audittrail.job.config.Option.Group.TLS;
import static org.audittrail.job.config.Option.Group.TRACKING;
import static org.audittrail.job.config.Option.Group.UNDO;
import static org.audittrail.job.config.Option.Group.VERIFY;

import java.util.List;
import org.audittrail.job.config.Option.Group;
import org.audittrail.job.config.Option.Kind;

/** Every option of the job, once; each defaults to the environment variable Bemi's container reads, where it has one. */
public final class Options {

    private Options() {}

    private static final String SOURCES = "the source's";

    public static final Option DB_HOST = value("--db-host", "DB_HOST", SOURCE, "localhost", "<host>", "Source host.");
    public static final Option DB_PORT = value("--db-port", "DB_PORT", SOURCE, "5432", "<port>", "Source port.");
    public static final Option DB_NAME =
            value("--db-name", "DB_NAME", SOURCE, "postgres", "<name>", "Source database.");
    public static final Option DB_USER = value("--db-user", "DB_USER", SOURCE, "postgres", "<user>", "Source user.");
    public static final Option DB_PASSWORD = secret(
            "--db-password",
            "DB_PASSWORD",
            SOURCE,
            "<password>",
            "Source password, only as --db-password=<password>; prefer --db-password-file, as arguments show in process lists"
                    + " and Flink's logs.");

    public static final Option SLOT_NAME = value(
            "--slot-name",
            "SLOT_NAME",
            SOURCE,
            "bemi",
            "<name>",
            "Replication slot the job reads through (slot names are the server's: give each job on one server its own).");
    public static final Option PUBLICATION_NAME = value(
            "--publication-name",
            "PUBLICATION_NAME",
            SOURCE,
            "bemi",
            "<name>",
            "Publication of the tracked tables (one name per database: setup's event trigger adds new tables to it).");

    public static final Option SLOT_FAILOVER = flag(
            "--slot-failover",
            SOURCE,
            "PostgreSQL 17+: create the slot with failover = true (and alter one without), so standbys keep it in sync"
                    + " and a managed primary's failover keeps it; refused on older servers.");

    public static final Option DESTINATION_DB_HOST = derived(
            "--destination-db-host",
            "DESTINATION_DB_HOST",
            DESTINATION,
            "<host>",
            "Destination host, where the changes table lives.");
    public static final Option DESTINATION_DB_PORT =
            derived("--destination-db-port", "DESTINATION_DB_PORT", DESTINATION, "<port>", "Destination port.");
    public static final Option DESTINATION_DB_NAME =
            derived("--destination-db-name", "DESTINATION_DB_NAME", DESTINATION, "<name>", "Destination database.");
    public static final Option DESTINATION_DB_USER =
            derived("--destination-db-user", "DESTINATION_DB_USER", DESTINATION, "<user>", "Destination user.");
    public static final Option DESTINATION_DB_PASSWORD = new Option(
            "--destination-db-password",
            "DESTINATION_DB_PASSWORD",
            DESTINATION,
            Kind.SECRET,
            null,
            SOURCES,
            "<password>",
            "Destination password, only as --destination-db-password=<password>.");
    public static final Option RETENTION_DAYS = value(
            "--retention-days",
            "RETENTION_DAYS",
            DESTINATION,
            "0",
            "<days>",
            "Days of changes kept: older daily partitions are dropped; 0 keeps every change.");
    public static final Option NO_IMAGE_INDEXES = flag(
            "--no-image-indexes",
            DESTINATION,
            "Setup leaves out (or drops) the GIN indexes of before and after, for a trail nobody queries by an image's"
                    + " values (after @> ...): about a fifth less server CPU and a quarter less WAL per stored change; such queries"
                    + " then read every partition of their time range (docs/query.md#indexes).");

    public static final Option DB_SSLMODE = value(
            "--db-sslmode",
            "DB_SSLMODE",
            TLS,
            "prefer",
            "<mode>",
            "Source TLS mode: disable, allow, prefer, require, verify-ca or verify-full (recommended, with --db-sslrootcert).");
    public static final Option DB_SSLROOTCERT = value(
            "--db-sslrootcert",
            "DB_SSLROOTCERT",
            TLS,
            null,
            "<file>",
            "CA certificate(s), PEM, the source server's certificate is checked against.");
    public static final Option DB_SSLCERT = value(
            "--db-sslcert",
            "DB_SSLCERT",
            TLS,
            null,
            "<file>",
            "Client certificate, PEM, for the source's cert authentication.");
    public static final Option DB_SSLKEY = value(
            "--db-sslkey",
            "DB_SSLKEY",
            TLS,
            null,
            "<file>",
            "Client key, as pgjdbc reads it: PKCS-8 DER (.pk8) or PKCS-12 (.p12, alias user).");
    public static final Option DB_SSLPASSWORD = secret(
            "--db-sslpassword",
            "DB_SSLPASSWORD",
            TLS,
            "<passphrase>",
            "Passphrase of the source's client key, only as --db-sslpassword=<passphrase>; prefer a file.");
    public static final Option DESTINATION_DB_SSLMODE =
            derived("--destination-db-sslmode", "DESTINATION_DB_SSLMODE", TLS, "<mode>", "Destination TLS mode.");
    public static final Option DESTINATION_DB_SSLROOTCERT = derived(
            "--destination-db-sslrootcert",
            "DESTINATION_DB_SSLROOTCERT",
            TLS,
            "<file>",
            "Destination CA certificate(s).");
    public static final Option DESTINATION_DB_SSLCERT = derived(
            "--destination-db-sslcert", "DESTINATION_DB_SSLCERT", TLS, "<file>", "Destination client certificate.");
    public static final Option DESTINATION_DB_SSLKEY =
            derived("--destination-db-sslkey", "DESTINATION_DB_SSLKEY", TLS, "<file>", "Destination client key.");
    public static final Option DESTINATION_DB_SSLPASSWORD = new Option(
            "--destination-db-sslpassword",
            "DESTINATION_DB_SSLPASSWORD",
            TLS,
            Kind.SECRET,
            null,
            SOURCES,
            "<passphrase>",
            "Passphrase of the destination's client key, only as --destination-db-sslpassword=<passphrase>.");

    public static final Option SSH_HOST = value(
            "--ssh-host",
            "SSH_HOST",
            SSH,
            null,
            "<host>",
            "SSH jump host the source is reached through; without it, the source is reached directly.");
    public static final Option SSH_PORT =
            value("--ssh-port", "SSH_PORT", SSH, "22", "<port>", "SSH port of the jump host.");
    public static final Option SSH_USER =
            value("--ssh-user", "SSH_USER", SSH, null, "<user>", "User on the jump host.");
    public static final Option SSH_KEY_FILE = value(
            "--ssh-key-file",
            "SSH_KEY_FILE",
            SSH,
            null,
            "<file>",
            "Private key for the jump host, OpenSSH or PEM; 'audit-trail ssh-keygen' makes one.");
    public static final Option SSH_KNOWN_HOSTS = new Option(
            "--ssh-known-hosts",
            "SSH_KNOWN_HOSTS",
            SSH,
            Kind.VALUE,
            null,
            "~/.ssh/known_hosts",
            "<file>",
            "known_hosts file that must hold the jump host's key.");
    public static final Option SSH_HOST_KEY_FINGERPRINT = value(
            "--ssh-host-key-fingerprint",
            "SSH_HOST_KEY_FINGERPRINT",
            SSH,
            null,
            "<SHA256:...>",
            "The jump host's key fingerprint, instead of a known_hosts file.");
    public static final Option SSH_KEY_PASSPHRASE = secret(
            "--ssh-key-passphrase",
            "SSH_KEY_PASSPHRASE",
            SSH,
            "<passphrase>",
            "Passphrase of the SSH key, only as --ssh-key-passphrase=<passphrase>; prefer a file.");

    public static final Option TABLES = new Option(
            "--tables",
            "TRACK_TABLES",
            TRACKING,
            Kind.LIST,
            "public.*",
            null,
            "<pattern>",
            "Tracked tables, schema.table with * wildcards, comma-separated; a name holding dots, commas, quotes or *"
                    + " in double quotes, as in SQL (\"my.schema\".*).");
    public static final Option EXCLUDE_TABLES = new Option(
            "--exclude-tables",
            "EXCLUDE_TABLES",
            TRACKING,
            Kind.LIST,
            null,
            null,
            "<pattern>",
            "Tables not tracked though --tables matches them, schema.table with * wildcards.");
    public static final Option IGNORE_COLUMNS = new Option(
            "--ignore-columns",
            "IGNORE_COLUMNS",
            TRACKING,
            Kind.LIST,
            null,
            null,
            "<pattern>",
            "Ignore-change columns: schema.table.column, table.column or column, with * wildcards"
                    + " (e.g. public.todo.updated_at,*.updated_at); an UPDATE of only these is not stored.");
    public static final Option ALLOW_IGNORING_EVERY_COLUMN = flag(
            "--allow-ignoring-every-column",
            TRACKING,
            "Accept an --ignore-columns rule whose column part is * (no UPDATE of the tables it selects is recorded).");

    public static final Option PRIVACY_POLICY_FILE = value(
            "--privacy-policy-file",
            "PRIVACY_POLICY_FILE",
            TRACKING,
            null,
            "<file>",
            "A JSON privacy policy: per column and context key, keep, drop, mask, hash or truncate the value before it"
                    + " leaves the source's stage (docs/privacy.md); read at each start.");
    public static final Option PRIVACY_HASH_KEY_FILE = value(
            "--privacy-hash-key-file",
            "PRIVACY_HASH_KEY_FILE",
            TRACKING,
            null,
            "<file>",
            "The key the policy's hash action uses (HMAC-SHA256), at least 16 bytes: head -c 32 /dev/urandom > key.");

    public static final Option SNAPSHOT = value(
            "--snapshot",
            "SNAPSHOT",
            TRACKING,
            "never",
            "<mode>",
            "initial: on the first start, store every tracked row once as its record's baseline (operation SNAPSHOT),"
                    + " read in chunks by Flink CDC's incremental snapshot while changes go on (docs/query.md#baseline);"
                    + " never: changes from the start on only.");
    public static final Option SNAPSHOT_NEW_TABLES = flag(
            "--snapshot-new-tables",
            TRACKING,
            "With --snapshot initial: at a start from a checkpoint or savepoint, take the baseline of each tracked table"
                    + " the job has not snapshotted yet (a new table, a wider --tables), without reading the others again.");
    public static final Option SNAPSHOT_CHUNK_ROWS = value(
            "--snapshot-chunk-rows",
            "SNAPSHOT_CHUNK_ROWS",
            TRACKING,
            "20000",
            "<rows>",
            "Rows per chunk of the baseline snapshot: each chunk is read in one query and handed over to the WAL on its"
                    + " own, and is read again whole after a restore; the TaskManager's heap holds the rows of two chunks at a time.");

    public static final Option HASH_CHAIN = flag(
            "--hash-chain",
            CHAIN,
            "Chain each stored change to the one before it in its database with a SHA-256 link (chain_sequence,"
                    + " chain_hash), so that an edit, a deletion or an insertion in changes is found by the verify"
                    + " command (docs/tamper-evidence.md).");

    public static final Option CHAIN_SIGNING_KEY_FILE = value(
            "--chain-signing-key-file",
            "CHAIN_SIGNING_KEY_FILE",
            CHAIN,
            null,
            "<file>",
            "An Ed25519 private key in PEM (openssl genpkey -algorithm ed25519 -out chain.key): the job signs each"
                    + " database's chain head with it, at most every --chain-sign-interval-ms, into --chain-heads-dir.");
    public static final Option CHAIN_HEADS_DIR = value(
            "--chain-heads-dir",
            "CHAIN_HEADS_DIR",
            CHAIN,
            null,
            "<dir>",
            "Where signed chain heads are written (the job) and read (verify): a directory outside the destination's"
                    + " reach, a file per head under a directory per database.");
    public static final Option CHAIN_HEADS_S3_URL = value(
            "--chain-heads-s3-url",
            "CHAIN_HEADS_S3_URL",
            CHAIN,
            null,
            "<s3://bucket/prefix>",
            "Also write each signed head to this S3 path (the job), or read the heads from it (verify), with the"
                    + " access key of --chain-heads-s3-access-key or the credentials of"
                    + " --chain-heads-s3-credentials-file.");
    public static final Option CHAIN_HEADS_S3_ENDPOINT = value(
            "--chain-heads-s3-endpoint",
            "CHAIN_HEADS_S3_ENDPOINT",
            CHAIN,
            null,
            "<url>",
            "The endpoint of an S3-compatible server (MinIO, Ceph: https://minio.example:9000), addressed path-style;"
                    + " AWS's own without it.");
    public static final Option CHAIN_HEADS_S3_ACCESS_KEY = value(
            "--chain-heads-s3-access-key",
            "AWS_ACCESS_KEY_ID",
            CHAIN,
            null,
            "<id>",
            "The access key id that signs the S3 requests (Signature Version 4): a user that may only put (the job) or"
                    + " list and get (verify) heads.");
    public static final Option CHAIN_HEADS_S3_SECRET_KEY = secret(
            "--chain-heads-s3-secret-key",
            "AWS_SECRET_ACCESS_KEY",
            CHAIN,
            "<key>",
            "Its secret access key, only as --chain-heads-s3-secret-key=<key>; prefer the -file option.");
    public static final Option CHAIN_HEADS_S3_CREDENTIALS_FILE = value(
            "--chain-heads-s3-credentials-file",
            "AWS_SHARED_CREDENTIALS_FILE",
            CHAIN,
            null,
            "<file>",
            "Temporary credentials instead of a key pair: an AWS credentials file (aws_access_key_id,"
                    + " aws_secret_access_key and aws_session_token under [profile]), read again before each request,"
                    + " so a helper that renews it (IAM Roles Anywhere's aws_signing_helper update, aws-vault, a Vault"
                    + " agent) keeps the job signing.");
    public static final Option CHAIN_HEADS_S3_PROFILE = value(
            "--chain-heads-s3-profile",
            "AWS_PROFILE",
            CHAIN,
            "default",
            "<profile>",
            "The profile of --chain-heads-s3-credentials-file to sign with.");
    public static final Option CHAIN_HEADS_S3_REGION =
            value("--chain-heads-s3-region", "AWS_REGION", CHAIN, "us-east-1", "<region>", "The S3 path's region.");
    public static final Option CHAIN_SIGN_INTERVAL_MS = value(
            "--chain-sign-interval-ms",
            null,
            CHAIN,
            "60000",
            "<ms>",
            "How long after a change its database's chain head is signed at the latest, once a completed checkpoint"
                    + " holds the change.");
    public static final Option CHAIN_PUBLIC_KEY_FILE = value(
            "--chain-public-key-file",
            "CHAIN_PUBLIC_KEY_FILE",
            VERIFY,
            null,
            "<file>",
            "The Ed25519 public key in PEM (openssl pkey -in chain.key -pubout -out chain.pub) that verify checks the"
                    + " signed heads of --chain-heads-dir with, and the chain against them.");
    public static final Option VERIFY_SINCE = value(
            "--verify-since",
            null,
            VERIFY,
            null,
            "<time>",
            "Check only the chain's changes committed at or after this time (ISO-8601, 2026-12-01T00:00:00Z); the"
                    + " link before them is taken as stored.");
    public static final Option VERIFY_PARALLELISM = value(
            "--verify-parallelism",
            null,
            VERIFY,
            null,
            "<n>",
            "How many parts of the chain verify checks at once, each through its own connection to the destination (a"
                    + " server backend each); by default as many as this machine has cores.");
    public static final Option VERIFY_UNTIL = value(
            "--verify-until",
            null,
            VERIFY,
            null,
            "<time>",
            "Check only the chain's changes committed at or before this time (ISO-8601).");

    public static final Option ERASE_TABLE = value(
            "--erase-table",
            null,
            ERASE,
            null,
            "<[schema.]table>",
            "The table of the record whose personal data to erase (with --erase-key); the schema is public where not"
                    + " given.");
    public static final Option ERASE_KEY = value(
            "--erase-key",
            null,
            ERASE,
            null,
            "<key>",
            "The record's primary key as changes stores it (primary_key); its key changes are followed, before and"
                    + " after.");
    public static final Option ERASE_CONTEXT = value(
            "--erase-context",
            null,
            ERASE,
            null,
            "<key=value>",
            "Instead of a record: every change whose context has this value (user_id=42), text or number; the context"
                    + " value itself is erased too.");
    public static final Option ERASE_COLUMNS = value(
            "--erase-columns",
            null,
            ERASE,
            null,
            "<col,...>",
            "Erase only these columns of the images (default: every column).");
    public static final Option ERASE_CONTEXT_KEYS = value(
            "--erase-context-keys",
            null,
            ERASE,
            null,
            "<key,...>",
            "Also erase these context keys of the changes erased (a context value holding an erased text always goes).");
    public static final Option ERASE_REASON = value(
            "--reason",
            null,
            ERASE,
            null,
            "<text>",
            "Why: the request it answers (a ticket, an article), written into the receipt. Required.");
    public static final Option ERASED_BY = value(
            "--erased-by",
            null,
            ERASE,
            null,
            "<name>",
            "Who erases, written into the receipt (default: the operating system's user name).");
    public static final Option DRY_RUN = flag(
            "--dry-run",
            ERASE,
            "Show how many changes and which columns would be erased, and change nothing (no receipt).");

    public static final Option UNDO_CHANGE =
            value("--undo-change", null, UNDO, null, "<id>", "Revert one change, by its id (changes.id).");
    public static final Option UNDO_TRANSACTION = value(
            "--undo-transaction",
            null,
            UNDO,
            null,
            "<xid>",
            "Revert one transaction of the source database (changes.transaction_id), all its changes.");
    public static final Option UNDO_CONTEXT = value(
            "--undo-context",
            null,
            UNDO,
            null,
            "<json>",
            "Revert every change whose context contains this JSON: '{\"request_id\": \"r-42\"}'.");
    public static final Option UNDO_RECORD = value(
            "--undo-record",
            null,
            UNDO,
            null,
            "<[schema.]table>",
            "Restore a record of this table (with --undo-key and --undo-as-of), or the whole table (with --undo-as-of"
                    + " alone), to its state at that moment.");
    public static final Option UNDO_KEY =
            value("--undo-key", null, UNDO, null, "<key>", "The record's primary key as changes stores it.");
    public static final Option UNDO_AS_OF = value(
            "--undo-as-of", null, UNDO, null, "<time>", "The moment to restore to (ISO-8601, 2026-12-01T09:00:00Z).");
    public static final Option APPLY = flag(
            "--apply",
            UNDO,
            "Run the revert on the source database, in one transaction (without it, only print it). It stops, changing"
                    + " nothing, where a row was changed again since.");

    public static final Option PRINT_SQL = flag(
            "--print-sql",
            SETUP,
            "Print the SQL setup would run, in order, for a DBA to run by hand (psql -f), and change nothing: it only"
                    + " reads the catalogs, to list the tables --tables matches now.");

    public static final Option BROWSER_ROLE = value(
            "--browser-role",
            "BROWSER_ROLE",
            BROWSER,
            null,
            "<role>",
            "Create this role for the change browser in the destination where missing: LOGIN, allowed to read changes and"
                    + " nothing else (docs/browser.md).");

    public static final Option BROWSER_ROLE_PASSWORD = secret(
            "--browser-role-password",
            "BROWSER_ROLE_PASSWORD",
            BROWSER,
            "<password>",
            "Set the browser role's password to this at each start (sent as a SCRAM verifier, never in clear); without"
                    + " it the role has none until given one with ALTER ROLE ... PASSWORD.");

    public static final Option CHECKPOINT_INTERVAL_MS = value(
            "--checkpoint-interval-ms",
            null,
            CHECKPOINTS,
            "10000",
            "<ms>",
            "Checkpoint interval; the slot advances at each checkpoint.");
    public static final Option BATCH_SIZE =
            value("--batch-size", null, CHECKPOINTS, "500", "<changes>", "Changes per batch, one COPY.");
    public static final Option FLUSH_INTERVAL_MS = value(
            "--flush-interval-ms",
            null,
            CHECKPOINTS,
            "200",
            "<ms>",
            "Longest wait before a batch is written, where its input is never idle.");
    public static final Option ALLOW_RESTORE_BEHIND_SLOT = flag(
            "--allow-restore-behind-slot",
            CHECKPOINTS,
            "Start although changes may have been lost: from a checkpoint or savepoint behind the slot's position"
                    + " (skipping the changes in between), or without the slot the restored state read from (created anew"
                    + " at the current position).");
    public static final Option SKIP_SETUP = flag(
            "--skip-setup",
            CHECKPOINTS,
            "Do not run setup before starting (for a role without setup's privileges): the role's privileges are"
                    + " checked instead, each missing one refused in a line naming its grant (docs/privileges.md).");

    public static final Option HEARTBEAT_INTERVAL_MS = value(
            "--heartbeat-interval-ms",
            null,
            METRICS,
            "10000",
            "<ms>",
            "How often the job writes a heartbeat message into the source's WAL, so its position, and the slot's, advance"
                    + " while no tracked table changes.");
    public static final Option PUBLICATION_CHECK_INTERVAL_MS = value(
            "--publication-check-interval-ms",
            null,
            METRICS,
            "60000",
            "<ms>",
            "How often the job checks that every tracked table is still in publication bemi, warning of one dropped from it by hand.");
    public static final Option SLOT_LAG_INTERVAL_MS = value(
            "--slot-lag-interval-ms",
            null,
            METRICS,
            "15000",
            "<ms>",
            "How often the job queries the WAL the replication slot holds, for the metric replicationSlotLagBytes.");

    /** Every option, in the order help and docs list them within their group. */
    public static final List<Option> ALL = List.of(
            DB_HOST,
            DB_PORT,
            DB_NAME,
            DB_USER,
            DB_PASSWORD,
            SLOT_NAME,
            PUBLICATION_NAME,
            SLOT_FAILOVER,
            DESTINATION_DB_HOST,
            DESTINATION_DB_PORT,
            DESTINATION_DB_NAME,
            DESTINATION_DB_USER,
            DESTINATION_DB_PASSWORD,
            RETENTION_DAYS,
            NO_IMAGE_INDEXES,
            DB_SSLMODE,
            DB_SSLROOTCERT,
            DB_SSLCERT,
            DB_SSLKEY,
            DB_SSLPASSWORD,
            DESTINATION_DB_SSLMODE,
            DESTINATION_DB_SSLROOTCERT,
            DESTINATION_DB_SSLCERT,
            DESTINATION_DB_SSLKEY,
            DESTINATION_DB_SSLPASSWORD,
            SSH_HOST,
            SSH_PORT,
            SSH_USER,
            SSH_KEY_FILE,
            SSH_KNOWN_HOSTS,
            SSH_HOST_KEY_FINGERPRINT,
            SSH_KEY_PASSPHRASE,
            TABLES,
            EXCLUDE_TABLES,
            IGNORE_COLUMNS,
            ALLOW_IGNORING_EVERY_COLUMN,
            PRIVACY_POLICY_FILE,
            PRIVACY_HASH_KEY_FILE,
            SNAPSHOT,
            SNAPSHOT_NEW_TABLES,
            SNAPSHOT_CHUNK_ROWS,
            HASH_CHAIN,
            CHAIN_SIGNING_KEY_FILE,
            CHAIN_HEADS_DIR,
            CHAIN_HEADS_S3_URL,
            CHAIN_HEADS_S3_ENDPOINT,
            CHAIN_HEADS_S3_ACCESS_KEY,
            CHAIN_HEADS_S3_SECRET_KEY,
            CHAIN_HEADS_S3_CREDENTIALS_FILE,
            CHAIN_HEADS_S3_PROFILE,
            CHAIN_HEADS_S3_REGION,
            CHAIN_SIGN_INTERVAL_MS,
            CHAIN_PUBLIC_KEY_FILE,
            VERIFY_SINCE,
            VERIFY_UNTIL,
            VERIFY_PARALLELISM,
            ERASE_TABLE,
            ERASE_KEY,
            ERASE_CONTEXT,
            ERASE_COLUMNS,
            ERASE_CONTEXT_KEYS,
            ERASE_REASON,
            ERASED_BY,
            DRY_RUN,
            UNDO_CHANGE,
            UNDO_TRANSACTION,
            UNDO_CONTEXT,
            UNDO_RECORD,
            UNDO_KEY,
            UNDO_AS_OF,
            APPLY,
            PRINT_SQL,
            BROWSER_ROLE,
            BROWSER_ROLE_PASSWORD,
            CHECKPOINT_INTERVAL_MS,
            BATCH_SIZE,
            FLUSH_INTERVAL_MS,
            ALLOW_RESTORE_BEHIND_SLOT,
            SKIP_SETUP,
            HEARTBEAT_INTERVAL_MS,
            PUBLICATION_CHECK_INTERVAL_MS,
            SLOT_LAG_INTERVAL_MS);

    /** The options of the groups given, in catalogue order. */
    public static List<Option> of(List<Group> groups) {
        return ALL.stream().filter(o -> groups.contains(o.group())).toList();
    }

    private static Option value(
            String name, String variable, Group group, String defaultValue, String label, String description) {
        return new Option(name, variable, group, Kind.VALUE, defaultValue, null, label, description);
    }

    private static Option derived(String name, String variable, Group group, String label, String description) {
        return new Option(name, variable, group, Kind.VALUE, null, SOURCES, label, description);
    }

    private static Option secret(String name, String variable, Group group, String label, String description) {
        return new Option(name, variable, group, Kind.SECRET, null, null, label, description);
    }

    private static Option flag(String name, Group group, String description) {
        return new Option(name, null, group, Kind.FLAG, null, null, null, description);
    }
}
