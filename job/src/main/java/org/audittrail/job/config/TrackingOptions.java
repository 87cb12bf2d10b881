package org.audittrail.job.config;

import org.audittrail.udf.selection.IgnoredColumns;
import org.audittrail.udf.selection.TableSelection;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** Which tables are tracked and which columns' changes alone are ignored. */
public class TrackingOptions {

    @Option(names = "--tables", split = ",", defaultValue = "${env:TRACK_TABLES:-public.*}",
            description = "Tracked tables, schema.table with * wildcards, comma-separated (TRACK_TABLES, default public.*).")
    List<String> tables = new ArrayList<>();

    @Option(names = "--exclude-tables", split = ",", defaultValue = "${env:EXCLUDE_TABLES}",
            description = "Tables not tracked though --tables matches them, schema.table with * wildcards (EXCLUDE_TABLES).")
    List<String> excludeTables = new ArrayList<>();

    @Option(names = "--ignore-columns", split = ",", defaultValue = "${env:IGNORE_COLUMNS}",
            description = "Ignore-change columns: schema.table.column, table.column or column, with * wildcards"
                    + " (IGNORE_COLUMNS; e.g. public.todo.updated_at,*.updated_at,*_cached_count).")
    List<String> ignoreColumns = new ArrayList<>();

    @Option(names = "--allow-ignoring-every-column",
            description = "Accept an --ignore-columns rule whose column part is * (no UPDATE of the tables it selects is recorded).")
    boolean allowIgnoringEveryColumn;

    public TableSelection tables() {
        return TableSelection.of(nonEmpty(tables), nonEmpty(excludeTables));
    }

    public IgnoredColumns ignoredColumns() {
        return IgnoredColumns.of(nonEmpty(ignoreColumns), allowIgnoringEveryColumn);
    }

    private static List<String> nonEmpty(List<String> values) {
        return values == null ? List.of() : values.stream().filter(v -> v != null && !v.isBlank()).toList();
    }
}
