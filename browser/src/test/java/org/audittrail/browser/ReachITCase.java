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
package org.audittrail.browser;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.audittrail.browser.auth.Users;
import org.audittrail.browser.config.BrowserConfig;
import org.audittrail.job.setup.Setup;
import org.audittrail.job.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the browser is reached: single sign-on through a trusted proxy's header, believed only from the proxy's address;
 * HTTPS of its own from a PKCS12 keystore.
 */
class ReachITCase {
    static TestDatabase db;

    @TempDir
    Path dir;

    @BeforeAll
    static void destination() {
        db = TestDatabase.start();
        Setup.prepareDestination(db.database());
    }

    @AfterAll
    static void stop() throws Exception {
        db.close();
    }

    @Test
    void theProxysHeaderLogsInOnlyFromTheProxysAddress() throws Exception {
        Files.writeString(dir.resolve("users"), Users.line("ann", "pw-unused") + ":tables=orders\n");
        try (ChangeBrowser trusting = start(Set.of("127.0.0.1"));
                ChangeBrowser elsewhere = start(Set.of("10.9.9.9"))) {
            HttpResponse<String> viaProxy = get(trusting, "ann");
            assertThat(viaProxy.statusCode()).isEqualTo(200);
            assertThat(viaProxy.body()).contains("<span class=\"logout\" id=\"viewer\">ann</span>", "id=\"count\"");
            assertThat(get(trusting, "carol").statusCode()).isEqualTo(200);
            assertThat(get(trusting, "x".repeat(300)).statusCode()).isEqualTo(303);
            assertThat(get(trusting, null).statusCode()).isEqualTo(303);
            assertThat(get(elsewhere, "ann").statusCode()).isEqualTo(303);
            assertThat(Files.readString(dir.resolve("access-" + trusting.port() + ".log")))
                    .contains(
                            "\tann\t127.0.0.1\tGET\t/\t200",
                            "\tcarol\t127.0.0.1\tGET\t/\t200",
                            "\t-\t127.0.0.1\tGET\t/\t303");
        }
    }

    @Test
    void itServesHttpsFromAKeystoreWithSecureCookies() throws Exception {
        Path keystore = dir.resolve("browser.p12");
        Process keytool = new ProcessBuilder(
                        "keytool",
                        "-genkeypair",
                        "-alias",
                        "browser",
                        "-keyalg",
                        "EC",
                        "-groupname",
                        "secp256r1",
                        "-dname",
                        "CN=localhost",
                        "-ext",
                        "SAN=ip:127.0.0.1,dns:localhost",
                        "-validity",
                        "2",
                        "-storetype",
                        "PKCS12",
                        "-keystore",
                        keystore.toString(),
                        "-storepass",
                        "ks-pw-7c1")
                .redirectErrorStream(true)
                .start();
        assertThat(keytool.waitFor())
                .as(new String(keytool.getInputStream().readAllBytes()))
                .isEqualTo(0);
        Files.writeString(dir.resolve("users"), Users.line("ann", "pw-unused") + "\n");
        try (ChangeBrowser browser = ChangeBrowser.start(BrowserConfig.defaults(
                        "jdbc:postgresql://localhost:" + db.port() + "/postgres",
                        "postgres",
                        TestDatabase.PASSWORD,
                        dir.resolve("users"),
                        dir.resolve("access.log"))
                .withTls(keystore, "ks-pw-7c1"))) {
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            try (var in = Files.newInputStream(keystore)) {
                trusted.load(in, "ks-pw-7c1".toCharArray());
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, trust.getTrustManagers(), null);
            HttpResponse<String> login = HttpClient.newBuilder()
                    .sslContext(tls)
                    .build()
                    .send(
                            HttpRequest.newBuilder(URI.create("https://localhost:" + browser.port() + "/login"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(login.statusCode()).isEqualTo(200);
            assertThat(login.headers().allValues("Set-Cookie")).singleElement().satisfies(cookie -> assertThat(cookie)
                    .endsWith("; HttpOnly; SameSite=Strict; Max-Age=600; Secure"));
            // plain HTTP on the same port is not served
            HttpResponse<String> plain = null;
            try {
                plain = HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(URI.create("http://localhost:" + browser.port() + "/login"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
            } catch (java.io.IOException refused) {
                // the TLS connector closes a plain request
            }
            assertThat(plain == null || plain.statusCode() == 400).isTrue();
        }
    }

    @Test
    void aDestinationThatIsDownIsAMessageAndTheServerStaysUp() throws Exception {
        Files.writeString(dir.resolve("users"), Users.line("ann", "pw-unused") + "\n");
        int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        try (ChangeBrowser browser = ChangeBrowser.start(BrowserConfig.defaults(
                        "jdbc:postgresql://localhost:" + closed + "/postgres",
                        "postgres",
                        TestDatabase.PASSWORD,
                        dir.resolve("users"),
                        dir.resolve("access.log"))
                .withStatementTimeout(Duration.ofSeconds(1))
                .withTrustedHeader("X-Forwarded-User", Set.of("127.0.0.1")))) {
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> down = get(browser, "ann");
                assertThat(down.statusCode()).isEqualTo(503);
                assertThat(down.body())
                        .contains("The destination database did not answer (SQL state 08001): try again in a moment.")
                        .doesNotContain("Exception", "at org.");
            }
        }
    }

    private ChangeBrowser start(Set<String> proxies) throws Exception {
        Path log = Files.createTempFile(dir, "access", ".log");
        ChangeBrowser browser = ChangeBrowser.start(BrowserConfig.defaults(
                        "jdbc:postgresql://localhost:" + db.port() + "/postgres",
                        "postgres",
                        TestDatabase.PASSWORD,
                        dir.resolve("users"),
                        log)
                .withTrustedHeader("X-Forwarded-User", proxies));
        Files.move(log, dir.resolve("access-" + browser.port() + ".log"));
        return browser;
    }

    private static HttpResponse<String> get(ChangeBrowser browser, String user) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + browser.port() + "/"));
        if (user != null) {
            request.header("X-Forwarded-User", user);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
