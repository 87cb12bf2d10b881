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

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.sse.SseClient;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.audittrail.browser.query.Change;
import org.audittrail.browser.query.ChangeFilter;
import org.audittrail.browser.query.ChangeStore;
import org.audittrail.browser.query.ColumnDiff;
import org.audittrail.browser.query.FilterException;
import org.audittrail.browser.query.Scope;
import org.audittrail.browser.query.SlowQueryException;
import org.audittrail.browser.query.StoreException;

/**
 * New changes as server-sent events, filtered like a search: the stream asks changes every half second for what was
 * committed in the last minute and sends each change once. A change stored more than a minute after its commit shows in
 * the search, not here.
 */
final class LiveTail {
    static final Duration POLL = Duration.ofMillis(500);
    static final Duration LOOKBACK = Duration.ofMinutes(1);
    static final int HEARTBEAT_POLLS = 10;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ChangeStore store;

    LiveTail(ChangeStore store) {
        this.store = store;
    }

    /** Streams until the viewer goes away; a bad filter is one "problem" event. */
    void stream(SseClient client) {
        ChangeFilter filter;
        try {
            filter = ChangeFilter.parse(client.ctx().queryParamMap());
        } catch (FilterException e) {
            client.sendEvent("problem", e.getMessage());
            client.close();
            return;
        }
        // no keepAlive(): this loop holds the stream itself, and a future kept past it fails once the viewer has gone
        Scope scope = client.ctx().attribute(Guard.SCOPE);
        ChangeStore store = this.store.within(scope == null ? Scope.ALL : scope);
        Map<String, Instant> sent = new LinkedHashMap<>();
        Instant since = Instant.now().minus(Duration.ofSeconds(5));
        for (long poll = 0; !client.terminated(); poll++) {
            try {
                if (poll % HEARTBEAT_POLLS == 0) {
                    // a viewer who left is seen only by writing: a quiet table would otherwise be polled for ever
                    client.sendComment("alive");
                }
                for (Change c : store.since(filter, since.atOffset(java.time.ZoneOffset.UTC), 200)) {
                    if (sent.putIfAbsent(c.id(), c.committedAt().toInstant()) == null) {
                        client.sendEvent("change", JSON.writeValueAsString(event(c)));
                    }
                }
                Instant floor = Instant.now().minus(LOOKBACK);
                if (floor.isAfter(since)) {
                    since = floor;
                }
                Instant cut = since;
                sent.values().removeIf(at -> at.isBefore(cut));
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (SlowQueryException | StoreException e) {
                client.sendEvent("problem", e.getMessage());
                sleep();
            } catch (RuntimeException | java.io.IOException e) {
                // the viewer went away mid-send: the request is already gone, so is there anyone to tell
                closeQuietly(client);
                return;
            }
        }
    }

    /** What the page shows of a change: texts only, which the page's script puts in as text. */
    private static Map<String, Object> event(Change c) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("time", Shown.time(c.committedAt()));
        e.put("table", Shown.visible(c.record().tableName()));
        e.put("key", c.record().key() == null ? "" : Shown.visible(c.record().key()));
        e.put("record", c.record().key() == null ? "" : Links.record(c.record()));
        e.put("operation", c.operation());
        e.put(
                "columns",
                String.join(
                        " ",
                        c.diff().stream()
                                .map(ColumnDiff::column)
                                .map(Shown::visible)
                                .toList()));
        e.put("context", Shown.context(c.context()));
        e.put("transaction", Links.transaction(c));
        e.put("transactionId", c.transactionId());
        return e;
    }

    private static void closeQuietly(SseClient client) {
        try {
            client.close();
        } catch (RuntimeException gone) {
            // closed by the viewer first
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL.toMillis() * 4);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
