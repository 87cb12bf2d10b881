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

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.audittrail.job.testing.Cli;
import org.audittrail.job.testing.JobTestBase;
import org.audittrail.job.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A privacy policy applies before a change leaves the source's stage: from SQL on the source to the stored row, each
 * action on images and context, fail-closed masking of a column added later (with its metric), and a checkpoint that
 * holds no value the policy hides.
 */
class PrivacyPolicyITCase extends JobTestBase {

    static final String SECRET = "pw-8c1f2a-never-stored";
    static final byte[] KEY = "k".repeat(32).getBytes(StandardCharsets.US_ASCII);
    static Path policy;
    static Path key;

    @BeforeAll
    static void createSchema() throws Exception {
        db.execute(
                "CREATE TABLE members (id int PRIMARY KEY, email text, password_hash text, card text, bio text)",
                "ALTER TABLE members REPLICA IDENTITY FULL");
        Path dir = Files.createDirectories(Path.of("target", "privacy"));
        key = Files.write(dir.resolve("key"), KEY);
        policy = Files.writeString(
                dir.resolve("policy.json"),
                """
                {"mode": "fail-closed", "rules": [
                  {"column": "members.password_hash", "action": "drop"},
                  {"column": "members.email", "action": "hash"},
                  {"column": "members.card", "action": "mask"},
                  {"column": "members.bio", "action": "truncate", "length": 4},
                  {"column": "members.id", "action": "keep"},
                  {"context": "ip", "action": "mask"},
                  {"context": "*", "action": "keep"}
                ]}""");
    }

    static String hmac(String json) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(KEY, "HmacSHA256"));
        return "hmac-sha256:" + HexFormat.of().formatHex(mac.doFinal(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void valuesAreStoredAsThePolicySaysAndNoCheckpointHoldsAHiddenOne() throws Exception {
        job.submit(db.args(
                "--tables",
                "public.members",
                "--privacy-policy-file",
                policy.toString(),
                "--privacy-hash-key-file",
                key.toString()));
        db.execute(withContext(
                "INSERT INTO members VALUES (1, 'ann@example.com', '" + SECRET + "', '4111111111111111', 'Longer bio')",
                "{\"user_id\": 42, \"ip\": \"10.1.2.3\"}"));
        // a column no rule covers: masked, counted, until a rule names it
        db.execute("ALTER TABLE members ADD COLUMN nickname text");
        db.execute("UPDATE members SET nickname = 'annie', card = '5500000000000004' WHERE id = 1");

        List<Map<String, Object>> rows = settledChanges(2);
        JsonNode created = json(rows.get(0), "after");
        assertThat(created.has("password_hash")).isFalse();
        assertThat(created.get("email").asText()).isEqualTo(hmac("\"ann@example.com\""));
        assertThat(created.get("card").asText()).isEqualTo("***");
        assertThat(created.get("bio").asText()).isEqualTo("Long");
        assertThat(created.get("id").asInt()).isEqualTo(1);
        JsonNode context = json(rows.get(0), "context");
        assertThat(context.get("ip").asText()).isEqualTo("***");
        assertThat(context.get("user_id").asInt()).isEqualTo(42);
        JsonNode updated = json(rows.get(1), "after");
        assertThat(updated.get("nickname").asText()).isEqualTo("***");
        assertThat(json(rows.get(1), "before").has("password_hash")).isFalse();
        job.awaitMetric("valuesMaskedWithoutRule", 1);
        assertThat(db.value("SELECT count(*) FROM changes WHERE before::text LIKE '%" + SECRET
                        + "%' OR after::text LIKE '%" + SECRET + "%' OR after::text LIKE '%annie%'"))
                .isEqualTo(0L);

        // what a restore would read holds no hidden value either
        String checkpoint = job.checkpoint();
        Path dir = Path.of(java.net.URI.create(checkpoint.startsWith("file:") ? checkpoint : "file://" + checkpoint));
        try (Stream<Path> files = Files.walk(dir.getParent())) {
            List<Path> state = files.filter(Files::isRegularFile).toList();
            assertThat(state).as("the checkpoint's files").isNotEmpty();
            for (Path file : state) {
                String bytes = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                assertThat(bytes).as(file.toString()).doesNotContain(SECRET, "ann@example.com", "annie", "10.1.2.3");
            }
        }
    }

    @Test
    void aJobWithoutPolicyStoppedWithASavepointRestartsWithOne() throws Exception {
        db.execute("CREATE TABLE IF NOT EXISTS notes (id int PRIMARY KEY, card text)");
        String[] plain = db.args("--tables", "public.notes");
        job.submit(plain);
        db.execute("INSERT INTO notes VALUES (1, 'before the policy')");
        TestDatabase.poll(
                () -> db.value("SELECT count(*) FROM changes WHERE \"table\" = 'notes'")
                        .equals(1L),
                Duration.ofSeconds(60),
                "the change made before the policy");
        String savepoint = job.stopWithSavepoint();
        Path notesPolicy = Files.writeString(
                policy.resolveSibling("notes.json"),
                "{\"rules\": [{\"column\": \"notes.card\", \"action\": \"mask\"}]}");
        // the graph gains the policy's operator; the savepoint's state still maps onto every other one
        job.submit(db.args("--tables", "public.notes", "--privacy-policy-file", notesPolicy.toString()), savepoint);
        db.execute("INSERT INTO notes VALUES (2, 'after the policy')");
        TestDatabase.poll(
                () -> db.value("SELECT count(*) FROM changes WHERE \"table\" = 'notes'")
                        .equals(2L),
                Duration.ofSeconds(60),
                "the change made after the restore");
        assertThat(db.query("SELECT after->>'card' AS card FROM changes WHERE \"table\" = 'notes' ORDER BY position"))
                .extracting(r -> r.get("card"))
                .containsExactly("before the policy", "***");
    }

    @Test
    void eachChangeOfPolicyOrKeyIsRecordedOnceWithItsTime() throws Exception {
        db.execute("DELETE FROM privacy_policies");
        assertThat(setupWithPolicy(key)).isZero();
        assertThat(setupWithPolicy(key)).isZero();
        Path otherKey =
                Files.write(key.resolveSibling("other-key"), "o".repeat(32).getBytes(StandardCharsets.US_ASCII));
        assertThat(setupWithPolicy(otherKey)).isZero();
        assertThat(Cli.run(db.args("setup", "--tables", "public.members")).exit())
                .isZero();
        List<Map<String, Object>> recorded =
                db.query("SELECT policy->>'mode' AS mode, jsonb_array_length(policy->'rules') AS rules, hash_key_id"
                        + " FROM privacy_policies ORDER BY applied_at");
        // the same policy twice is one row; a new key is a new row; no policy after one is a row too
        assertThat(recorded).extracting(r -> r.get("mode")).containsExactly("fail-closed", "fail-closed", "none");
        assertThat(recorded.get(0).get("rules")).isEqualTo(7);
        assertThat(recorded.get(0).get("hash_key_id"))
                .isNotEqualTo(recorded.get(1).get("hash_key_id"));
        assertThat(recorded.get(2).get("hash_key_id")).isNull();
        assertThat(db.value("SELECT count(*) FROM privacy_policies WHERE policy::text LIKE '%kkkk%'"))
                .isEqualTo(0L);
    }

    private static int setupWithPolicy(Path hashKey) {
        return Cli.run(db.args(
                        "setup",
                        "--tables",
                        "public.members",
                        "--privacy-policy-file",
                        policy.toString(),
                        "--privacy-hash-key-file",
                        hashKey.toString()))
                .exit();
    }

    @Test
    void aMistakeInThePolicyIsOneLineAtStart() throws Exception {
        Path bad = Files.writeString(
                policy.resolveSibling("bad.json"),
                "{\"rules\": [{\"column\": \"members.email\", \"action\": \"hash\"}]}");
        Cli.Result result = Cli.run(db.args("setup", "--privacy-policy-file", bad.toString()));
        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err())
                .contains("--privacy-policy-file " + bad + " rule 1 hashes: give --privacy-hash-key-file");
    }
}
