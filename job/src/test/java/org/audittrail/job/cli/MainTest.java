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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.audittrail.job.config.JobConfig;
import org.audittrail.job.config.Option;
import org.audittrail.job.config.Options;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line built from the option definitions: grouped help, one configuration, one line per bad value. */
class MainTest {

    private static String help(String... command) {
        StringWriter out = new StringWriter();
        CommandLine commandLine = Main.commandLine(Map.of());
        commandLine.setOut(new PrintWriter(out, true));
        String[] args = new String[command.length + 1];
        System.arraycopy(command, 0, args, 0, command.length);
        args[command.length] = "--help";
        assertThat(commandLine.execute(args)).isZero();
        return out.toString();
    }

    @Test
    void helpListsEveryOptionUnderItsConcernWithItsVariableAndDefault() {
        String help = help();
        int last = -1;
        for (Option.Group group : Option.Group.values()) {
            if (group == Option.Group.SETUP
                    || group == Option.Group.VERIFY
                    || group == Option.Group.ERASE
                    || group == Option.Group.UNDO) {
                continue; // setup's, verify's and erase's alone
            }
            int at = help.indexOf(group.heading() + ":");
            assertThat(at).as(group.heading()).isGreaterThan(last);
            last = at;
        }
        for (Option option : Options.ALL) {
            if (option.group() != Option.Group.SETUP
                    && option.group() != Option.Group.VERIFY
                    && option.group() != Option.Group.ERASE
                    && option.group() != Option.Group.UNDO) {
                assertThat(help).contains(option.name());
            }
        }
        assertThat(help).doesNotContainPattern("(?m)^\\s+--print-sql");
        assertThat(help("setup")).contains("Setup (the setup command only):", "--print-sql");
        assertThat(help)
                .containsPattern("--db-port=<port>\\s+Source port\\. Env DB_PORT, default 5432\\.")
                .containsPattern("--db-password-file=<file>")
                .contains("Env DB_PASSWORD or DB_PASSWORD_FILE");
        assertThat(help("setup")).contains("Tracking:", "--tables").doesNotContain("Checkpoints", "--batch-size");
        assertThat(help("disconnect")).contains("--db-host").doesNotContain("--tables");
        assertThat(help("verify"))
                .contains("The verify command:", "--chain-public-key-file", "--chain-heads-dir")
                .doesNotContain("--chain-signing-key-file", "--tables");
        assertThat(help).doesNotContainPattern("(?m)^\\s+--chain-public-key-file");
        assertThat(help("erase"))
                .contains(
                        "The erase command (docs/erasure.md):",
                        "--erase-table",
                        "--dry-run",
                        "--chain-signing-key-file")
                .doesNotContain("--tables", "--chain-public-key-file");
        assertThat(help).doesNotContainPattern("(?m)^\\s+--erase-table");
        assertThat(help("undo"))
                .contains("The undo command", "--undo-transaction", "--apply")
                .doesNotContain("--tables");
    }

    @Test
    void anArgumentWinsOverItsVariableWhichWinsOverTheDefault() {
        Map<String, String> environment = Map.of("DB_HOST", "from-env", "DB_PORT", "6543", "TRACK_TABLES", "app.*");
        JobConfig config = Main.config(environment, "--db-host", "from-arg");
        assertThat(config.source()).hasToString("postgres@from-arg:6543/postgres");
        assertThat(config.destination()).hasToString("postgres@from-arg:6543/postgres");
        assertThat(config.tables().toString()).contains("app.*");
        assertThat(Main.config(Map.of()).batchSize()).isEqualTo(500);
        assertThat(Main.config(Map.of(), "--tables", "a.*", "--tables", "b.x,c.*")
                        .tables()
                        .toString())
                .contains("a.*", "b.x", "c.*");
    }

    @Test
    void aSecretComesFromItsVariablesFileAndTheDestinationTakesTheSources(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("pw"), "s3cret\n");
        JobConfig config = Main.config(Map.of("DB_PASSWORD_FILE", file.toString()));
        assertThat(config.source().password()).isEqualTo("s3cret");
        assertThat(config.destination().password()).isEqualTo("s3cret");
        assertThatThrownBy(() -> Main.config(Map.of("DB_PASSWORD_FILE", file.toString(), "DB_PASSWORD", "x")))
                .hasMessage("Both DB_PASSWORD and DB_PASSWORD_FILE are set, but they exclude each other");
    }

    @Test
    void eachBadValueIsRefusedInOneLineNamingOptionValueAndWhatIsAllowed() {
        assertThatThrownBy(() -> Main.config(Map.of(), "--db-port", "abc"))
                .hasMessage("--db-port is 'abc': use a port number from 1 to 65535");
        assertThatThrownBy(() -> Main.config(Map.of("DB_PORT", "70000")))
                .hasMessage("DB_PORT is '70000': use a port number from 1 to 65535");
        assertThatThrownBy(() -> Main.config(Map.of(), "--batch-size", "0"))
                .hasMessage("--batch-size is '0': use a number of changes from 1 to 1000000");
        assertThatThrownBy(() -> Main.config(Map.of("RETENTION_DAYS", "-1")))
                .hasMessage("RETENTION_DAYS is '-1': use a number of days from 0 (keep every change) to 36500");
        assertThat(Main.config(Map.of()).verifyParallelism())
                .isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThatThrownBy(() -> Main.config(Map.of("DB_SSLMODE", "on")))
                .hasMessage("DB_SSLMODE is 'on': use one of disable, allow, prefer, require, verify-ca, verify-full");

        StringWriter err = new StringWriter();
        CommandLine commandLine = Main.commandLine(Map.of());
        commandLine.setErr(new PrintWriter(err, true));
        assertThat(commandLine.execute("setup", "--checkpoint-interval-ms=5")).isEqualTo(2); // not an option of setup
        err.getBuffer().setLength(0);
        assertThat(commandLine.execute("setup", "--db-port=0")).isEqualTo(1);
        assertThat(err.toString())
                .isEqualTo("audit-trail: --db-port is '0': use a port number from 1 to 65535" + System.lineSeparator());
        err.getBuffer().setLength(0);
        assertThat(commandLine.execute("verify", "--verify-parallelism=0")).isEqualTo(1);
        assertThat(err.toString())
                .isEqualTo("audit-trail: --verify-parallelism is '0': use a number of parts from 1 to 64"
                        + System.lineSeparator());
    }

    @Test
    void aBaselineAndANewTablesBaselineAreChained() {
        assertThat(Main.config(Map.of(), "--hash-chain", "--snapshot", "initial", "--snapshot-new-tables"))
                .satisfies(config -> assertThat(config.hashChain()).isTrue())
                .satisfies(config -> assertThat(config.snapshot().newTables()).isTrue());
    }

    @Test
    void signedChainHeadsAreRefusedInOneLineWithoutWhatTheyNeed(@TempDir Path dir) throws Exception {
        Path notAKey = Files.writeString(
                dir.resolve("chain.key"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        assertThatThrownBy(() -> Main.config(Map.of(), "--chain-signing-key-file", notAKey.toString()))
                .hasMessage(
                        "--chain-signing-key-file signs the hash chain's heads: give --hash-chain too, or leave it out");
        assertThatThrownBy(() -> Main.config(Map.of(), "--hash-chain", "--chain-signing-key-file", notAKey.toString()))
                .hasMessage("--chain-signing-key-file is for signed chain heads: give --chain-heads-dir too");
        assertThatThrownBy(() -> Main.config(Map.of(), "--hash-chain", "--chain-heads-dir", dir.toString()))
                .hasMessageStartingWith("--chain-heads-dir holds signed chain heads: give --chain-signing-key-file");
        assertThatThrownBy(() -> Main.config(
                        Map.of("CHAIN_SIGNING_KEY_FILE", notAKey.toString()),
                        "--hash-chain",
                        "--chain-heads-dir",
                        dir.toString()))
                .hasMessage("--chain-signing-key-file " + notAKey + " is not an Ed25519 private key in PEM (openssl"
                        + " genpkey -algorithm ed25519 -out chain.key): InvalidKeySpecException");
    }

    @Test
    void anS3PathForTheHeadsIsRefusedInOneLineWhenMalformedOrWithoutCredentials(@TempDir Path dir) throws Exception {
        String key = Files.writeString(dir.resolve("chain.key"), "not read before the path is checked")
                .toString();
        assertThatThrownBy(() -> Main.config(
                        Map.of("AWS_ACCESS_KEY_ID", "id", "AWS_SECRET_ACCESS_KEY", "secret"),
                        "--hash-chain",
                        "--chain-signing-key-file",
                        key,
                        "--chain-heads-dir",
                        dir.toString(),
                        "--chain-heads-s3-url",
                        "https://bucket/heads"))
                .hasMessage("--chain-heads-s3-url https://bucket/heads is not an S3 path: use s3://bucket or"
                        + " s3://bucket/prefix");
        assertThatThrownBy(() -> Main.config(
                        Map.of(),
                        "--hash-chain",
                        "--chain-signing-key-file",
                        key,
                        "--chain-heads-dir",
                        dir.toString(),
                        "--chain-heads-s3-url",
                        "s3://bucket/heads"))
                .hasMessage("--chain-heads-s3-url needs credentials: give --chain-heads-s3-access-key and"
                        + " --chain-heads-s3-secret-key-file (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or"
                        + " --chain-heads-s3-credentials-file for temporary credentials");
        String[] withFile = {
            "--hash-chain",
            "--chain-signing-key-file",
            key,
            "--chain-heads-dir",
            dir.toString(),
            "--chain-heads-s3-url",
            "s3://bucket/heads",
            "--chain-heads-s3-credentials-file",
            dir.resolve("no-such-credentials").toString()
        };
        assertThatThrownBy(() -> Main.config(Map.of(), withFile))
                .hasMessage("--chain-heads-s3-credentials-file " + dir.resolve("no-such-credentials")
                        + " cannot be read (NoSuchFileException)");
        assertThatThrownBy(() -> Main.config(Map.of("AWS_ACCESS_KEY_ID", "AKIA-long-term"), withFile))
                .hasMessage("--chain-heads-s3-url takes its credentials from --chain-heads-s3-credentials-file or from"
                        + " --chain-heads-s3-access-key and --chain-heads-s3-secret-key, not both");
    }

    @Test
    void anErasureIsRefusedInOneLineWithoutOneSubjectOrAReason() {
        assertThat(erase("--erase-table", "people", "--reason", "r"))
                .isEqualTo("audit-trail: --erase-table and --erase-key name a record together: give both (or"
                        + " --erase-context instead)");
        assertThat(erase("--erase-table", "people", "--erase-key", "1"))
                .isEqualTo("audit-trail: --reason is required: the request the erasure answers, written into its"
                        + " receipt");
        assertThat(erase("--erase-table", "people", "--erase-key", "1", "--erase-context", "user_id=1"))
                .startsWith("audit-trail: Name one subject to erase: a record");
        assertThat(erase("--erase-context", "user_id", "--reason", "r"))
                .isEqualTo("audit-trail: --erase-context is 'user_id': use key=value, user_id=42");
        assertThat(erase("--reason", "r")).startsWith("audit-trail: Name one subject to erase");
    }

    /** The erase command's error line: it is refused before any connection. */
    private static String erase(String... args) {
        CommandLine commandLine = Main.commandLine(Map.of());
        StringWriter err = new StringWriter();
        commandLine.setErr(new PrintWriter(err, true));
        List<String> all = new java.util.ArrayList<>(List.of("erase"));
        all.addAll(List.of(args));
        assertThat(commandLine.execute(all.toArray(new String[0]))).isEqualTo(1);
        return err.toString().strip();
    }
}
