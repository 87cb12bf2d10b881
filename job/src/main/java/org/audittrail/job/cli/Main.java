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
package org.audittrail.job.cli;

import static org.audittrail.job.config.Option.Group.BROWSER;
import static org.audittrail.job.config.Option.Group.DESTINATION;
import static org.audittrail.job.config.Option.Group.ERASE;
import static org.audittrail.job.config.Option.Group.SETUP;
import static org.audittrail.job.config.Option.Group.SOURCE;
import static org.audittrail.job.config.Option.Group.SSH;
import static org.audittrail.job.config.Option.Group.TLS;
import static org.audittrail.job.config.Option.Group.TRACKING;
import static org.audittrail.job.config.Option.Group.UNDO;
import static org.audittrail.job.config.Option.Group.VERIFY;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.audittrail.job.AuditTrailJob;
import org.audittrail.job.chain.ChainVerifier;
import org.audittrail.job.chain.Eraser;
import org.audittrail.job.chain.ErasureRequest;
import org.audittrail.job.chain.ReceiptVerifier;
import org.audittrail.job.chain.SignedHead;
import org.audittrail.job.chain.SignedLink;
import org.audittrail.job.config.JobConfig;
import org.audittrail.job.config.Option;
import org.audittrail.job.config.Options;
import org.audittrail.job.setup.Setup;
import org.audittrail.job.setup.SetupSql;
import org.audittrail.job.undo.UndoRequest;
import org.audittrail.udf.chain.Erasure;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The command line of the jar: {@code run} (the default, the Flink job), {@code setup}, {@code disconnect},
 * {@code verify}, {@code erase}, {@code undo} and {@code ssh-keygen}. It names no Flink type, so the admin commands also work with plain {@code java -jar}, without
 * Flink. The only place that reads the environment: it hands it to {@link JobConfig#from} with the arguments.
 */
public final class Main {

    private Main() {}

    /** What a command does with the configuration; returns the exit code. */
    @FunctionalInterface
    interface Action {
        int run(JobConfig config) throws Exception;
    }

    public static void main(String[] args) {
        int exit = commandLine().execute(args);
        if (exit != 0) {
            System.exit(exit);
        }
    }

    /** The configuration of {@code run}, from {@code args} and this process's environment, as the jar's command line builds it. */
    public static JobConfig config(String... args) {
        return config(System.getenv(), args);
    }

    /** The configuration of {@code run}, from {@code args} and {@code environment}. */
    public static JobConfig config(Map<String, String> environment, String... args) {
        CommandLine commandLine = commandLine(environment);
        return JobConfig.from(OptionSpecs.arguments(commandLine.parseArgs(args), Options.ALL), environment);
    }

    /** The command line, reading this process's environment. */
    public static CommandLine commandLine() {
        return commandLine(System.getenv());
    }

    /** The command line, with errors printed as one clear line rather than a stack trace. */
    public static CommandLine commandLine(Map<String, String> environment) {
        CommandLine run = command(
                "audit-trail",
                "Captures every row change of a PostgreSQL database into a changes table. Without a command: runs the job.",
                Options.ALL.stream()
                        .filter(option -> option.group() != SETUP
                                && option.group() != VERIFY
                                && option.group() != ERASE
                                && option.group() != UNDO)
                        .toList(),
                environment,
                config -> {
                    try {
                        AuditTrailJob.run(config);
                    } catch (NoClassDefFoundError e) {
                        throw new IllegalStateException(
                                "Flink is not on the class path: submit the job with 'flink run'", e);
                    }
                    return 0;
                });
        run.getCommandSpec().version("audit-trail " + version());
        run.addSubcommand(command(
                "setup",
                "Checks wal_level, creates slot, publication, replica-identity triggers and the changes table;"
                        + " with --print-sql prints that SQL instead.",
                Options.of(List.of(SOURCE, DESTINATION, TLS, SSH, TRACKING, SETUP, BROWSER)),
                environment,
                config -> {
                    if (config.printSql()) {
                        System.out.print(SetupSql.print(
                                config.source(),
                                config.destination(),
                                config.tables(),
                                config.replication(),
                                config.imageIndexes()));
                        if (config.browserRole() != null) {
                            System.out.print("\n-- the change browser's role, in the destination\n"
                                    + Setup.browserRoleSql(config.browserRole().name()));
                        }
                        return 0;
                    }
                    Setup.run(
                                    config.source(),
                                    config.destination(),
                                    config.tables(),
                                    config.replication(),
                                    config.imageIndexes(),
                                    System.out::println)
                            .forEach(System.out::println);
                    String policy = Setup.recordPrivacyPolicy(config.destination(), config.privacyPolicy());
                    if (policy != null) {
                        System.out.println(policy);
                    }
                    if (config.browserRole() != null) {
                        Setup.prepareBrowserRole(config.destination(), config.browserRole());
                        System.out.println("The change browser's role " + config.browserRole() + " reads changes"
                                + (config.browserRole().password() != null
                                        ? ", with the password given"
                                        : "; give it a password: ALTER ROLE ... PASSWORD"));
                    }
                    System.out.println(
                            "Setup done: source " + config.source() + ", destination " + config.destination());
                    return 0;
                }));
        run.addSubcommand(command(
                "disconnect",
                "Removes the triggers, the replication slot and the publication from the source database.",
                Options.of(List.of(SOURCE, DESTINATION, TLS, SSH)),
                environment,
                config -> {
                    Setup.disconnect(config.source(), config.replication());
                    System.out.println(
                            "Disconnected " + config.source() + ": changes made from now on are not captured.");
                    return 0;
                }));
        run.addSubcommand(command(
                "verify",
                "Checks the hash chain (--hash-chain) of the source database's changes in the destination, link by"
                        + " link, and names the first bad change: modified, deleted, inserted, reordered or a missing"
                        + " range; with --chain-heads-dir and --chain-public-key-file, also against the signed heads;"
                        + " then the erasure receipts. Exit code 2 when it finds one.",
                Stream.concat(
                                Options.of(List.of(SOURCE, DESTINATION, TLS, SSH, VERIFY)).stream(),
                                Stream.of(
                                        Options.CHAIN_HEADS_DIR,
                                        Options.CHAIN_HEADS_S3_URL,
                                        Options.CHAIN_HEADS_S3_ENDPOINT,
                                        Options.CHAIN_HEADS_S3_ACCESS_KEY,
                                        Options.CHAIN_HEADS_S3_SECRET_KEY,
                                        Options.CHAIN_HEADS_S3_CREDENTIALS_FILE,
                                        Options.CHAIN_HEADS_S3_PROFILE,
                                        Options.CHAIN_HEADS_S3_REGION))
                        .toList(),
                environment,
                Main::verify));
        run.addSubcommand(command(
                "erase",
                "Erases one subject's personal data from the stored changes: a record (--erase-table, --erase-key,"
                        + " following its key changes) or every change with a context value (--erase-context); each"
                        + " value becomes \"" + Erasure.MARKER + "\" and the hash chain still verifies. Writes and"
                        + " prints a receipt, then vacuums the partitions touched; --dry-run only shows what it would"
                        + " erase (docs/erasure.md).",
                Stream.concat(
                                Options.of(List.of(SOURCE, DESTINATION, TLS, SSH, ERASE)).stream(),
                                Stream.of(Options.CHAIN_SIGNING_KEY_FILE, Options.CHAIN_HEADS_DIR))
                        .toList(),
                environment,
                Main::erase));
        run.addSubcommand(command(
                "undo",
                "Prints the SQL that reverts one change (--undo-change), a transaction (--undo-transaction), what a"
                        + " context did (--undo-context), or restores a record or a table to a moment (--undo-record,"
                        + " --undo-key, --undo-as-of): one transaction, under a Bemi context naming what it reverts,"
                        + " stopping where a row was changed again since; with --apply, runs it on the source.",
                Options.of(List.of(SOURCE, DESTINATION, TLS, SSH, UNDO)),
                environment,
                Main::undo));
        run.addSubcommand(new CommandLine(new SshKeygenCommand()));
        run.setOverwrittenOptionsAllowed(true).setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("audit-trail: " + e.getMessage());
            return 1;
        });
        return run;
    }

    /**
     * The verify command: the chain, against the signed heads (from the S3 path where given, else the directory), the
     * retention anchor and the signed receipts of the directory; then the receipts.
     */
    private static int verify(JobConfig config) throws Exception {
        long started = System.nanoTime();
        String database = config.source().name();
        JobConfig.ChainHeads signed = config.chainHeads();
        NavigableMap<Long, SignedHead> heads = signed == null
                ? new TreeMap<>()
                : signed.bucket() != null
                        ? SignedHead.all(signed.bucket(), database, signed.publicKey())
                        : SignedHead.all(signed.dir(), database, signed.publicKey());
        NavigableMap<Long, String> receiptCopies = signed == null || signed.dir() == null
                ? new TreeMap<>()
                : SignedLink.ERASURE.all(signed.dir(), database, signed.publicKey());
        NavigableMap<Long, String> anchors = signed == null || signed.dir() == null
                ? new TreeMap<>()
                : SignedLink.ANCHOR.all(signed.dir(), database, signed.publicKey());
        ChainVerifier.Report report;
        ReceiptVerifier.Report receipts;
        try (Connection c = config.destination().connect()) {
            report = ChainVerifier.verify(
                    c,
                    config.destination()::connect,
                    config.verifyParallelism(),
                    database,
                    heads,
                    config.verifyRange(),
                    anchors);
            receipts = ReceiptVerifier.verify(c, database, receiptCopies);
        }
        System.out.println(report.summary((System.nanoTime() - started) / 1e9)
                + (report.intact() && !heads.isEmpty()
                        ? "; it matches its " + heads.size() + " signed heads, the newest at sequence "
                                + heads.lastKey()
                        : ""));
        System.out.println(receipts.summary(database));
        return report.intact() && receipts.intact() ? 0 : 2;
    }

    /** The undo command: prints the revert the destination writes; with --apply, runs it on the source. */
    private static int undo(JobConfig config) throws Exception {
        UndoRequest request = config.undo();
        if (request == null) {
            throw new IllegalArgumentException(
                    "Name what to undo: --undo-change, --undo-transaction, --undo-context or" + " --undo-record");
        }
        String sql;
        try (Connection c = config.destination().connect()) {
            sql = request.sql(c);
        }
        System.out.print(sql);
        if (request.apply() && sql.contains("BEGIN;")) {
            try (Connection c = config.source().connect()) {
                UndoRequest.apply(c, sql);
            }
            System.out.println("-- Applied to " + config.source() + " in one transaction");
        }
        return 0;
    }

    /** The erase command: erases, prints the receipt (or, in a dry run, what it would erase), vacuums. */
    private static int erase(JobConfig config) throws Exception {
        ErasureRequest request = config.erasure();
        if (request == null) {
            throw new IllegalArgumentException(
                    "Name what to erase: --erase-table and --erase-key, or --erase-context, and a --reason");
        }
        try (Connection c = config.destination().connect()) {
            Eraser.Outcome outcome = Eraser.erase(
                    c,
                    request,
                    config.chainHeads() == null ? null : config.chainHeads().dir(),
                    config.chainHeads() == null ? null : config.chainHeads().signingKey());
            String what = outcome.what(request);
            if (request.dryRun()) {
                System.out.println("Dry run: would erase " + what + "; nothing changed");
                return 0;
            }
            System.out.println(outcome.receiptLine());
            System.out.println("Erased " + what + "; receipt " + outcome.sequence() + " in erasures"
                    + (outcome.signedFile() != null ? ", signed in " + outcome.signedFile() : ""));
            List<String> failed = Eraser.vacuum(c, outcome.partitions());
            System.out.println(
                    failed.isEmpty()
                            ? "Vacuumed " + outcome.partitions().size()
                                    + " partitions: no dead row keeps the values; the"
                                    + " destination's WAL archive and backups still may (docs/erasure.md)"
                            : "Could not vacuum " + String.join("; ", failed) + ": run VACUUM on them as their owner");
            return 0;
        }
    }

    /** A command taking {@code options}: parses them, builds the configuration once, then does {@code action}. */
    private static CommandLine command(
            String name, String description, List<Option> options, Map<String, String> environment, Action action) {
        CommandSpec[] self = new CommandSpec[1];
        Callable<Integer> call = () -> action.run(
                JobConfig.from(OptionSpecs.arguments(self[0].commandLine().getParseResult(), options), environment));
        CommandSpec spec = CommandSpec.wrapWithoutInspection(call).name(name).mixinStandardHelpOptions(true);
        self[0] = spec;
        spec.usageMessage()
                .description(description)
                .abbreviateSynopsis(true)
                .width(110)
                .longOptionsMaxWidth(42);
        OptionSpecs.add(spec, options);
        CommandLine commandLine = new CommandLine(spec);
        commandLine
                .getHelpSectionMap()
                .put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST, OptionSpecs::groupedList);
        return commandLine;
    }

    /** The project's version, from the POM (a filtered resource, so also under the MiniCluster's class path). */
    public static String version() {
        try (InputStream in = Main.class.getResourceAsStream("/org/audittrail/job/version.properties")) {
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
