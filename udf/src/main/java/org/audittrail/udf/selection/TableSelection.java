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

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Which tables are tracked: those matching an include pattern and no exclude pattern, each {@code schema.table}
 * with {@code *} wildcards, a part double-quoted for a name holding dots, commas, quotes or {@code *} (default:
 * {@code public.*}); schema and table are each matched against the exact name (see {@link Wildcard}).
 */
public final class TableSelection implements Serializable {

    private static final long serialVersionUID = 1L;

    private final List<String> includes;
    private final List<String> excludes;
    private transient List<Pattern[]> includePatterns;
    private transient List<Pattern[]> excludePatterns;

    private TableSelection(List<String> includes, List<String> excludes) {
        this.includes = includes;
        this.excludes = excludes;
    }

    /** Parses the lists; fails with a message naming the bad entry. */
    public static TableSelection of(List<String> includes, List<String> excludes) {
        List<String> in = new ArrayList<>();
        for (String include : includes) {
            in.add(validated(include, "--tables"));
        }
        List<String> out = new ArrayList<>();
        for (String exclude : excludes) {
            out.add(validated(exclude, "--exclude-tables"));
        }
        return new TableSelection(in.isEmpty() ? List.of("public.*") : in, out);
    }

    /** Every table of schema public. */
    public static TableSelection defaults() {
        return of(List.of(), List.of());
    }

    private static String validated(String entry, String option) {
        String trimmed = entry.trim();
        List<Wildcard.Part> parts = Wildcard.parts(trimmed);
        if (parts == null || parts.size() != 2) {
            throw new IllegalArgumentException(option + ": '" + entry
                    + "' is not schema.table (use * as a wildcard, e.g. public.* or sales.order_*, and double quotes"
                    + " around a name with dots, commas or quotes, e.g. \"my.schema\".*)");
        }
        return trimmed;
    }

    public boolean isTracked(String schema, String table) {
        return matchesAny(includePatterns(), schema, table) && !matchesAny(excludePatterns(), schema, table);
    }

    /** The include entries that select none of {@code tables} (each {schema, table}), for a warning. */
    public List<String> matchingNone(List<String[]> tables) {
        List<String> none = new ArrayList<>();
        List<Pattern[]> patterns = includePatterns();
        for (int i = 0; i < includes.size(); i++) {
            Pattern[] p = patterns.get(i);
            if (tables.stream()
                    .noneMatch(t ->
                            p[0].matcher(t[0]).matches() && p[1].matcher(t[1]).matches())) {
                none.add(includes.get(i));
            }
        }
        return none;
    }

    /** The include entries without a wildcard, as {@code schema.table} of their exact names: they must exist. */
    public List<String> namedTables() {
        List<String> named = new ArrayList<>();
        for (String include : includes) {
            List<Wildcard.Part> parts = Wildcard.parts(include);
            if (parts.stream().noneMatch(Wildcard.Part::wildcard)) {
                named.add(parts.get(0).text() + "." + parts.get(1).text());
            }
        }
        return named;
    }

    private List<Pattern[]> includePatterns() {
        if (includePatterns == null) {
            includePatterns = compile(includes);
        }
        return includePatterns;
    }

    private List<Pattern[]> excludePatterns() {
        if (excludePatterns == null) {
            excludePatterns = compile(excludes);
        }
        return excludePatterns;
    }

    private static List<Pattern[]> compile(List<String> entries) {
        return entries.stream()
                .map(e -> Wildcard.parts(e).stream().map(Wildcard.Part::pattern).toArray(Pattern[]::new))
                .toList();
    }

    private static boolean matchesAny(List<Pattern[]> patterns, String schema, String table) {
        for (Pattern[] p : patterns) {
            if (p[0].matcher(schema).matches() && p[1].matcher(table).matches()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "tables " + includes + (excludes.isEmpty() ? "" : " except " + excludes);
    }
}
