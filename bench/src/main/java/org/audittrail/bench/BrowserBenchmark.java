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
package org.audittrail.bench;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.audittrail.browser.ChangeBrowser;
import org.audittrail.browser.auth.Users;
import org.audittrail.browser.config.BrowserConfig;
import org.audittrail.job.setup.Setup;
import org.audittrail.job.testing.TestDatabase;

/**
 * The change browser on a large trail: {@code changes} loaded with N changes (10 million by default) over 30 daily
 * partitions, then each page type asked {@value #ASKS} times with varying records, users and requests, timed as the
 * round trip on localhost; and the live tail's delay from a change's storage to its event. Writes its section of
 * bench/RESULTS.md between its markers.
 */
public final class BrowserBenchmark {
    static final int ASKS = 40;
    static final int DAYS = 30;
    static final int TABLES = 100;
    static final int USERS = 10_000;
    static final int TAIL_SAMPLES = 10;
    static final int ROUNDS = 3;

    public static void main(String[] args) throws Exception {
        Path results = Path.of(args.length > 0 ? args[0] : "bench/RESULTS.md");
        long changes = args.length > 1 ? Long.parseLong(args[1]) : 10_000_000L;
        long records = changes / 4 / TABLES; // each record created, then updated 3 times
        try (TestDatabase db = TestDatabase.start(Map.of("shared_buffers", "512MB", "max_wal_size", "4GB"))) {
            Setup.prepareDestination(db.database());
            long loadStart = System.nanoTime();
            load(db, changes);
            double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
            Path dir = Files.createTempDirectory("browser-bench");
            Files.writeString(dir.resolve("users"), Users.line("bench", "bench-pw") + "\n");
            try (ChangeBrowser browser = ChangeBrowser.start(BrowserConfig.defaults(
                            "jdbc:postgresql://localhost:" + db.port() + "/postgres",
                            "postgres",
                            TestDatabase.PASSWORD,
                            dir.resolve("users"),
                            dir.resolve("access.log"))
                    .withStatementTimeout(Duration.ofSeconds(10)))) {
                URI base = URI.create("http://127.0.0.1:" + browser.port());
                HttpClient client = logIn(base);
                Random random = new Random(7);
                String today = Instant.now().toString().substring(0, 10);
                String day = Instant.now().minus(Duration.ofDays(12)).toString().substring(0, 10);
                Map<String, IntFunction<String>> pages = new LinkedHashMap<>();
                pages.put("search, no filter", i -> "/");
                pages.put("search, next page", i -> null); // filled from the first page's link below
                pages.put(
                        "search by table and key",
                        i -> "/?table=table_" + random.nextInt(TABLES) + "&key=" + random.nextInt((int) records));
                pages.put("search by table", i -> "/?table=table_" + random.nextInt(TABLES));
                pages.put("search by context user_id", i -> "/?context=" + enc("user_id = " + random.nextInt(USERS)));
                pages.put("search by value", i -> "/?value=" + enc("title = Item " + random.nextInt((int) records)));
                pages.put("search by operation and day", i -> "/?operation=DELETE&from=" + day + "&until=" + today);
                pages.put(
                        "record timeline",
                        i -> "/record?database=postgres&schema=public&table=table_" + random.nextInt(TABLES) + "&key="
                                + random.nextInt((int) records));
                pages.put(
                        "record as of",
                        i -> "/record?database=postgres&schema=public&table=table_" + random.nextInt(TABLES) + "&key="
                                + random.nextInt((int) records) + "&asOf=" + day);
                pages.put(
                        "table as of (first page)",
                        i -> "/table?database=postgres&schema=public&table=table_" + random.nextInt(TABLES) + "&asOf="
                                + day);
                pages.put(
                        "context page (a request)",
                        i -> "/context?key=request_id&value=req-" + random.nextLong(changes / 4));
                pages.put(
                        "export of a record (JSON lines)",
                        i -> "/export.jsonl?table=table_" + random.nextInt(TABLES) + "&key="
                                + random.nextInt((int) records));
                // rounds, each asking every page type in turn: a shared machine's drift shows as a spread between
                // rounds
                List<Map<String, List<Double>>> rounds = new ArrayList<>();
                List<List<Double>> tails = new ArrayList<>();
                for (int round = 1; round <= ROUNDS; round++) {
                    rounds.add(round(client, base, pages));
                    tails.add(tail(db, client, base, round));
                    System.out.printf("round %d done%n", round);
                }
                Results.write(results, "browser", section(changes, loadSeconds, rounds, tails));
            }
        }
    }

    /** Every page type asked ASKS times, then transactions and undo previews of ones the first page lists. */
    static Map<String, List<Double>> round(HttpClient client, URI base, Map<String, IntFunction<String>> pages)
            throws Exception {
        Map<String, List<Double>> times = new LinkedHashMap<>();
        String next = nextLink(get(client, base, "/"));
        for (Map.Entry<String, IntFunction<String>> page : pages.entrySet()) {
            List<Double> millis = new ArrayList<>();
            for (int i = 0; i < ASKS; i++) {
                String path = page.getKey().equals("search, next page")
                        ? next
                        : page.getValue().apply(i);
                long start = System.nanoTime();
                String body = get(client, base, path);
                millis.add((System.nanoTime() - start) / 1e6);
                if (page.getKey().startsWith("search, no")) {
                    next = nextLink(body);
                }
            }
            times.put(page.getKey(), millis);
            System.out.printf("%s: p95 %.1f ms%n", page.getKey(), percentile(millis, 95));
        }
        List<String> transactions = new ArrayList<>();
        Matcher links = Pattern.compile("href=\"(/transaction\\?[^\"]+)\"").matcher(get(client, base, "/"));
        while (links.find()) {
            transactions.add(links.group(1).replace("&amp;", "&"));
        }
        List<Double> tx = new ArrayList<>();
        List<Double> undo = new ArrayList<>();
        for (int i = 0; i < ASKS; i++) {
            String link = transactions.get(i % transactions.size());
            tx.add(time(client, base, link));
            undo.add(
                    time(client, base, link.replace("/transaction?", "/revert?").replace("&id=", "&transaction=")));
        }
        times.put("transaction", tx);
        times.put("undo SQL of a transaction", undo);
        return times;
    }

    /** N changes over the last 30 days in daily partitions: tables of records created then updated, with context. */
    static void load(TestDatabase db, long changes) {
        db.execute(
                "INSERT INTO changes (id, database, schema, \"table\", operation, committed_at, queued_at,"
                        + " transaction_id, position) SELECT gen_random_uuid(), 'postgres', 'public', 'marker', 'CREATE', day, day, 0, 0"
                        + " FROM generate_series(date_trunc('day', now() AT TIME ZONE 'UTC') - interval '" + DAYS
                        + " days',"
                        + " date_trunc('day', now() AT TIME ZONE 'UTC') - interval '1 day', interval '1 day') AS day",
                "SELECT changes_create_partitions(7)",
                "DELETE FROM changes WHERE \"table\" = 'marker'");
        long chunk = 1_000_000;
        for (long from = 0; from < changes; from += chunk) {
            long to = Math.min(changes, from + chunk) - 1;
            // change g: record (g / 4) of table g % TABLES, version g % 4; times spread evenly up to a minute ago
            db.execute("INSERT INTO changes (id, database, schema, \"table\", primary_key, operation, before, after,"
                    + " context, committed_at, queued_at, transaction_id, position)"
                    + " SELECT gen_random_uuid(), 'postgres', 'public', 'table_' || (g / 4) % " + TABLES + ","
                    + " ((g / 4) / " + TABLES + ")::text,"
                    + " CASE WHEN g % 4 = 0 THEN 'CREATE' WHEN g % 97 = 3 THEN 'DELETE' ELSE 'UPDATE' END,"
                    + " CASE WHEN g % 4 = 0 THEN '{}' ELSE jsonb_build_object('id', (g / 4) / " + TABLES + ", 'title',"
                    + "   'Item ' || (g / 4) / " + TABLES + ", 'version', g % 4 - 1) END,"
                    + " CASE WHEN g % 97 = 3 AND g % 4 <> 0 THEN '{}' ELSE jsonb_build_object('id', (g / 4) / " + TABLES
                    + ", 'title', 'Item ' || (g / 4) / " + TABLES + ", 'version', g % 4) END,"
                    + " jsonb_build_object('request_id', 'req-' || g / 4, 'user_id', g % " + USERS + ","
                    + "   'endpoint', '/api/items/' || (g / 4) / " + TABLES + "),"
                    + " now() - interval '" + DAYS + " days' + (g::float8 / " + changes + ") * (interval '" + DAYS
                    + " days' - interval '1 minute'),"
                    + " now() - interval '" + DAYS + " days' + (g::float8 / " + changes + ") * (interval '" + DAYS
                    + " days' - interval '1 minute') + interval '40 milliseconds',"
                    + " 1000000 + g / 4, 100000000 + g * 200"
                    + " FROM generate_series(" + from + ", " + to + ") AS g");
            System.out.printf("loaded %,d changes%n", to + 1);
        }
        db.execute("VACUUM ANALYZE changes");
    }

    /** Seconds from a change's storage to the tail's event for it, TAIL_SAMPLES times. */
    static List<Double> tail(TestDatabase db, HttpClient client, URI base, int round) throws Exception {
        BlockingQueue<Long> received = new ArrayBlockingQueue<>(100);
        HttpResponse<InputStream> stream = client.send(
                // as a browser's EventSource asks: the stream is served only to that Accept
                HttpRequest.newBuilder(base.resolve("/tail/events?table=tailed_" + round))
                        .header("Accept", "text/event-stream")
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        Thread reader = new Thread(() -> {
            try (BufferedReader lines =
                    new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (line.startsWith("event: change")) {
                        received.add(System.nanoTime());
                    }
                }
            } catch (Exception e) {
                // the stream ends with the benchmark
            }
        });
        reader.setDaemon(true);
        reader.start();
        Thread.sleep(1000);
        List<Double> delays = new ArrayList<>();
        for (int i = 0; i < TAIL_SAMPLES; i++) {
            db.execute("INSERT INTO changes (id, database, schema, \"table\", primary_key, operation, after,"
                    + " committed_at, queued_at, transaction_id, position) VALUES (gen_random_uuid(), 'postgres',"
                    + " 'public', 'tailed_" + round + "', '" + i + "', 'CREATE', '{\"id\": " + i + "}', now(), now(), "
                    + i + ", " + i
                    + ")");
            long stored = System.nanoTime();
            Long at = received.poll(10, TimeUnit.SECONDS);
            delays.add(at == null ? Double.NaN : (at - stored) / 1e9);
            Thread.sleep(300 + new Random(i).nextInt(400));
        }
        stream.body().close();
        return delays;
    }

    static HttpClient logIn(URI base) throws Exception {
        HttpClient client =
                HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
        Matcher csrf = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"").matcher(get(client, base, "/login"));
        csrf.find();
        HttpResponse<String> response = client.send(
                HttpRequest.newBuilder(base.resolve("/login"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "csrf=" + csrf.group(1) + "&name=bench&password=bench-pw"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 303) {
            throw new IllegalStateException("login refused: " + response.statusCode());
        }
        return client;
    }

    static String get(HttpClient client, URI base, String path) throws Exception {
        HttpResponse<String> response =
                client.send(HttpRequest.newBuilder(base.resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(path + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    static double time(HttpClient client, URI base, String path) throws Exception {
        long start = System.nanoTime();
        get(client, base, path);
        return (System.nanoTime() - start) / 1e6;
    }

    static String nextLink(String page) {
        Matcher older = Pattern.compile("href=\"(/\\?[^\"]*after=[^\"]+)\" id=\"older\"")
                .matcher(page);
        if (!older.find()) {
            throw new IllegalStateException("no next page");
        }
        return older.group(1).replace("&amp;", "&");
    }

    static String enc(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    static double percentile(List<Double> values, int p) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    static String section(
            long changes, double loadSeconds, List<Map<String, List<Double>>> rounds, List<List<Double>> tails) {
        StringBuilder text = new StringBuilder();
        text.append("Change browser (bench/src/main/java/org/audittrail/bench/BrowserBenchmark.java): ")
                .append(String.format("%,d changes", changes))
                .append(" over ")
                .append(DAYS)
                .append(" daily partitions (")
                .append(TABLES)
                .append(" tables, each record created then updated 3 times, one change in 97 a DELETE, ")
                .append(String.format("%,d", USERS))
                .append(" users, a request per record version), loaded in ")
                .append(String.format("%.0f s", loadSeconds))
                .append(", on embedded PostgreSQL 15 on this machine (")
                .append(Runtime.getRuntime().availableProcessors())
                .append(" cores, shared). ")
                .append(rounds.size())
                .append(" rounds; in each, every page type asked ")
                .append(ASKS)
                .append(" times with varying records, users and requests, one after another, through the login,")
                .append(" then ")
                .append(TAIL_SAMPLES)
                .append(" live-tail samples. Time is the round trip on localhost (server time plus well under a")
                .append(" millisecond). The goal is a p95 under 100 ms in every round, and the live tail showing a")
                .append(" change within 1 s of its storage.\n")
                .append("Last run: ")
                .append(Instant.now())
                .append("\n\n| page |");
        for (int r = 1; r <= rounds.size(); r++) {
            text.append(" p95, round ").append(r).append(" |");
        }
        text.append(" p50, all | max, all | goal (p95) |\n|---|");
        text.append("---|".repeat(rounds.size() + 3)).append('\n');
        for (String page : rounds.get(0).keySet()) {
            List<Double> all = new ArrayList<>();
            double worst = 0;
            text.append("| ").append(page).append(" |");
            for (Map<String, List<Double>> round : rounds) {
                double p95 = percentile(round.get(page), 95);
                worst = Math.max(worst, p95);
                all.addAll(round.get(page));
                text.append(String.format(" %.1f ms |", p95));
            }
            text.append(String.format(
                    " %.1f ms | %.1f ms | 100 ms%s |%n",
                    percentile(all, 50), percentile(all, 100), worst <= 100 ? "" : ": **missed**"));
        }
        List<Double> allTails = new ArrayList<>();
        text.append("| live tail: storage to event (max) |");
        for (List<Double> tail : tails) {
            allTails.addAll(tail);
            text.append(String.format(" %.2f s |", percentile(tail, 100)));
        }
        text.append(String.format(
                " %.2f s | %.2f s | 1 s%s |%n",
                percentile(allTails, 50),
                percentile(allTails, 100),
                percentile(allTails, 100) <= 1.0 ? "" : ": **missed**"));
        return text.toString();
    }
}
