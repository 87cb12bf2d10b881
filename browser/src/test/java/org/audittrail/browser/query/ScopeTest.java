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
package org.audittrail.browser.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A viewer's scope: table patterns matched exactly (only * is special), masks that still show a change. */
class ScopeTest {
    @Test
    void patternsMatchWholeNamesWithStarAsTheOnlyWildcard() {
        Scope scope = Scope.parse("tables=orders, public.item_*, \"odd\".a%b");
        assertThat(scope.allows("sales", "orders")).isTrue();
        assertThat(scope.allows("public", "orders_old")).isFalse();
        assertThat(scope.allows("public", "item_1")).isTrue();
        assertThat(scope.allows("other", "item_1")).isFalse();
        assertThat(scope.allows("public", "itemx1")).isFalse();
        assertThat(scope.allows("\"odd\"", "a%b")).isTrue();
        assertThat(scope.allows("\"odd\"", "axb")).isFalse();
        assertThat(Scope.ALL.allows("any", "thing")).isTrue();
    }

    @Test
    void theSqlConditionEscapesLikeWildcards() {
        Sql sql = new Sql();
        Scope.parse("tables=a_b*,s%.t\\x").condition(sql);
        assertThat(sql.where()).isEqualTo(" WHERE (\"table\" LIKE ? OR (\"schema\" LIKE ? AND \"table\" LIKE ?))");
        assertThat(sql.params()).containsExactly("a\\_b%", "s\\%", "t\\\\x");
    }

    @Test
    void masksHideValuesButNotThatTheyChanged() {
        Scope scope = Scope.parse("mask=email");
        Change masked = scope.mask(RevertTest.change(
                "UPDATE", "{\"id\": 1, \"email\": \"a@x\", \"n\": 1}", "{\"id\": 1, \"email\": \"b@x\", \"n\": 2}"));
        assertThat(masked.before().toString()).isEqualTo("{\"id\":1,\"email\":\"***\",\"n\":1}");
        assertThat(masked.after().toString()).isEqualTo("{\"id\":1,\"email\":\"*** (changed)\",\"n\":2}");
        assertThat(masked.diff()).extracting(ColumnDiff::column).containsExactly("email", "n");
        assertThat(scope.masked()).isEqualTo(Set.of("email"));
        assertThat(Scope.parse("").tables()).isEqualTo(List.of());
        assertThatThrownBy(() -> Scope.parse("table=orders"))
                .hasMessage("'table' is not tables= or mask=: write tables=orders,public.item*;mask=email");
    }
}
