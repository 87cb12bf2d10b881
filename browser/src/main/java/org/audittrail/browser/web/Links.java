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
package org.audittrail.browser.web;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.audittrail.browser.query.Change;
import org.audittrail.browser.query.Record;

/** The links between pages, every part URL-encoded; templates call these instead of building URLs. */
public final class Links {
    private Links() {}

    public static String encode(String text) {
        return URLEncoder.encode(text == null ? "" : text, StandardCharsets.UTF_8);
    }

    public static String record(Record r) {
        return "/record?database=" + encode(r.database()) + "&schema=" + encode(r.schema()) + "&table="
                + encode(r.table()) + "&key=" + encode(r.key());
    }

    public static String tableAt(Record table, String asOf) {
        return "/table?database=" + encode(table.database()) + "&schema=" + encode(table.schema()) + "&table="
                + encode(table.table()) + "&asOf=" + encode(asOf);
    }

    public static String transaction(Change c) {
        return "/transaction?database=" + encode(c.record().database()) + "&id=" + c.transactionId() + "&at="
                + encode(c.committedAt().toInstant().toString());
    }

    public static String revertChange(Change c) {
        return "/revert?change=" + encode(c.id()) + "&at="
                + encode(c.committedAt().toInstant().toString());
    }

    public static String revertTransaction(String database, long id, java.time.OffsetDateTime at) {
        return "/revert?database=" + encode(database) + "&transaction=" + id + "&at="
                + encode(at.toInstant().toString());
    }

    public static String revertContext(String key, String value) {
        return "/revert?key=" + encode(key) + "&value=" + encode(value);
    }

    public static String context(String key, String value) {
        return "/context?key=" + encode(key) + "&value=" + encode(value);
    }
}
