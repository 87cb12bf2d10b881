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
package org.audittrail.udf.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.audittrail.udf.model.Change;
import org.audittrail.udf.model.Operation;
import org.junit.jupiter.api.Test;

class PrivacyPolicyTest {

    static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);

    static final String POLICY =
            """
            {"mode": "default", "rules": [
              {"column": "public.users.password*", "action": "drop"},
              {"column": "users.email", "action": "hash"},
              {"column": "card_number", "action": "mask"},
              {"column": "*.notes", "action": "truncate", "length": 3},
              {"column": "users.*", "action": "keep"},
              {"context": "ip*", "action": "mask"},
              {"context": "user_email", "action": "hash"}
            ]}""";

    static Change change(String table, String before, String after, String context) {
        Change c = new Change();
        c.database = "postgres";
        c.schema = "public";
        c.table = table;
        c.operation = Operation.UPDATE;
        c.before = before;
        c.after = after;
        c.context = context;
        return c;
    }

    static String hmac(String text) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(KEY, "HmacSHA256"));
        return "hmac-sha256:" + HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void eachActionAppliesToTheColumnsItsRuleCoversAndTheFirstMatchingRuleDecides() throws Exception {
        PrivacyPolicy policy = PolicyFile.parse(POLICY, KEY);
        Change c = change(
                "users",
                "{\"id\": 1, \"password_hash\": \"$2y$x\", \"email\": \"ann@example.com\", \"notes\": \"h\u00e9llo\ud83d\ude00x\","
                        + " \"card_number\": 4111, \"balance\": 1.50}",
                "{\"id\": 1, \"password_hash\": \"$2y$y\", \"email\": \"ann@example.org\", \"notes\": null,"
                        + " \"card_number\": 4111, \"balance\": 100000000000000000000.10}",
                "{\"ip_address\": \"10.0.0.1\", \"user_email\": \"ann@example.com\", \"request_id\": \"r1\"}");
        c.markFallback("email");
        assertThat(policy.apply(c)).isEmpty();
        // drop: gone; hash: the HMAC of the value's JSON text; mask; truncate: code points, not chars; keep: exact
        assertThat(c.before)
                .isEqualTo("{\"id\":1,\"email\":\"" + hmac("\"ann@example.com\"") + "\",\"notes\":\"h\u00e9l\","
                        + "\"card_number\":\"***\",\"balance\":1.50}");
        assertThat(c.after)
                .contains("\"notes\":\"***\"", "\"balance\":100000000000000000000.10")
                .doesNotContain("password", "ann@");
        assertThat(c.context)
                .isEqualTo("{\"ip_address\":\"***\",\"user_email\":\"" + hmac("\"ann@example.com\"")
                        + "\",\"request_id\":\"r1\"}");
        // equal values stay comparable: the same hash in the image and in the context
        assertThat(c.fallbackColumns).isNull();
    }

    @Test
    void failClosedMasksWhatNoRuleCoversAndNamesIt() {
        PrivacyPolicy policy = PolicyFile.parse(
                "{\"mode\": \"fail-closed\", \"rules\": [{\"column\": \"todo.id\", \"action\": \"keep\"},"
                        + " {\"context\": \"*\", \"action\": \"keep\"}]}",
                null);
        Change c = change("todo", "{}", "{\"id\": 7, \"secret\": \"s\"}", "{\"user_id\": 1}");
        assertThat(policy.apply(c)).containsExactly("todo.secret");
        assertThat(c.after).isEqualTo("{\"id\":7,\"secret\":\"***\"}");
        assertThat(c.context).isEqualTo("{\"user_id\": 1}"); // nothing to hide: the text as sent
    }

    @Test
    void withoutRulesNothingChangesAndAContextThatIsNotAnObjectIsNotStoredUnderAPolicy() {
        assertThat(PrivacyPolicy.none().isNone()).isTrue();
        Change untouched = change("t", "{\"a\": 1.0}", "{\"a\": 2.00}", "not json");
        PrivacyPolicy.none().apply(untouched);
        assertThat(untouched.after).isEqualTo("{\"a\": 2.00}");
        PrivacyPolicy policy = PolicyFile.parse("{\"rules\": [{\"context\": \"ip\", \"action\": \"drop\"}]}", null);
        Change c = change("t", "{}", "{\"a\": 2.00}", "not json");
        policy.apply(c);
        assertThat(c.after).isEqualTo("{\"a\": 2.00}");
        assertThat(c.context).isEqualTo("{}");
    }

    @Test
    void aMistakeIsOneLineNamingTheRule() {
        assertThatThrownBy(() -> PolicyFile.parse("{\"rules\": [", null)).hasMessageStartingWith("is not JSON (line 1");
        assertThatThrownBy(() -> PolicyFile.parse("{\"mode\": \"strict\", \"rules\": []}", null))
                .hasMessageContaining("mode is 'strict'");
        assertThatThrownBy(() -> PolicyFile.parse("{}", null)).hasMessageContaining("has no \"rules\" list");
        assertThatThrownBy(() -> PolicyFile.parse("{\"rules\": [], \"rule\": 1}", null))
                .hasMessage("the top level has 'rule': only mode, rules are read");
        assertThatThrownBy(() -> PolicyFile.parse(
                        "{\"rules\": [{\"column\": \"a\", \"action\": \"keep\"}, {\"column\": \"a.b.c.d\", \"action\": \"mask\"}]}",
                        null))
                .hasMessageStartingWith("rule 2: 'a.b.c.d' is not column, table.column or schema.table.column");
        assertThatThrownBy(() -> PolicyFile.parse("{\"rules\": [{\"column\": \"a\", \"action\": \"erase\"}]}", null))
                .hasMessage("rule 1: action 'erase' is not one of keep, drop, mask, hash, truncate");
        assertThatThrownBy(() -> PolicyFile.parse("{\"rules\": [{\"column\": \"a\", \"action\": \"truncate\"}]}", null))
                .hasMessageContaining("rule 1: truncate needs \"length\"");
        assertThatThrownBy(() -> PolicyFile.parse(
                        "{\"rules\": [{\"column\": \"a\", \"context\": \"b\", \"action\": \"mask\"}]}", null))
                .hasMessage("rule 1 needs exactly one of \"column\" and \"context\"");
        assertThatThrownBy(
                        () -> PolicyFile.parse("{\"rules\": [{\"column\": \"a\", \"action\": \"hash\"}]}", new byte[8]))
                .hasMessageContaining("rule 1 hashes: give --privacy-hash-key-file");
    }
}
