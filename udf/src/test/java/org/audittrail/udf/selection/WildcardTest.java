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
import org.junit.jupiter.api.Test;

/** Patterns matched against exact names: quoted parts hold dots, commas, quotes and stars as themselves. */
class WildcardTest {

    @Test
    void aListSplitsOnlyAtCommasOutsideQuotes() {
        assertThat(Wildcard.split(" public.* , \"a,b\".\"c\"\"d\",, x.y "))
                .containsExactly("public.*", "\"a,b\".\"c\"\"d\"", "x.y");
    }

    @Test
    void eachPartIsMatchedAgainstOneExactName() {
        TableSelection selection =
                TableSelection.of(List.of("\"we.ird, *\".*", "sales.order_*"), List.of("\"we.ird, *\".\"no\"\"t\""));
        assertThat(selection.isTracked("we.ird, *", "any.thing")).isTrue();
        assertThat(selection.isTracked("we.ird, *", "no\"t")).isFalse();
        assertThat(selection.isTracked("we.ird, x", "t")).isFalse(); // * inside quotes is itself
        assertThat(selection.isTracked("we", "ird, *.t")).isFalse(); // no joining: the dot is the schema's
        assertThat(selection.isTracked("sales", "order_2024")).isTrue();
        assertThat(TableSelection.of(List.of("\"a.b\".\"c\"\"d\"", "x.*"), List.of())
                        .namedTables())
                .containsExactly("a.b.c\"d");
    }

    @Test
    void malformedPatternsAreRefusedNamingTheEntry() {
        for (String bad : List.of("\"a.b", "a.\"b\"c", "a..b", "a.b.c", "\"\".b", "a\"b\".c")) {
            assertThatThrownBy(() -> TableSelection.of(List.of(bad), List.of()))
                    .hasMessageStartingWith("--tables: '" + bad + "' is not schema.table");
        }
        IgnoredColumns rules = IgnoredColumns.of(List.of("\"s.1\".\"t,2\".\"c*\"", "*.updated_at"), false);
        assertThat(rules.isIgnored("s.1", "t,2", "c*")).isTrue();
        assertThat(rules.isIgnored("s.1", "t,2", "cx")).isFalse();
        assertThat(rules.isIgnored("any", "table", "updated_at")).isTrue();
        assertThatThrownBy(() -> IgnoredColumns.of(List.of("\"s\".*"), false))
                .hasMessageContaining("matches every column");
    }
}
