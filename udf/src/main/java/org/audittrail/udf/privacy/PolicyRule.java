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
package org.audittrail.udf.privacy;

import java.io.Serializable;
import java.util.List;
import java.util.regex.Pattern;
import org.audittrail.udf.privacy.PrivacyPolicy.Action;
import org.audittrail.udf.selection.Wildcard;

/** One rule of a policy: a column pattern (as --ignore-columns) or a context key pattern, and its action. */
final class PolicyRule implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String pattern;
    private final boolean context;
    private final Action action;
    private final int length;
    private transient Pattern[] parts;

    PolicyRule(String pattern, boolean context, Action action, int length) {
        this.pattern = pattern;
        this.context = context;
        this.action = action;
        this.length = length;
    }

    String pattern() {
        return pattern;
    }

    boolean context() {
        return context;
    }

    Action action() {
        return action;
    }

    int length() {
        return length;
    }

    /** Whether it covers the column (schema and table null for a context key). */
    boolean matches(String schema, String table, String column) {
        if (parts == null) {
            parts = Wildcard.patterns(pattern);
        }
        int n = parts.length;
        return parts[n - 1].matcher(column).matches()
                && (n < 2 || parts[n - 2].matcher(table).matches())
                && (n < 3 || parts[n - 3].matcher(schema).matches());
    }

    /** Whether the pattern is one to three parts (one for a context key); a message otherwise. */
    static String check(String pattern, boolean context) {
        List<?> split = Wildcard.patternsOrNull(pattern);
        if (split == null || split.size() > (context ? 1 : 3)) {
            return context
                    ? "'" + pattern + "' is not a context key pattern (a key, * as a wildcard)"
                    : "'" + pattern + "' is not column, table.column or schema.table.column (* as a wildcard)";
        }
        return null;
    }

    @Override
    public String toString() {
        return (context ? "context " : "column ") + pattern + " "
                + action.name().toLowerCase() + (action == Action.TRUNCATE ? " " + length : "");
    }
}
