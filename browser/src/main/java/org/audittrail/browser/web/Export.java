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

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.audittrail.browser.query.Change;
import org.audittrail.browser.query.ChangeFilter;
import org.audittrail.browser.query.ChangeStore;
import org.audittrail.browser.query.Page;

/**
 * A search's changes as CSV or JSON lines, newest first, streamed a page of {@value #BATCH} at a time: memory stays flat
 * whatever the export's size, and each page's query has the statement timeout.
 */
final class Export {
    static final int BATCH = 1000;
    private static final ObjectMapper JSON = new ObjectMapper().disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    private static final List<String> COLUMNS = List.of(
            "id",
            "database",
            "schema",
            "table",
            "primary_key",
            "operation",
            "committed_at",
            "transaction_id",
            "position",
            "partial",
            "context",
            "before",
            "after");

    private Export() {}

    static void csv(Context ctx, ChangeStore store, ChangeFilter filter) throws IOException {
        stream(ctx, store, filter, "text/csv; charset=utf-8", "changes.csv", true);
    }

    static void jsonLines(Context ctx, ChangeStore store, ChangeFilter filter) throws IOException {
        stream(ctx, store, filter, "application/x-ndjson; charset=utf-8", "changes.jsonl", false);
    }

    private static void stream(
            Context ctx, ChangeStore store, ChangeFilter filter, String type, String file, boolean csv)
            throws IOException {
        // the first page is read before anything is sent, so a bad filter or a slow query is still a page
        Page page = store.search(filter, null, BATCH);
        ctx.contentType(type);
        ctx.header("Content-Disposition", "attachment; filename=\"" + file + "\"");
        Writer out = new BufferedWriter(new OutputStreamWriter(ctx.outputStream(), StandardCharsets.UTF_8));
        if (csv) {
            out.write(String.join(",", COLUMNS) + "\r\n");
        }
        while (true) {
            for (Change c : page.changes()) {
                if (csv) {
                    csvRow(out, c);
                } else {
                    JSON.writeValue(out, jsonRow(c));
                    out.write('\n');
                }
            }
            if (page.next() == null) {
                break;
            }
            out.flush();
            page = store.search(filter, page.next(), BATCH);
        }
        out.flush();
    }

    private static void csvRow(Writer out, Change c) throws IOException {
        List<String> cells = List.of(
                c.id(),
                c.record().database(),
                c.record().schema(),
                c.record().table(),
                c.record().key() == null ? "" : c.record().key(),
                c.operation(),
                c.committedAt().toInstant().toString(),
                String.valueOf(c.transactionId()),
                String.valueOf(c.position()),
                String.valueOf(c.partial()),
                c.context().toString(),
                c.before().toString(),
                c.after().toString());
        for (int i = 0; i < cells.size(); i++) {
            out.write(i == 0 ? "" : ",");
            out.write(cell(cells.get(i)));
        }
        out.write("\r\n");
    }

    /** RFC 4180 quoting; a cell a spreadsheet would run as a formula gets a leading apostrophe. */
    static String cell(String text) {
        String safe = !text.isEmpty() && "=+-@\t\r".indexOf(text.charAt(0)) >= 0 ? "'" + text : text;
        return "\"" + safe.replace("\"", "\"\"") + "\"";
    }

    private static java.util.Map<String, Object> jsonRow(Change c) {
        java.util.Map<String, Object> row = new java.util.LinkedHashMap<>();
        row.put("id", c.id());
        row.put("database", c.record().database());
        row.put("schema", c.record().schema());
        row.put("table", c.record().table());
        row.put("primary_key", c.record().key());
        row.put("operation", c.operation());
        row.put("committed_at", c.committedAt().toInstant().toString());
        row.put("transaction_id", c.transactionId());
        row.put("position", c.position());
        row.put("partial", c.partial());
        row.put("context", c.context());
        row.put("before", c.before());
        row.put("after", c.after());
        return row;
    }
}
