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
 * with {@code *} wildcards (default: {@code public.*}).
 */
public final class TableSelection implements Serializable {

    private static final long serialVersionUID = 1L;

    private final List<String> includes;
    private final List<String> excludes;
    private transient List<Pattern> includePatterns;
    private transient List<Pattern> excludePatterns;

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
        String[] parts = trimmed.split("\\.", -1);
        if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new IllegalArgumentException(option + ": '" + entry
                    + "' is not schema.table (use * as a wildcard, e.g. public.* or sales.order_*)");
        }
        return trimmed;
    }

    public boolean isTracked(String schema, String table) {
        String name = schema + "." + table;
        return matchesAny(includePatterns(), name) && !matchesAny(excludePatterns(), name);
    }

    /** The include entries without a wildcard: tables the user named, which must exist. */
    public List<String> namedTables() {
        return includes.stream().filter(i -> !i.contains("*")).toList();
    }

    private List<Pattern> includePatterns() {
        if (includePatterns == null) {
            includePatterns = includes.stream().map(Wildcard::compile).toList();
        }
        return includePatterns;
    }

    private List<Pattern> excludePatterns() {
        if (excludePatterns == null) {
            excludePatterns = excludes.stream().map(Wildcard::compile).toList();
        }
        return excludePatterns;
    }

    private static boolean matchesAny(List<Pattern> patterns, String name) {
        for (Pattern p : patterns) {
            if (p.matcher(name).matches()) {
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
