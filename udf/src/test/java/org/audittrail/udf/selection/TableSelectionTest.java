package org.audittrail.udf.selection;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
        TableSelection tables = TableSelection.of(List.of("public.*", "sales.order*", "hr.people"), List.of("public.tmp_*"));
        assertThat(tables.isTracked("public", "todo")).isTrue();
        assertThat(tables.isTracked("public", "tmp_import")).isFalse();
        assertThat(tables.isTracked("sales", "orders")).isTrue();
        assertThat(tables.isTracked("sales", "invoices")).isFalse();
        assertThat(tables.isTracked("hr", "people")).isTrue();
        assertThat(tables.namedTables()).containsExactly("hr.people");
    }

    @Test
    void entriesMustBeSchemaDotTable() {
        assertThatThrownBy(() -> TableSelection.of(List.of("todo"), List.of())).hasMessageContaining("--tables: 'todo' is not schema.table");
        assertThatThrownBy(() -> TableSelection.of(List.of(), List.of("a.b.c"))).hasMessageContaining("--exclude-tables");
    }
}
