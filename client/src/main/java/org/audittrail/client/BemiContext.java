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
package org.audittrail.client;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The application context of the current thread: the JSON object that goes, as Bemi's <code>/*Bemi {json} Bemi*&#47;</code>
 * comment, with every INSERT, UPDATE and DELETE the thread sends through {@link BemiDataSource} or
 * {@link org.audittrail.client.hibernate.BemiStatementInspector}.
 *
 * <pre>{@code
 * try (BemiContext.Scope scope = BemiContext.with(Map.of("user_id", 187234, "endpoint", "/todo"))) {
 *     ... writes ...
 * }
 * }</pre>
 */
public final class BemiContext {

    /** Bemi's packages send no comment longer than this many bytes; a longer one is left off, as they do. */
    public static final int MAX_COMMENT_BYTES = 1_000_000;

    private static final System.Logger LOG = System.getLogger(BemiContext.class.getName());
    private static final ThreadLocal<Snapshot> CURRENT = new ThreadLocal<>();

    /** A context as set: its entries, and its comment, or null when the comment is over the cap. */
    private record Snapshot(Map<String, Object> values, String comment) {}

    private BemiContext() {}

    /**
     * Replaces the current thread's context with a copy of {@code context} (an empty or null map clears it). The
     * map is written to JSON here, once: later changes to it are not seen.
     *
     * @throws IllegalArgumentException when a key or value would end or nest the SQL comment (it contains
     *     {@code *&#47;} or {@code /*}), or is a non-finite number; the message shows no key and no value
     */
    public static void set(Map<String, ?> context) {
        CURRENT.set(snapshot(context));
    }

    /** Adds one entry to the current thread's context (replacing the key's value), under the rules of {@link #set}. */
    public static void put(String key, Object value) {
        Map<String, Object> values = new LinkedHashMap<>(get());
        values.put(key, value);
        set(values);
    }

    /** Removes the current thread's context: its writes go without comment. */
    public static void clear() {
        CURRENT.remove();
    }

    /** The current thread's context, unmodifiable, empty when there is none. */
    public static Map<String, Object> get() {
        Snapshot snapshot = CURRENT.get();
        return snapshot == null ? Map.of() : snapshot.values();
    }

    /**
     * Sets {@code context} until the returned scope is closed, which puts back the context that was there before
     * (so scopes nest).
     */
    public static Scope with(Map<String, ?> context) {
        Snapshot previous = CURRENT.get();
        set(context);
        return new Scope(previous);
    }

    /**
     * The comment the current thread's writes carry, <code>/*Bemi {json} Bemi*&#47;</code>; empty when there is no
     * context, or when the comment would be over {@value #MAX_COMMENT_BYTES} bytes.
     */
    public static Optional<String> comment() {
        Snapshot snapshot = CURRENT.get();
        return snapshot == null ? Optional.empty() : Optional.ofNullable(snapshot.comment());
    }

    /** The comment for {@code context}, under the rules of {@link #set}; empty for an empty map or over the cap. */
    public static Optional<String> commentFor(Map<String, ?> context) {
        Snapshot snapshot = snapshot(context);
        return snapshot == null ? Optional.empty() : Optional.ofNullable(snapshot.comment());
    }

    private static Snapshot snapshot(Map<String, ?> context) {
        if (context == null || context.isEmpty()) {
            return null;
        }
        Map<String, Object> values = Collections.unmodifiableMap(new LinkedHashMap<>(context));
        String json = ContextJson.write(values);
        // JSON keeps '/' and '*' as they are, so only the text itself can tell whether the comment would break
        if (json.contains("*/") || json.contains("/*")) {
            throw new IllegalArgumentException(
                    "Bemi context refused: a key or value contains \"*/\" or \"/*\", which would"
                            + " end or nest the SQL comment it travels in (keys and values are not shown)");
        }
        String comment = "/*Bemi " + json + " Bemi*/";
        int bytes = utf8Length(comment);
        if (bytes > MAX_COMMENT_BYTES) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "Bemi context of {0} bytes is over the cap of {1} bytes: writes go without it",
                    bytes,
                    MAX_COMMENT_BYTES);
            return new Snapshot(values, null);
        }
        return new Snapshot(values, comment);
    }

    private static int utf8Length(String s) {
        // cheap for ASCII, exact otherwise
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return s.getBytes(StandardCharsets.UTF_8).length;
            }
        }
        return s.length();
    }

    /** A context set by {@link #with}; closing it puts back the one before. */
    public static final class Scope implements AutoCloseable {
        private final Snapshot previous;

        private Scope(Snapshot previous) {
            this.previous = previous;
        }

        @Override
        public void close() {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        }
    }
}
