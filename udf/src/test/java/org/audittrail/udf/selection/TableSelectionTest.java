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

/** Tracked tables: include and exclude patterns. */
class TableSelectionTest {

    @Test
    void defaultIsEveryTableOfPublic() {
        TableSelection tables = TableSelection.defaults();
        assertThat(tables.isTracked("public", "todo")).isTrue();
        assertThat(tables.isTracked("sales", "orders")).isFalse();
    }

    @Test
    void includesAndExcludesWithWildcards() {
        TableSelection tables =
                TableSelection.of(List.of("public.*", "sales.order*", "hr.people"), List.of("public.tmp_*"));
        assertThat(tables.isTracked("public", "todo")).isTrue();
        assertThat(tables.isTracked("public", "tmp_import")).isFalse();
        assertThat(tables.isTracked("sales", "orders")).isTrue();
        assertThat(tables.isTracked("sales", "invoices")).isFalse();
        assertThat(tables.isTracked("hr", "people")).isTrue();
        assertThat(tables.namedTables()).containsExactly("hr.people");
    }

    @Test
    void entriesMustBeSchemaDotTable() {
        assertThatThrownBy(() -> TableSelection.of(List.of("todo"), List.of()))
                .hasMessageContaining("--tables: 'todo' is not schema.table");
        assertThatThrownBy(() -> TableSelection.of(List.of(), List.of("a.b.c")))
                .hasMessageContaining("--exclude-tables");
    }
}
