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
package org.audittrail.udf.selection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.audittrail.udf.model.Change;
import org.audittrail.udf.model.Operation;
import org.audittrail.udf.testing.TestChanges;
import org.junit.jupiter.api.Test;

/** Ignore-change column rules: matching with wildcards, and changed compared by value. */
class IgnoredColumnsTest {

    @Test
    void rulesMatchBySchemaTableAndColumnWithWildcards() {
        IgnoredColumns rules = IgnoredColumns.of(
                List.of("public.todo.updatedAt", "*.updated_at", "public.*.touched", "*_cached_count"));
        assertThat(rules.isIgnored("public", "todo", "updatedAt")).isTrue();
        assertThat(rules.isIgnored("public", "users", "updatedAt")).isFalse();
        assertThat(rules.isIgnored("sales", "orders", "updated_at")).isTrue();
        assertThat(rules.isIgnored("public", "todo", "touched")).isTrue();
        assertThat(rules.isIgnored("sales", "todo", "touched")).isFalse();
        assertThat(rules.isIgnored("sales", "orders", "likes_cached_count")).isTrue();
        assertThat(rules.isIgnored("sales", "orders", "likes_cached_counts")).isFalse();
        assertThat(rules.isIgnored("public", "todo", "task")).isFalse();
        // a dot in a pattern is a separator, never "any character"
        assertThat(IgnoredColumns.of(List.of("a.b")).isIgnored("x", "aXb", "b")).isFalse();
    }

    @Test
    void invalidRulesFailWithAClearMessage() {
        assertThatThrownBy(() -> IgnoredColumns.of(List.of("a.b.c.d"))).hasMessageContaining("'a.b.c.d' is not column");
        assertThatThrownBy(() -> IgnoredColumns.of(List.of("public..x"))).hasMessageContaining("--ignore-columns");
        assertThatThrownBy(() -> IgnoredColumns.of(List.of(" "))).hasMessageContaining("--ignore-columns");
    }

    @Test
    void onlyUpdatesOfIgnoredColumnsAlone() {
        IgnoredColumns rules = IgnoredColumns.of(List.of("*.updated_at"));
        assertThat(rules.changesOnlyIgnoredColumns(update(
                        "{\"id\":1,\"t\":\"a\",\"updated_at\":\"1\"}", "{\"id\":1,\"t\":\"a\",\"updated_at\":\"2\"}")))
                .isTrue();
        assertThat(rules.changesOnlyIgnoredColumns(update(
                        "{\"id\":1,\"t\":\"a\",\"updated_at\":\"1\"}", "{\"id\":1,\"t\":\"b\",\"updated_at\":\"2\"}")))
                .as("mixed")
                .isFalse();
        assertThat(rules.changesOnlyIgnoredColumns(update("{\"id\":1}", "{\"id\":1}")))
                .as("nothing changed")
                .isFalse();
        assertThat(rules.changesOnlyIgnoredColumns(update("{}", "{\"id\":1,\"updated_at\":\"2\"}")))
                .as("no before image")
                .isFalse();
        Change insert = update("{}", "{\"updated_at\":\"2\"}");
        insert.operation = Operation.CREATE;
        assertThat(rules.changesOnlyIgnoredColumns(insert)).isFalse();
        assertThat(IgnoredColumns.none().changesOnlyIgnoredColumns(update("{\"updated_at\":1}", "{\"updated_at\":2}")))
                .isFalse();
    }

    @Test
    void changedComparesValuesNotText() {
        IgnoredColumns rules = IgnoredColumns.of(List.of("*.updated_at"));
        // 1.50 and 1.5 are one numeric; a jsonb with its keys in another order is the same jsonb
        assertThat(rules.changesOnlyIgnoredColumns(update(
                        "{\"price\":1.50,\"doc\":{\"a\":1,\"b\":[1,2]},\"updated_at\":\"1\"}",
                        "{\"price\":1.5,\"doc\":{\"b\":[1,2],\"a\":1},\"updated_at\":\"2\"}")))
                .isTrue();
        assertThat(rules.changesOnlyIgnoredColumns(
                        update("{\"price\":1.50,\"updated_at\":\"1\"}", "{\"price\":1.51,\"updated_at\":\"2\"}")))
                .isFalse();
        assertThat(rules.changesOnlyIgnoredColumns(
                        update("{\"doc\":{\"a\":1},\"updated_at\":\"1\"}", "{\"doc\":{\"a\":2},\"updated_at\":\"2\"}")))
                .isFalse();
    }

    static Change update(String before, String after) {
        Change c = TestChanges.row(1, 1);
        c.operation = Operation.UPDATE;
        c.before = before;
        c.after = after;
        return c;
    }
}
