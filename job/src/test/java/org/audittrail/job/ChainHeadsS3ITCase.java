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
package org.audittrail.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.audittrail.job.chain.HeadBucket;
import org.audittrail.job.chain.S3Credentials;
import org.audittrail.job.chain.SignedHead;
import org.audittrail.job.testing.Auditor;
import org.audittrail.job.testing.Cli;
import org.audittrail.job.testing.JobTestBase;
import org.audittrail.job.testing.TestDatabase;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Signed chain heads exported to an S3-compatible path (S3Proxy, a real S3 API over an in-memory store, in this JVM):
 * the job writes each head there as in the heads directory, and verify checks the chain against the heads it reads
 * back from the bucket.
 */
class ChainHeadsS3ITCase extends JobTestBase {

    private static BlobStoreContext store;
    private static S3Proxy s3;

    @BeforeAll
    static void startS3() throws Exception {
        db.execute("CREATE TABLE notes (id int PRIMARY KEY, note text)");
        store = ContextBuilder.newBuilder("transient")
                .credentials("identity", "credential")
                .build(BlobStoreContext.class);
        store.getBlobStore().createContainerInLocation(null, "heads");
        s3 = S3Proxy.builder()
                .blobStore(store.getBlobStore())
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "audit-access", "audit-secret")
                .build();
        s3.start();
        TestDatabase.poll(() -> "STARTED".equals(s3.getState()), Duration.ofSeconds(30), "S3Proxy started");
        // the AWS SDK's default credentials chain reads these (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in a
        // deployment)
        System.setProperty("aws.accessKeyId", "audit-access");
        System.setProperty("aws.secretAccessKey", "audit-secret");
    }

    @AfterAll
    static void stopS3() throws Exception {
        s3.stop();
        store.close();
    }

    @Test
    void headsGoToTheBucketAndVerifyReadsThemBack() throws Exception {
        Path dir = Cli.freshDirectory(Path.of("target", "chain-heads-s3"));
        Path[] keys = Auditor.keys(dir, "s3");
        String endpoint = "http://127.0.0.1:" + s3.getPort();
        Path secret = Files.writeString(dir.resolveSibling("s3.secret"), "audit-secret\n");
        List<String> credentials = List.of(
                "--chain-heads-s3-endpoint",
                endpoint,
                "--chain-heads-s3-access-key",
                "audit-access",
                "--chain-heads-s3-secret-key-file",
                secret.toString());
        List<String> args = new ArrayList<>(List.of(ChainITCase.CHAIN));
        args.set(1, "public.notes");
        args.addAll(List.of(
                "--chain-signing-key-file",
                keys[0].toString(),
                "--chain-heads-dir",
                dir.toString(),
                "--chain-heads-s3-url",
                "s3://heads/trail/",
                "--chain-sign-interval-ms",
                "200"));
        args.addAll(credentials);
        job.submit(db.args(args.toArray(new String[0])));
        db.execute("INSERT INTO notes VALUES (1, 'one')", "INSERT INTO notes VALUES (2, 'two')");
        db.execute("INSERT INTO notes VALUES (3, 'three')");
        db.awaitChanges(3);
        job.checkpoint(); // a head is signed once a checkpoint holds it
        BlobStore bucket = store.getBlobStore();
        String third = "trail/postgres/head-00000000000000000003.json";
        TestDatabase.poll(() -> bucket.blobExists("heads", third), Duration.ofSeconds(30), "the head of 3 in S3");
        job.checkpoint();
        job.cancel();
        // the object is the file, byte for byte
        try (var in = bucket.getBlob("heads", third).getPayload().openStream()) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                    .isEqualTo(Files.readString(SignedHead.file(dir, "postgres", 3)));
        }

        List<String> verify = new ArrayList<>(
                List.of("verify", "--chain-heads-s3-url", "s3://heads/trail", "--chain-public-key-file"));
        verify.add(keys[1].toString());
        verify.addAll(credentials);
        String[] fromS3 = db.args(verify.toArray(new String[0]));
        assertThat(Auditor.run(fromS3))
                .startsWith("0 ")
                .contains("intact: 3 changes", "signed heads, the newest at sequence 3");
        db.execute("DELETE FROM changes WHERE chain_sequence = 3");
        assertThat(Auditor.run(fromS3)).startsWith("2 ").contains("TAMPERED: deleted at sequence 3", "are gone");

        // a bucket that is not there: one line, exit code 1
        fromS3[java.util.Arrays.asList(fromS3).indexOf("s3://heads/trail")] = "s3://no-such-bucket";
        Cli.Output missing = Cli.runCapturing(fromS3);
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err())
                .startsWith("audit-trail: ")
                .containsIgnoringCase("bucket")
                .hasLineCount(1);
    }

    @Test
    void temporaryCredentialsAreReadFromTheirFileBeforeEachRequest() throws Exception {
        Path dir = Cli.freshDirectory(Path.of("target", "chain-heads-s3-session"));
        Path file = dir.resolve("credentials");
        // as a renewal helper writes it: the job's profile beside another, its credentials expired
        Files.writeString(
                file,
                "[default]\naws_access_key_id = other\naws_secret_access_key = other\n\n"
                        + "[audit]\naws_access_key_id = audit-access\naws_secret_access_key = expired\n");
        HeadBucket bucket = HeadBucket.of(
                "s3://heads/session",
                "http://127.0.0.1:" + s3.getPort(),
                "us-east-1",
                new S3Credentials.File(file.toString(), "audit"));
        assertThatThrownBy(() -> bucket.put("postgres", "head-00000000000000000001.json", "{}"))
                .hasMessageContaining("HTTP 403");
        // renewed in place: the next request signs with the new keys (S3Proxy checks the signature), no restart
        Files.writeString(file, "[audit]\naws_access_key_id = audit-access\naws_secret_access_key = audit-secret\n");
        bucket.put("postgres", "head-00000000000000000001.json", "{\"signed\": 1}");
        assertThat(bucket.read("postgres", "head-.*\\.json")).containsValue("{\"signed\": 1}");

        // with a session token (S3Proxy answers 501 to one): sent, and signed as the last header
        Files.writeString(
                file,
                "[audit]\naws_access_key_id = ASIA-temporary\naws_secret_access_key = s\naws_session_token = token-2\n");
        List<com.sun.net.httpserver.Headers> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        com.sun.net.httpserver.HttpServer server =
                com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            seen.add(exchange.getRequestHeaders());
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        try {
            HeadBucket.of(
                            "s3://heads/session",
                            "http://127.0.0.1:" + server.getAddress().getPort(),
                            "us-east-1",
                            new S3Credentials.File(file.toString(), "audit"))
                    .put("postgres", "head-00000000000000000002.json", "{}");
        } finally {
            server.stop(0);
        }
        assertThat(seen).hasSize(1);
        assertThat(seen.get(0).getFirst("x-amz-security-token")).isEqualTo("token-2");
        assertThat(seen.get(0).getFirst("Authorization"))
                .contains(
                        "Credential=ASIA-temporary/",
                        "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,");

        // verify with a profile the file lacks: one line, exit code 1, before anything is read
        String[] verify = db.args(
                "verify",
                "--chain-heads-s3-url",
                "s3://heads/session",
                "--chain-public-key-file",
                Auditor.keys(dir, "session")[1].toString(),
                "--chain-heads-s3-endpoint",
                "http://127.0.0.1:" + s3.getPort(),
                "--chain-heads-s3-credentials-file",
                file.toString(),
                "--chain-heads-s3-profile",
                "ci");
        Cli.Output refused = Cli.runCapturing(verify);
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err())
                .contains("--chain-heads-s3-credentials-file", "has no aws_access_key_id", "[ci]")
                .doesNotContain("audit-secret", "token-2")
                .hasLineCount(1);
    }
}
