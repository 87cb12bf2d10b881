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
package org.audittrail.browser.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.audittrail.browser.config.BrowserConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line: options from their one definition, into help and docs; a wrong setting is one line. */
class BrowserCommandTest {

    /** The options block of docs/browser.md, between its markers, is the help text itself. */
    @Test
    void docsListTheOptionsAsHelpPrintsThem() throws Exception {
        String help = new CommandLine(new BrowserCommand()).getUsageMessage(CommandLine.Help.Ansi.OFF);
        String docs = Files.readString(Path.of("../docs/browser.md"));
        String block = docs.substring(
                docs.indexOf("<!-- options: BrowserCommandTest -->\n")
                        + "<!-- options: BrowserCommandTest -->\n".length(),
                docs.indexOf("<!-- /options -->"));
        assertThat(block).isEqualTo("```\n" + help + "```\n");
        assertThat(help).contains("--host", "--port", "--db-url", "--users-file", "--access-log", "hash-password");
    }

    @Test
    void itListensOnLoopbackUnlessTold() throws Exception {
        BrowserCommand command = new BrowserCommand();
        new CommandLine(command).parseArgs("--db-url", "jdbc:postgresql://db:5432/trail", "--users-file", "users");
        BrowserConfig config = command.config();
        assertThat(config.host()).isEqualTo("127.0.0.1");
        assertThat(config.port()).isEqualTo(8090);
        assertThat(config.user()).isEqualTo("audit_browser");
        assertThat(config.statementTimeout()).hasMillis(5000);
    }

    @Test
    void aWrongSettingIsOneLineAndExitCodeTwo(@TempDir Path dir) throws Exception {
        assertThat(errors("--users-file", "users"))
                .isEqualTo("audit-trail-browser: --db-url is missing or not a PostgreSQL JDBC URL: give"
                        + " jdbc:postgresql://host:5432/database\n");
        assertThat(errors("--db-url", "jdbc:postgresql://db/trail", "--users-file", "users", "--port", "70000"))
                .isEqualTo("audit-trail-browser: --port is 70000: use a port number from 1 to 65535\n");
        Path users = Files.writeString(dir.resolve("users"), "ann:secret\n");
        assertThat(errors("--db-url", "jdbc:postgresql://db/trail", "--users-file", users.toString()))
                .isEqualTo(
                        "audit-trail-browser: --users-file " + users
                                + " line 1 is not name:bcrypt-hash: make it with htpasswd -nB name or the hash-password command\n");
    }

    private static String errors(String... args) {
        StringWriter err = new StringWriter();
        int code = BrowserCommand.run(args, new PrintWriter(err, true));
        assertThat(code).isEqualTo(2);
        return err.toString();
    }
}
