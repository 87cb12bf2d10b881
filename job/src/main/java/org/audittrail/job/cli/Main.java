package org.audittrail.job.cli;

import org.audittrail.job.AuditTrailJob;
import org.audittrail.job.config.DatabaseOptions;
import org.audittrail.job.config.JobOptions;
import org.audittrail.job.config.TrackingOptions;
import org.audittrail.job.db.Database;
import org.audittrail.job.db.ssh.SshKeys;
import org.audittrail.job.setup.Setup;

import org.audittrail.udf.selection.TableSelection;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/**
 * The command line of the jar: {@code run} (the default, the Flink job), {@code setup}, {@code disconnect} and {@code ssh-keygen}.
 * It names no Flink type, so the admin commands also work with plain {@code java -jar}, without Flink.
 */
@Command(name = "audit-trail", mixinStandardHelpOptions = true, version = "audit-trail 0.1.0",
        description = "Captures every row change of a PostgreSQL database into a changes table. Without a command: runs the job.",
        subcommands = {Main.SetupCommand.class, Main.DisconnectCommand.class, Main.SshKeygenCommand.class})
public class Main implements Callable<Integer> {

    @Mixin
    JobOptions options = new JobOptions();

    public static void main(String[] args) {
        int exit = commandLine().execute(args);
        if (exit != 0) {
            System.exit(exit);
        }
    }

    /** The options of {@code run}, parsed from {@code args} as the jar's command line parses them. */
    public static JobOptions options(String... args) {
        CommandLine commandLine = commandLine();
        commandLine.parseArgs(args);
        return ((Main) commandLine.getCommand()).options;
    }

    /** The command line, with errors printed as one clear line rather than a stack trace. */
    public static CommandLine commandLine() {
        return new CommandLine(new Main()).setOverwrittenOptionsAllowed(true).setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("audit-trail: " + e.getMessage());
            return 1;
        });
    }

    @Override
    public Integer call() throws Exception {
        try {
            AuditTrailJob.run(options);
        } catch (NoClassDefFoundError e) {
            throw new IllegalStateException("Flink is not on the class path: submit the job with 'flink run'", e);
        }
        return 0;
    }


    /** {@code setup}: prepares source and destination; running it again changes nothing. */
    @Command(name = "setup", mixinStandardHelpOptions = true,
            description = "Checks wal_level, creates slot, publication, replica-identity triggers and the changes table.")
    static class SetupCommand implements Callable<Integer> {
        @Mixin
        DatabaseOptions databases;

        @Mixin
        TrackingOptions tracking;

        @Override
        public Integer call() {
            tracking.ignoredColumns(); // invalid rules fail here, as they would at the job's start
            Setup.run(databases.source(), databases.destination(), tracking.tables()).forEach(System.out::println);
            System.out.println("Setup done: source " + databases.source() + ", destination " + databases.destination());
            return 0;
        }
    }

    /** {@code disconnect}: removes triggers, slot and publication from the source, as seed 000 lists them. */
    @Command(name = "disconnect", mixinStandardHelpOptions = true,
            description = "Removes the triggers, the replication slot and the publication from the source database.")
    static class DisconnectCommand implements Callable<Integer> {
        @Mixin
        DatabaseOptions databases;

        @Override
        public Integer call() {
            Setup.disconnect(databases.source());
            System.out.println("Disconnected " + databases.source() + ": changes made from now on are not captured.");
            return 0;
        }
    }

    /** {@code ssh-keygen}: a key pair for the SSH tunnel; prints the public line to append to the jump host's authorized_keys. */
    @Command(name = "ssh-keygen", mixinStandardHelpOptions = true,
            description = "Writes a new ed25519 private key for the SSH tunnel (and <file>.pub), and prints the public line"
                    + " to append to ~/.ssh/authorized_keys of the jump host's user.")
    static class SshKeygenCommand implements Callable<Integer> {
        @picocli.CommandLine.Option(names = "--out", paramLabel = "<file>", required = true,
                description = "Where the private key goes (then give it as --ssh-key-file / SSH_KEY_FILE); never overwritten.")
        java.nio.file.Path out;

        @picocli.CommandLine.Option(names = "--comment", defaultValue = "audit-trail", description = "Comment of the public line (default audit-trail).")
        String comment;

        @picocli.CommandLine.Option(names = "--passphrase-file", paramLabel = "<file>",
                description = "File holding a passphrase to encrypt the key with (then give it as --ssh-key-passphrase-file).")
        java.nio.file.Path passphraseFile;

        @Override
        public Integer call() throws Exception {
            // as password files are read: without the trailing line break
            String passphrase = passphraseFile == null ? null : java.nio.file.Files.readString(passphraseFile).replaceAll("[\r\n]+$", "");
            String publicLine = SshKeys.generate(out, comment, passphrase);
            System.err.println("Wrote the private key " + out + " and " + out + ".pub. Append this line to ~/.ssh/authorized_keys"
                    + " of the jump host's user:");
            System.out.println(publicLine);
            return 0;
        }
    }
}
