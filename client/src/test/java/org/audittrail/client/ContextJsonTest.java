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

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The context's JSON, as written by the client's own writer. */
class ContextJsonTest {

    @Test
    void writesSeed003sContextInItsOrder() {
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("user_id", 187234);
        context.put("endpoint", "/todo");
        context.put("method", "POST");
        assertThat(ContextJson.write(context))
                .isEqualTo("{\"user_id\":187234,\"endpoint\":\"/todo\",\"method\":\"POST\"}");
    }

    @Test
    void writesEveryKindOfValue() {
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("null", null);
        context.put("yes", true);
        context.put("int", -7);
        context.put("long", Long.MAX_VALUE);
        context.put("big", new BigInteger("123456789012345678901234567890"));
        context.put("decimal", new BigDecimal("0.10"));
        context.put("double", 2.5);
        context.put("float", 0.1f);
        context.put("atomic", new AtomicLong(42));
        context.put("list", List.of(1, "two", List.of()));
        context.put("array", new int[] {1, 2});
        context.put("strings", new String[] {"a"});
        context.put("nested", Map.of("k", Map.of()));
        context.put("enum", TimeUnit.SECONDS);
        context.put("uuid", UUID.fromString("00000000-0000-0000-0000-000000000001"));
        context.put("optional", Optional.of("x"));
        context.put("empty", Optional.empty());
        context.put(null, "null key");
        assertThat(ContextJson.write(context))
                .isEqualTo("{\"null\":null,\"yes\":true,\"int\":-7,"
                        + "\"long\":9223372036854775807,\"big\":123456789012345678901234567890,\"decimal\":0.10,\"double\":2.5,"
                        + "\"float\":0.1,\"atomic\":42,\"list\":[1,\"two\",[]],\"array\":[1,2],\"strings\":[\"a\"],"
                        + "\"nested\":{\"k\":{}},\"enum\":\"SECONDS\",\"uuid\":\"00000000-0000-0000-0000-000000000001\","
                        + "\"optional\":\"x\",\"empty\":null,\"null\":\"null key\"}");
    }

    @Test
    void escapesWhatJsonStringsMustEscape() {
        assertThat(ContextJson.write("q\"b\\n\nr\rt\tb\bf\f\u0000\u001f\u007f"))
                .isEqualTo("\"q\\\"b\\\\n\\nr\\rt\\tb\\bf\\f\\u0000\\u001f\\u007f\"");
        // non-ASCII stays as it is; a surrogate pair stays a pair; a lone surrogate, which UTF-8 cannot carry, is
        // escaped
        assertThat(ContextJson.write("é€😀")).isEqualTo("\"é€😀\"");
        assertThat(ContextJson.write("a\ud800b\udc00")).isEqualTo("\"a\\ud800b\\udc00\"");
        assertThat(ContextJson.write("/todo")).isEqualTo("\"/todo\"");
    }

    @Test
    void refusesWhatJsonCannotHoldWithoutShowingIt() {
        assertThatThrownBy(() -> ContextJson.write(Map.of("secret-key", Double.NaN)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("secret-key");
        assertThatThrownBy(() -> ContextJson.write(List.of(Float.POSITIVE_INFINITY)))
                .isInstanceOf(IllegalArgumentException.class);
        List<Object> cycle = new ArrayList<>();
        cycle.add(cycle);
        assertThatThrownBy(() -> ContextJson.write(cycle))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("deeper than");
        Object[] deep = new Object[1];
        Object[] at = deep;
        for (int i = 0; i < ContextJson.MAX_DEPTH - 1; i++) {
            Object[] next = new Object[1];
            at[0] = next;
            at = next;
        }
        assertThat(ContextJson.write(deep)).startsWith("[[[").endsWith("]]]");
    }
}
