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

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.audittrail.browser.query.Change;
import org.audittrail.browser.query.ChangeFilter;
import org.audittrail.browser.query.ChangeStore;
import org.audittrail.browser.query.Cursor;
import org.audittrail.browser.query.FilterException;
import org.audittrail.browser.query.Page;
import org.audittrail.browser.query.Record;
import org.audittrail.browser.query.Revert;
import org.audittrail.browser.query.Scope;
import org.audittrail.browser.query.SlowQueryException;
import org.audittrail.browser.query.State;
import org.audittrail.browser.query.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The pages: search, a record's timeline, a transaction, a context value; each reads through {@link ChangeStore}. */
public final class Pages {
    private static final Logger LOG = LoggerFactory.getLogger(Pages.class);

    /** Key changes followed from one record, at most: a chain longer than this is cut with a note. */
    static final int MAX_KEYS = 20;

    /** Changes one revert preview covers, at most. */
    static final int MAX_REVERT = 1000;

    private final ChangeStore store;
    private final int pageSize;
    private final byte[] css;
    private final byte[] tailScript;

    public Pages(ChangeStore store, int pageSize) throws IOException {
        this.store = store;
        this.pageSize = pageSize;
        this.css = resource("/static/browser.css");
        this.tailScript = resource("/static/tail.js");
    }

    public void install(RoutesConfig routes) {
        routes.get("/", this::search);
        routes.get("/record", this::record);
        routes.get("/transaction", this::transaction);
        routes.get("/context", this::context);
        routes.get("/revert", this::revert);
        routes.get("/tail", this::tail);
        routes.get("/table", this::table);
        routes.sse("/tail/events", new LiveTail(store)::stream);
        routes.get("/static/tail.js", ctx -> ctx.contentType("text/javascript").result(tailScript));
        routes.get("/export.csv", ctx -> Export.csv(ctx, store(ctx), ChangeFilter.parse(ctx.queryParamMap())));
        routes.get("/export.jsonl", ctx -> Export.jsonLines(ctx, store(ctx), ChangeFilter.parse(ctx.queryParamMap())));
        routes.get("/static/browser.css", ctx -> ctx.contentType("text/css").result(css));
        routes.exception(
                FilterException.class, (e, ctx) -> Views.message(ctx, 400, "Cannot search that", e.getMessage()));
        routes.exception(SlowQueryException.class, (e, ctx) -> Views.message(ctx, 503, "Too slow", e.getMessage()));
        routes.exception(StoreException.class, (e, ctx) -> {
            LOG.warn("{}", e.getMessage());
            Views.message(ctx, 503, "Destination unavailable", e.getMessage() + ": try again in a moment.");
        });
        routes.exception(Exception.class, (e, ctx) -> {
            String path;
            try {
                path = ctx.path();
            } catch (RuntimeException recycled) {
                return; // a live tail whose viewer left: Jetty has recycled the request, and there is no one to answer
            }
            // the class only: a message could quote a stored value
            LOG.error("page {} failed: {}", path, e.getClass().getName());
            Views.message(ctx, 500, "Something went wrong", "The page could not be made; the server log says why.");
        });
    }

    private void search(Context ctx) {
        Map<String, List<String>> fields = ctx.queryParamMap();
        Map<String, Object> model = new HashMap<>();
        model.put("fields", first(fields));
        ChangeFilter filter = ChangeFilter.parse(fields);
        Cursor cursor = Cursor.parse(ctx.queryParam("after"));
        Page page = store(ctx).search(filter, cursor, pageSize);
        model.put("changes", page.changes());
        model.put(
                "next", page.next() == null ? "" : nextLink(fields, page.next().token()));
        model.put("count", cursor == null ? count(store(ctx).count(filter)) : "");
        model.put("query", query(fields));
        Views.render(ctx, "search.jte", model);
    }

    private void record(Context ctx) {
        Record asked = new Record(
                required(ctx, "database"), required(ctx, "schema"), required(ctx, "table"), required(ctx, "key"));
        // the record's whole story: its own key and every key it had before or after a key change
        Set<String> keys = new LinkedHashSet<>(List.of(asked.key()));
        List<String> toVisit = new ArrayList<>(keys);
        while (!toVisit.isEmpty() && keys.size() < MAX_KEYS) {
            Record r = new Record(asked.database(), asked.schema(), asked.table(), toVisit.remove(0));
            for (String linked : store(ctx).records().linkedKeys(r)) {
                if (keys.add(linked)) {
                    toVisit.add(linked);
                }
            }
        }
        List<Change> timeline = new ArrayList<>();
        for (String key : keys) {
            timeline.addAll(
                    store(ctx).records().history(new Record(asked.database(), asked.schema(), asked.table(), key)));
        }
        timeline.sort(Comparator.comparing(Change::committedAt).thenComparingLong(Change::position));
        Map<String, Object> model = new HashMap<>();
        model.put("record", asked);
        model.put("keys", List.copyOf(keys));
        model.put("changes", timeline);
        String asOf = ctx.queryParam("asOf");
        model.put("asOf", asOf == null ? "" : asOf);
        model.put(
                "state",
                asOf == null || asOf.isBlank() ? null : store(ctx).records().recordAt(asked, time(asOf)));
        Views.render(ctx, "record.jte", model);
    }

    private void transaction(Context ctx) {
        String database = required(ctx, "database");
        long id = number(required(ctx, "id"), "Transaction");
        OffsetDateTime at = time(required(ctx, "at"));
        List<Change> changes = store(ctx).transaction(database, id, at);
        Map<String, Object> model = new HashMap<>();
        model.put("database", database);
        model.put("id", id);
        model.put("at", at);
        model.put("changes", changes);
        Views.render(ctx, "transaction.jte", model);
    }

    private void context(Context ctx) {
        String key = required(ctx, "key");
        String value = ctx.queryParam("value") == null ? "" : ctx.queryParam("value");
        Page page = store(ctx).context(key, value, Cursor.parse(ctx.queryParam("after")), pageSize);
        Map<String, Object> model = new HashMap<>();
        model.put("key", key);
        model.put("value", value);
        model.put("changes", page.changes());
        model.put(
                "next",
                page.next() == null
                        ? ""
                        : "/context?key=" + Links.encode(key) + "&value=" + Links.encode(value) + "&after="
                                + page.next().token());
        Views.render(ctx, "context.jte", model);
    }

    /** A table as it was at a moment: its records, by key, a page at a time. */
    private void table(Context ctx) {
        Record table = new Record(required(ctx, "database"), required(ctx, "schema"), required(ctx, "table"), null);
        String asOf = required(ctx, "asOf");
        String afterKey = ctx.queryParam("afterKey");
        List<State> states = store(ctx).records().tableAt(table, time(asOf), afterKey, pageSize);
        boolean more = states.size() > pageSize;
        List<State> scanned = more ? states.subList(0, pageSize) : states;
        // keys whose record did not exist then take no row, but move the page on
        List<State> shown = scanned.stream().filter(s -> s.row() != null).toList();
        Map<String, Object> model = new HashMap<>();
        model.put("table", table);
        model.put("asOf", asOf);
        model.put("states", shown);
        model.put(
                "next",
                more
                        ? Links.tableAt(table, asOf) + "&afterKey="
                                + Links.encode(scanned.get(pageSize - 1).key())
                        : "");
        Views.render(ctx, "table.jte", model);
    }

    /** The live tail: the search's fields, and a table the page's script fills from /tail/events. */
    private void tail(Context ctx) {
        Map<String, List<String>> fields = ctx.queryParamMap();
        ChangeFilter.parse(fields);
        Map<String, Object> model = new HashMap<>();
        model.put("fields", first(fields));
        model.put("query", query(fields));
        Views.render(ctx, "tail.jte", model);
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = Pages.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        }
    }

    /** The SQL that would undo one change, a transaction or everything under a context value; shown, never run. */
    private void revert(Context ctx) {
        Scope scope = ctx.attribute(Guard.SCOPE);
        if (scope != null && !scope.masked().isEmpty()) {
            throw new FilterException(
                    "Undo SQL needs every value, and your view masks columns: ask someone who sees them");
        }
        List<Change> changes;
        String what;
        if (ctx.queryParam("change") != null) {
            Change change = store(ctx).change(ctx.queryParam("change"), time(required(ctx, "at")));
            changes = change == null ? List.of() : List.of(change);
            what = "one change";
        } else if (ctx.queryParam("transaction") != null) {
            long id = number(ctx.queryParam("transaction"), "Transaction");
            changes = store(ctx).transaction(required(ctx, "database"), id, time(required(ctx, "at")));
            what = "transaction " + id;
        } else {
            String key = required(ctx, "key");
            String value = ctx.queryParam("value") == null ? "" : ctx.queryParam("value");
            Page page = store(ctx).context(key, value, null, MAX_REVERT);
            if (page.next() != null) {
                throw new FilterException("More than " + MAX_REVERT + " changes were made under " + key + " = " + value
                        + ": revert them a transaction at a time");
            }
            changes = page.changes();
            what = "everything under " + key + " = " + value;
        }
        if (changes.isEmpty()) {
            throw new FilterException("No such change is stored: open the preview again from its page");
        }
        Map<String, Object> model = new HashMap<>();
        model.put("what", what);
        model.put("count", changes.size());
        model.put("preview", Revert.of(changes, store(ctx).records().laterChanges(changes)));
        Views.render(ctx, "revert.jte", model);
    }

    /** The store as the viewer may see it: their tables, their masked columns. */
    private ChangeStore store(Context ctx) {
        Scope scope = ctx.attribute(Guard.SCOPE);
        return store.within(scope == null ? Scope.ALL : scope);
    }

    private static String count(int n) {
        return n > ChangeStore.COUNT_LIMIT
                ? "more than " + String.format("%,d", ChangeStore.COUNT_LIMIT)
                : String.format("%,d", n);
    }

    private static Map<String, String> first(Map<String, List<String>> fields) {
        Map<String, String> first = new HashMap<>();
        fields.forEach((k, v) -> first.put(k, v.isEmpty() ? "" : v.get(0)));
        return first;
    }

    private static String nextLink(Map<String, List<String>> fields, String token) {
        return "/?" + query(fields) + "after=" + token;
    }

    /** The search's fields as a query string, each followed by an ampersand, without the page cursor. */
    private static String query(Map<String, List<String>> fields) {
        StringBuilder query = new StringBuilder();
        fields.forEach((k, v) -> {
            if (!k.equals("after") && !v.isEmpty() && !v.get(0).isEmpty()) {
                query.append(Links.encode(k))
                        .append('=')
                        .append(Links.encode(v.get(0)))
                        .append('&');
            }
        });
        return query.toString();
    }

    private static String required(Context ctx, String name) {
        String value = ctx.queryParam(name);
        if (value == null || value.isEmpty()) {
            throw new FilterException("This link lacks its " + name + ": open it again from a search");
        }
        return value;
    }

    private static long number(String text, String label) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new FilterException(label + ": give a whole number");
        }
    }

    private static OffsetDateTime time(String text) {
        return ChangeFilter.parse(Map.of("from", List.of(text))).from().atOffset(ZoneOffset.UTC);
    }
}
