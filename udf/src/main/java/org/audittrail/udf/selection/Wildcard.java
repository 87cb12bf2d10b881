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

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A name pattern of {@code --tables} and {@code --ignore-columns}: parts separated by dots, each either bare, where
 * {@code *} stands for any run of characters and everything else matches itself, or double-quoted as in SQL
 * ({@code "we.ird, name"}, {@code ""} for a quote), matching exactly that name. Each part is matched against one
 * exact name (schema, table or column) by the job itself: no name is ever joined, split or put in a regex unescaped.
 */
public final class Wildcard {

    /** One part: its text, and whether it was quoted (then it has no wildcard). */
    record Part(String text, boolean quoted) {

        Pattern pattern() {
            if (quoted) {
                return Pattern.compile(Pattern.quote(text), Pattern.DOTALL);
            }
            String[] pieces = text.split("\\*", -1);
            StringBuilder regex = new StringBuilder();
            for (int i = 0; i < pieces.length; i++) {
                if (i > 0) {
                    regex.append(".*");
                }
                regex.append(Pattern.quote(pieces[i]));
            }
            return Pattern.compile(regex.toString(), Pattern.DOTALL);
        }

        boolean wildcard() {
            return !quoted && text.contains("*");
        }

        /** Whether it matches every name: a bare part of only {@code *}. */
        boolean everything() {
            return !quoted && text.chars().allMatch(c -> c == '*');
        }
    }

    private Wildcard() {}

    /** Each part of a well-formed {@code entry} as the pattern matching one name, in order. */
    public static Pattern[] patterns(String entry) {
        return parts(entry).stream().map(Part::pattern).toArray(Pattern[]::new);
    }

    /** The parts of {@code entry} as patterns; null where it is malformed (see {@link #parts}). */
    public static List<Pattern> patternsOrNull(String entry) {
        List<Part> parts = parts(entry);
        return parts == null ? null : parts.stream().map(Part::pattern).toList();
    }

    /** The parts of {@code entry}; null where it is malformed (an empty part, an unclosed quote, text after one). */
    static List<Part> parts(String entry) {
        List<Part> parts = new ArrayList<>();
        int i = 0;
        int n = entry.length();
        while (true) {
            if (i < n && entry.charAt(i) == '"') {
                StringBuilder name = new StringBuilder();
                i++;
                while (true) {
                    if (i >= n) {
                        return null; // unclosed quote
                    }
                    char c = entry.charAt(i++);
                    if (c == '"') {
                        if (i < n && entry.charAt(i) == '"') {
                            name.append('"');
                            i++;
                        } else {
                            break;
                        }
                    } else {
                        name.append(c);
                    }
                }
                if (name.isEmpty()) {
                    return null;
                }
                parts.add(new Part(name.toString(), true));
            } else {
                int end = i;
                while (end < n && entry.charAt(end) != '.' && entry.charAt(end) != '"') {
                    end++;
                }
                if (end == i || (end < n && entry.charAt(end) == '"')) {
                    return null; // an empty part, or a quote inside a bare one
                }
                parts.add(new Part(entry.substring(i, end), false));
                i = end;
            }
            if (i == n) {
                return parts;
            }
            if (entry.charAt(i) != '.') {
                return null; // text right after a closing quote
            }
            i++;
        }
    }

    /** A comma-separated list split at the commas outside double quotes, each entry trimmed, empty ones dropped. */
    public static List<String> split(String list) {
        List<String> entries = new ArrayList<>();
        StringBuilder entry = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < list.length(); i++) {
            char c = list.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == ',' && !quoted) {
                add(entries, entry);
            } else {
                entry.append(c);
            }
        }
        add(entries, entry);
        return entries;
    }

    private static void add(List<String> entries, StringBuilder entry) {
        String text = entry.toString().strip();
        if (!text.isEmpty()) {
            entries.add(text);
        }
        entry.setLength(0);
    }
}
