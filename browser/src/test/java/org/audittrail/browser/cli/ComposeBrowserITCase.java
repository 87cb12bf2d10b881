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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.audittrail.browser.ChangeBrowser;
import org.audittrail.job.cli.Main;
import org.audittrail.job.config.JobConfig;
import org.audittrail.job.db.Database;
import org.audittrail.job.db.Tls;
import org.audittrail.job.setup.Setup;
import org.audittrail.job.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * docker-compose.yml's change browser, run as Compose would run it but without a Docker engine: the destination's init
 * script makes the browser's certificate, the job's setup (the JobManager's environment) its role and password, and
 * the browser, with its service's environment and .env.example's users, logs in over verified TLS and reads changes.
 */
class ComposeBrowserITCase {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    TestDatabase db;

    @AfterEach
    void stop() throws Exception {
        db.close();
    }

    @Test
    void theBrowserServiceLogsInWithTheCertificateAndPasswordTheOtherServicesMadeForIt() throws Exception {
        JsonNode compose = new ObjectMapper(new YAMLFactory())
                .readTree(ROOT.resolve("docker-compose.yml").toFile());
        JsonNode destination = compose.at("/services/destination/environment");
        JsonNode browser = compose.at("/services/browser");
        Map<String, String> secrets = secrets();

        // the destination's first start: the changes table (as the job's setup makes it) and one change, then TLS
        db = TestDatabase.start();
        Setup.prepareDestination(db.database());
        // the image sets it from the destination's secret at first start; the embedded server trusts local logins
        db.execute("ALTER USER postgres PASSWORD '" + TestDatabase.PASSWORD + "'");
        db.execute("INSERT INTO changes (id, database, schema, \"table\", primary_key, operation, after, context,"
                + " committed_at, queued_at, transaction_id, position) VALUES (gen_random_uuid(), 'postgres',"
                + " 'public', 'orders', '{\"id\": 7}', 'CREATE', '{\"id\": 7, \"status\": \"paid\"}',"
                + " '{\"user_id\": 42}', now(), now(), 9001, 1)");
        Path jobCerts = Files.createDirectories(dir.resolve("job-certs"));
        Path browserCerts = Files.createDirectories(dir.resolve("browser-certs"));
        Path data = Path.of((String) db.value("SHOW data_directory"));
        ProcessBuilder script =
                new ProcessBuilder(ROOT.resolve("docker/destination-tls.sh").toString()).redirectErrorStream(true);
        script.environment()
                .putAll(Map.of(
                        "PGDATA", data.toString(),
                        "DESTINATION_CERTS_DIR", jobCerts.toString(),
                        "DESTINATION_BROWSER_CERTS_DIR", browserCerts.toString(),
                        "DESTINATION_ALLOWED_CIDRS", "127.0.0.1/32",
                        "DESTINATION_HOST_NAMES", text(destination, "DESTINATION_HOST_NAMES"),
                        "DESTINATION_CLIENT_USER", text(destination, "DESTINATION_CLIENT_USER"),
                        "DESTINATION_BROWSER_USER", text(destination, "DESTINATION_BROWSER_USER")));
        Process process = script.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(output).isZero();
        db.value("SELECT pg_reload_conf()");

        // the JobManager: its environment as Compose gives it, the secrets as files, the host names this machine's
        Map<String, String> jobEnvironment = new HashMap<>();
        compose.get("x-database-env")
                .fields()
                .forEachRemaining(e -> jobEnvironment.put(
                        e.getKey(),
                        e.getValue().asText().replace("/opt/audit-trail/destination-certs", jobCerts.toString())));
        jobEnvironment.put("DESTINATION_DB_HOST", "localhost");
        jobEnvironment.put("DESTINATION_DB_PORT", String.valueOf(db.port()));
        jobEnvironment.replaceAll(
                (name, value) -> value.startsWith("/run/secrets/") ? secretFile(value, secrets) : value);
        Files.writeString(Path.of(jobEnvironment.get("DESTINATION_DB_PASSWORD_FILE")), TestDatabase.PASSWORD);
        JobConfig job = Main.config(jobEnvironment);
        TestDatabase.poll(() -> reachable(job.destination()), Duration.ofSeconds(10), "TLS after the reload");
        Setup.prepareBrowserRole(job.destination(), job.browserRole());

        // the browser: its service's environment as its own options, its certificates' volume where it mounts it
        String certsMount = browser.get("volumes").get(0).asText().split(":")[1];
        Map<String, String> read = KubernetesBrowserManifestTest.variablesTheBrowserReads();
        List<String> args = new ArrayList<>(List.of("--host=127.0.0.1", "--port=0"));
        browser.get("environment").fields().forEachRemaining(e -> {
            String value = e.getValue()
                    .asText()
                    .replace("//destination:5432/", "//localhost:" + db.port() + "/")
                    .replace(certsMount, browserCerts.toString())
                    .replace("/var/log/audit-trail-browser", dir.toString());
            if (value.startsWith("/run/secrets/")) {
                value = secretFile(value, secrets);
            }
            if (!e.getKey().equals("BROWSER_HOST")) {
                assertThat(read).as("variables the browser reads").containsKey(e.getKey());
                args.add(read.get(e.getKey()) + "=" + value);
            }
        });
        BrowserCommand command = new BrowserCommand();
        new CommandLine(command).parseArgs(args.toArray(new String[0]));
        try (ChangeBrowser running = ChangeBrowser.start(command.config())) {
            HttpClient client =
                    HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
            String base = "http://127.0.0.1:" + running.port();
            String form = client.send(
                            HttpRequest.newBuilder(URI.create(base + "/login")).build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            Matcher csrf = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"").matcher(form);
            assertThat(csrf.find()).as(form).isTrue();
            // .env.example's user, with the password its comment names
            String login = "csrf=" + URLEncoder.encode(csrf.group(1), StandardCharsets.UTF_8)
                    + "&name=admin&password=change-me";
            HttpResponse<String> loggedIn = client.send(
                    HttpRequest.newBuilder(URI.create(base + "/login"))
                            .header("Content-Type", "application/x-www-form-urlencoded")
                            .POST(HttpRequest.BodyPublishers.ofString(login))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(loggedIn.statusCode()).as(loggedIn.body()).isEqualTo(303);
            HttpResponse<String> search = client.send(
                    HttpRequest.newBuilder(URI.create(base + "/?table=orders")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(search.statusCode()).as(search.body()).isEqualTo(200);
            assertThat(search.body()).contains("1 change, newest first", "public.orders", "user_id=42");
        }

        // the browser's role logs in with its own certificate only
        Tls jobCertificate = job.destination().tls();
        Database asBrowserWithTheJobsCertificate = new Database(
                "localhost",
                db.port(),
                "postgres",
                job.browserRole().name(),
                job.browserRole().password(),
                jobCertificate);
        assertThatThrownBy(() -> asBrowserWithTheJobsCertificate.connect().close())
                // the right password with the job's certificate (CN postgres): the server blames the password
                .hasMessageContaining("authentication failed for user \"audit_browser\"");
    }

    /** .env.example's values of the secrets' variables, as Compose makes each secret's file from them. */
    private static Map<String, String> secrets() throws Exception {
        JsonNode compose = new ObjectMapper(new YAMLFactory())
                .readTree(ROOT.resolve("docker-compose.yml").toFile());
        Map<String, String> env = new HashMap<>();
        for (String line : Files.readAllLines(ROOT.resolve(".env.example"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                String[] pair = line.split("=", 2);
                // single quotes: the value as written, as Compose reads .env
                env.put(pair[0], pair[1].replaceAll("^'(.*)'$", "$1"));
            }
        }
        Map<String, String> secrets = new HashMap<>();
        compose.get("secrets")
                .fields()
                .forEachRemaining(e -> secrets.put(
                        e.getKey(), env.get(e.getValue().get("environment").asText())));
        return secrets;
    }

    private String secretFile(String path, Map<String, String> secrets) {
        String name = path.substring("/run/secrets/".length());
        assertThat(secrets).as("secrets").containsKey(name);
        Path file = dir.resolve("secret-" + name);
        try {
            Files.writeString(file, secrets.get(name) + "\n");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return file.toString();
    }

    private static String text(JsonNode environment, String name) {
        assertThat(environment.has(name)).as(name).isTrue();
        return environment.get(name).asText();
    }

    private static boolean reachable(Database database) {
        try {
            database.connect().close();
            return true;
        } catch (java.sql.SQLException e) {
            return false; // the reload is signalled, not awaited
        }
    }
}
