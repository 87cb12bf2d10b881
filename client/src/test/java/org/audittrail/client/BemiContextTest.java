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
package org.audittrail.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The thread's context: set, cleared, scoped, capped, and refused when it would break the comment. */
class BemiContextTest {

    @AfterEach
    void clear() {
        BemiContext.clear();
    }

    @Test
    void setGetPutClear() {
        assertThat(BemiContext.get()).isEmpty();
        assertThat(BemiContext.comment()).isEmpty();
        Map<String, Object> context = new HashMap<>(Map.of("user_id", 187234));
        BemiContext.set(context);
        context.put("later", "not seen");
        assertThat(BemiContext.get()).isEqualTo(Map.of("user_id", 187234));
        assertThat(BemiContext.comment()).hasValue("/*Bemi {\"user_id\":187234} Bemi*/");
        BemiContext.put("method", "POST");
        assertThat(BemiContext.comment()).hasValue("/*Bemi {\"user_id\":187234,\"method\":\"POST\"} Bemi*/");
        BemiContext.clear();
        assertThat(BemiContext.get()).isEmpty();
        assertThat(BemiContext.comment()).isEmpty();
        // an empty context sends no comment
        BemiContext.set(Map.of());
        assertThat(BemiContext.comment()).isEmpty();
    }

    @Test
    void isTheThreadsOwn() throws Exception {
        BemiContext.set(Map.of("user_id", 1));
        assertThat(CompletableFuture.supplyAsync(BemiContext::get).get()).isEmpty();
        assertThat(BemiContext.get()).containsEntry("user_id", 1);
    }

    @Test
    void scopesNestAndPutBackWhatWasThere() {
        try (BemiContext.Scope outer = BemiContext.with(Map.of("request", "a"))) {
            try (BemiContext.Scope inner = BemiContext.with(Map.of("job", "b"))) {
                assertThat(BemiContext.get()).isEqualTo(Map.of("job", "b"));
            }
            assertThat(BemiContext.get()).isEqualTo(Map.of("request", "a"));
        }
        assertThat(BemiContext.get()).isEmpty();
    }

    @Test
    void refusesContextsThatWouldBreakTheCommentWithoutShowingThem() {
        for (Map<String, ?> bad : List.of(
                Map.of("path", "/a*/b"),
                Map.of("accept", "*/*"),
                Map.of("note", "/* open"),
                Map.of("x*/", "key"),
                Map.of("list", List.of("ok", " Bemi*/")))) {
            assertThatThrownBy(() -> BemiContext.set(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("would end or nest the SQL comment")
                    .satisfies(e -> assertThat(e.getMessage())
                            .doesNotContain("/a", "accept", "open", "x*/", "ok", "path", "note"));
        }
        // refused, the context before stays
        BemiContext.set(Map.of("user_id", 1));
        assertThatThrownBy(() -> BemiContext.set(Map.of("path", "/a*/b"))).isInstanceOf(IllegalArgumentException.class);
        assertThat(BemiContext.get()).isEqualTo(Map.of("user_id", 1));
        // a slash or a star alone is fine
        BemiContext.set(Map.of("path", "/files/a*b", "glob", "a * / b"));
        assertThat(BemiContext.comment()).isPresent();
    }

    @Test
    void aCommentOverTheCapIsLeftOffAsBemisPackagesDo() {
        String overhead = "/*Bemi {\"k\":\"\"} Bemi*/";
        String fits = "x".repeat(BemiContext.MAX_COMMENT_BYTES - overhead.length());
        BemiContext.set(Map.of("k", fits));
        assertThat(BemiContext.comment()).hasValueSatisfying(c -> assertThat(c).hasSize(BemiContext.MAX_COMMENT_BYTES));
        BemiContext.set(Map.of("k", fits + "x"));
        assertThat(BemiContext.comment()).isEmpty();
        assertThat(BemiContext.get()).containsKey("k");
        assertThat(BemiSql.withContext("DELETE FROM todo")).isEqualTo("DELETE FROM todo");
        // bytes, not characters: two-byte characters fill it twice as fast
        Map<String, Object> wide = new LinkedHashMap<>();
        wide.put("k", "é".repeat((BemiContext.MAX_COMMENT_BYTES - overhead.length()) / 2 + 1));
        assertThat(BemiContext.commentFor(wide)).isEmpty();
    }
}
