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

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** Where a page ends: the last change's commit time, position and id, the order's whole key. */
public record Cursor(OffsetDateTime committedAt, long position, String id) {
    static Cursor after(Change c) {
        return new Cursor(c.committedAt(), c.position(), c.id());
    }

    /** The cursor as one URL-safe token. */
    public String token() {
        Instant at = committedAt.toInstant();
        return at.getEpochSecond() + "." + at.getNano() + "." + position + "." + id;
    }

    /** Reads a token; one that is not a cursor is a {@link FilterException}. */
    public static Cursor parse(String token) {
        if (token == null || token.isBlank()) {
            return null;
        }
        String[] parts = token.split("\\.");
        try {
            if (parts.length != 4 || !parts[3].matches("[0-9a-f-]{36}")) {
                throw new NumberFormatException();
            }
            Instant at = Instant.ofEpochSecond(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
            return new Cursor(at.atOffset(ZoneOffset.UTC), Long.parseLong(parts[2]), parts[3]);
        } catch (NumberFormatException | java.time.DateTimeException e) {
            throw new FilterException("This page link is damaged: start the search again");
        }
    }
}
