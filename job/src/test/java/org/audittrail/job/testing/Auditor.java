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
package org.audittrail.job.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/** What an auditor does without the project's code, and the keys an operator makes: for the chain's tests. */
public final class Auditor {

    private Auditor() {}

    /** docs/verify-chain.py on sql/chain-export.sql's lines for database postgres: its exit code and what it said. */
    public static String verifyChain(TestDatabase db) throws Exception {
        String export = Files.readString(Path.of("../sql/chain-export.sql"))
                .replaceAll("(?m)^--.*$", "")
                .replace(":'database'", "'postgres'")
                .replace(";", "");
        StringBuilder lines = new StringBuilder();
        db.query(export)
                .forEach(row -> lines.append(row.values().iterator().next()).append('\n'));
        return python("../docs/verify-chain.py", lines.toString());
    }

    /** docs/verify-receipts.py on sql/erasures-export.sql's lines: its exit code and what it said. */
    public static String verifyReceipts(TestDatabase db) throws Exception {
        StringBuilder lines = new StringBuilder();
        for (String query : Files.readString(Path.of("../sql/erasures-export.sql"))
                .replaceAll("(?m)^--.*$", "")
                .split(";")) {
            if (!query.isBlank()) {
                db.query(query)
                        .forEach(row ->
                                lines.append(row.values().iterator().next()).append('\n'));
            }
        }
        return python("../docs/verify-receipts.py", lines.toString());
    }

    private static String python(String script, String input) throws Exception {
        Process python =
                new ProcessBuilder("python3", script).redirectErrorStream(true).start();
        try (var in = python.getOutputStream()) {
            in.write(input.getBytes(StandardCharsets.UTF_8));
        }
        String said = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(python.waitFor(1, TimeUnit.MINUTES)).isTrue();
        return python.exitValue() + " " + said;
    }

    /** An Ed25519 key pair written as openssl writes it, beside {@code dir}: {@code name.key} and {@code name.pub}. */
    public static Path[] keys(Path dir, String name) throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        return new Path[] {
            Files.writeString(dir.resolveSibling(name + ".key"), pem("PRIVATE KEY", pair.getPrivate())),
            Files.writeString(dir.resolveSibling(name + ".pub"), pem("PUBLIC KEY", pair.getPublic()))
        };
    }

    /** A command line's exit code and everything it printed, in one string. */
    public static String run(String[] args) {
        Cli.Output output = Cli.runCapturing(args);
        return output.exit() + " " + output.out() + output.err();
    }

    private static String pem(String type, Key key) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(key.getEncoded())
                + "\n-----END " + type + "-----\n";
    }
}
