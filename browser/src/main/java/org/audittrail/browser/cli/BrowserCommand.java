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

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.audittrail.browser.ChangeBrowser;
import org.audittrail.browser.config.BrowserConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The browser's command line: each option defined here once; help and docs/browser.md are made from it. */
@Command(
        name = "audit-trail-browser",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpAutoWidth = false,
        usageHelpWidth = 110,
        description =
                "Serves the change browser: search, timelines and transactions of the changes table, behind a login.",
        versionProvider = BrowserCommand.Version.class,
        subcommands = {HashPasswordCommand.class})
public final class BrowserCommand implements Callable<Integer> {

    @Option(
            names = "--host",
            paramLabel = "<address>",
            defaultValue = "${env:BROWSER_HOST:-127.0.0.1}",
            description =
                    "Address to listen on (BROWSER_HOST). Default: ${DEFAULT-VALUE}; 0.0.0.0 only behind a proxy.")
    String host;

    @Option(
            names = "--port",
            paramLabel = "<port>",
            defaultValue = "${env:BROWSER_PORT:-8090}",
            description = "Port to listen on (BROWSER_PORT). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(
            names = "--db-url",
            paramLabel = "<jdbc-url>",
            defaultValue = "${env:BROWSER_DB_URL}",
            description = "The destination database, jdbc:postgresql://host:5432/database (BROWSER_DB_URL). Required.")
    String jdbcUrl;

    @Option(
            names = "--db-user",
            paramLabel = "<role>",
            defaultValue = "${env:BROWSER_DB_USER:-audit_browser}",
            description = "Read-only role to connect as (BROWSER_DB_USER). Default: ${DEFAULT-VALUE}.")
    String user;

    @Option(
            names = "--db-password-file",
            paramLabel = "<file>",
            defaultValue = "${env:BROWSER_DB_PASSWORD_FILE}",
            description = "File holding that role's password (BROWSER_DB_PASSWORD_FILE; or the password itself in"
                    + " BROWSER_DB_PASSWORD). Default: none.")
    Path passwordFile;

    @Option(
            names = "--users-file",
            paramLabel = "<file>",
            defaultValue = "${env:BROWSER_USERS_FILE}",
            description = "Who may log in: name:bcrypt-hash lines, as htpasswd -B or the hash-password command write"
                    + " them (BROWSER_USERS_FILE). Required.")
    Path usersFile;

    @Option(
            names = "--access-log",
            paramLabel = "<file>",
            defaultValue = "${env:BROWSER_ACCESS_LOG:-access.log}",
            description = "File each page view and export is appended to: who, what, when (BROWSER_ACCESS_LOG)."
                    + " Default: ${DEFAULT-VALUE}.")
    Path accessLog;

    @Option(
            names = "--statement-timeout-ms",
            paramLabel = "<ms>",
            defaultValue = "${env:BROWSER_STATEMENT_TIMEOUT_MS:-5000}",
            description = "A query running longer is cancelled with a message (BROWSER_STATEMENT_TIMEOUT_MS)."
                    + " Default: ${DEFAULT-VALUE}.")
    long statementTimeoutMs;

    @Option(
            names = "--page-size",
            paramLabel = "<changes>",
            defaultValue = "${env:BROWSER_PAGE_SIZE:-50}",
            description = "Changes per page of a search (BROWSER_PAGE_SIZE). Default: ${DEFAULT-VALUE}.")
    int pageSize;

    @Option(
            names = "--secure-cookies",
            defaultValue = "${env:BROWSER_SECURE_COOKIES:-false}",
            description = "Mark cookies Secure: set it when a TLS proxy serves the browser (BROWSER_SECURE_COOKIES).")
    boolean secureCookies;

    @Option(
            names = "--trusted-header",
            paramLabel = "<header>",
            defaultValue = "${env:BROWSER_TRUSTED_HEADER}",
            description = "Single sign-on: the header a reverse proxy names the logged-in user in, such as"
                    + " X-Forwarded-User (BROWSER_TRUSTED_HEADER). Default: off.")
    String trustedHeader;

    @Option(
            names = "--trusted-proxies",
            paramLabel = "<addresses>",
            split = ",",
            defaultValue = "${env:BROWSER_TRUSTED_PROXIES}",
            description = "The proxies' addresses, comma-separated: only their --trusted-header is believed"
                    + " (BROWSER_TRUSTED_PROXIES).")
    java.util.List<String> trustedProxies;

    @Option(
            names = "--tls-keystore",
            paramLabel = "<file>",
            defaultValue = "${env:BROWSER_TLS_KEYSTORE}",
            description = "Serve HTTPS with the certificate and key of this PKCS12 file (BROWSER_TLS_KEYSTORE); its"
                    + " password from BROWSER_TLS_KEYSTORE_PASSWORD or --tls-keystore-password-file. Default: HTTP.")
    Path tlsKeystore;

    @Option(
            names = "--tls-keystore-password-file",
            paramLabel = "<file>",
            defaultValue = "${env:BROWSER_TLS_KEYSTORE_PASSWORD_FILE}",
            description = "File holding the keystore's password (BROWSER_TLS_KEYSTORE_PASSWORD_FILE).")
    Path tlsPasswordFile;

    /** Builds the settings from the options, the password from its file or variable. */
    BrowserConfig config() throws IOException {
        String password =
                passwordFile != null ? Files.readString(passwordFile).strip() : System.getenv("BROWSER_DB_PASSWORD");
        return BrowserConfig.builder()
                .listen(host, port)
                .database(jdbcUrl, user, password)
                .usersFile(usersFile)
                .accessLog(accessLog)
                .statementTimeout(Duration.ofMillis(statementTimeoutMs))
                .pageSize(pageSize)
                .secureCookies(secureCookies)
                .trustedHeader(
                        trustedHeader,
                        trustedProxies == null ? java.util.Set.of() : java.util.Set.copyOf(trustedProxies))
                .tls(
                        tlsKeystore,
                        tlsPasswordFile != null
                                ? Files.readString(tlsPasswordFile).strip()
                                : System.getenv("BROWSER_TLS_KEYSTORE_PASSWORD"))
                .build();
    }

    @Override
    public Integer call() throws Exception {
        try (ChangeBrowser browser = ChangeBrowser.start(config())) {
            System.out.println("The change browser listens on http://" + host + ":" + browser.port() + "/");
            new CountDownLatch(1).await();
        }
        return 0;
    }

    /** Runs the command line; a wrong setting is one line on standard error and exit code 2. */
    public static int run(String[] args, PrintWriter err) {
        CommandLine line = new CommandLine(new BrowserCommand());
        line.setErr(err);
        line.setExecutionExceptionHandler((e, cl, parsed) -> {
            if (e instanceof IllegalArgumentException || e instanceof IOException) {
                cl.getErr().println("audit-trail-browser: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        return line.execute(args);
    }

    /** The version the jar's manifest names. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = BrowserCommand.class.getPackage().getImplementationVersion();
            return new String[] {"audit-trail-browser " + (version == null ? "(not from the jar)" : version)};
        }
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.err, true)));
    }
}
