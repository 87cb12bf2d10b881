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
package org.audittrail.browser;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.audittrail.browser.auth.Users;
import org.audittrail.browser.config.BrowserConfig;
import org.audittrail.browser.testing.Chrome;
import org.audittrail.job.testing.JobTestBase;
import org.audittrail.job.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/** From SQL written to the source, through the real job, to what a person reads in a real browser. */
class ChangeBrowserITCase extends JobTestBase {
    static final String PASSWORD = "correct horse battery";

    static Path dir;
    static ChangeBrowser browser;
    static Chrome chrome;
    static String base;

    @BeforeAll
    static void startBrowser() throws Exception {
        db.execute(
                "CREATE TABLE orders (id serial PRIMARY KEY, email text, note text, total numeric(12,2), payload jsonb)",
                "CREATE TABLE hostile (id text PRIMARY KEY, note text, payload jsonb)",
                "CREATE ROLE audit_browser LOGIN PASSWORD 'browser-pw-3b9'");
        dir = Files.createTempDirectory("browser");
        Files.writeString(
                dir.resolve("users"),
                "# who may look\n" + Users.line("ann", PASSWORD) + "\n" + Users.line("bo", PASSWORD)
                        + ":tables=public.ord*;mask=email\n");
        browser = ChangeBrowser.start(BrowserConfig.defaults(
                "jdbc:postgresql://localhost:" + db.port() + "/postgres",
                "audit_browser",
                "browser-pw-3b9",
                dir.resolve("users"),
                dir.resolve("access.log")));
        base = "http://127.0.0.1:" + browser.port();
        chrome = Chrome.start();
    }

    @AfterAll
    static void stopBrowser() throws Exception {
        if (chrome != null) {
            chrome.close();
        }
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void aChangeWrittenToTheSourceIsSearchedFollowedAndExplained() throws Exception {
        job.submit(db.args());
        db.execute(
                withContext(
                        "INSERT INTO orders (email, note, total) VALUES ('ann@example.com', 'first', 10.50)",
                        "{\"user_id\": 42, \"endpoint\": \"/orders\"}"),
                // commit times have milliseconds: the as-of below needs the two apart
                "SELECT pg_sleep(0.01)",
                withContext(
                        "UPDATE orders SET note = NULL, total = 12.00 WHERE email = 'ann@example.com'",
                        "{\"user_id\": 7, \"request_id\": \"r-1\"}"));
        db.transaction(
                withContext(
                        "INSERT INTO orders (email, total) VALUES ('bo@example.com', 1)", "{\"request_id\": \"r-2\"}"),
                withContext(
                        "INSERT INTO orders (email, total) VALUES ('cy@example.com', 2)", "{\"request_id\": \"r-2\"}"));
        db.awaitChanges(4);
        db.execute("GRANT SELECT ON changes TO audit_browser", "GRANT SELECT ON schema_changes TO audit_browser");
        WebDriver page = chrome.driver;

        page.get(base + "/");
        assertThat(page.getCurrentUrl()).isEqualTo(base + "/login");
        logIn("ann", "not the password");
        assertThat(page.findElement(By.id("message")).getText()).isEqualTo("Wrong name or password.");
        logIn("ann", PASSWORD);
        assertThat(page.getCurrentUrl()).isEqualTo(base + "/");
        assertThat(page.findElement(By.id("viewer")).getText()).isEqualTo("ann");
        assertThat(page.findElement(By.id("count")).getText()).isEqualTo("4 changes, newest first");
        assertThat(rows()).hasSize(4);
        screenshot("search");

        // a context value and a value in an image, typed into the form
        search("context", "user_id = 7");
        assertThat(rows()).singleElement().satisfies(row -> assertThat(row.getText())
                .contains("UPDATE", "note total", "request_id=r-1"));
        page.get(base + "/?value=" + encode("email = cy@example.com"));
        assertThat(rows()).singleElement().satisfies(row -> assertThat(row.getText())
                .contains("CREATE", "public.orders"));

        // the search as CSV and as JSON lines, with the viewer's session, numbers as stored
        String exportCsv = page.findElement(By.id("export-csv")).getAttribute("href");
        assertThat(exportCsv).isEqualTo(base + "/export.csv?value=email+%3D+cy%40example.com&");
        page.get(base + "/?context=" + encode("request_id = r-2"));
        List<String> csv = download(page.findElement(By.id("export-csv")).getAttribute("href"))
                .lines()
                .toList();
        assertThat(csv).hasSize(3);
        assertThat(csv.get(0))
                .isEqualTo(
                        "id,database,schema,table,primary_key,operation,committed_at,transaction_id,position,partial,context,before,after");
        assertThat(csv.get(1)).contains("\"CREATE\"", "\"{\"\"request_id\"\":\"\"r-2\"\"}\"", "\"\"total\"\":2");
        List<String> lines = download(page.findElement(By.id("export-jsonl")).getAttribute("href"))
                .lines()
                .toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).contains("\"operation\":\"CREATE\"", "\"email\":\"bo@example.com\"");
        page.get(base + "/?table=orders&key=" + db.value("SELECT id FROM orders WHERE email = 'ann@example.com'"));
        assertThat(download(page.findElement(By.id("export-jsonl")).getAttribute("href")))
                .contains("\"total\":10.50", "\"total\":12.00", "\"note\":null");

        // the record's timeline: the update as a diff, NULL shown as NULL, numbers as PostgreSQL wrote them
        page.get(base + "/?table=orders&key=" + db.value("SELECT id FROM orders WHERE email = 'ann@example.com'"));
        follow(rows().get(0).findElement(By.cssSelector("a.record")));
        List<WebElement> timeline = page.findElements(By.cssSelector("#timeline > li"));
        assertThat(timeline).hasSize(2);
        assertThat(timeline.get(0).getText()).contains("CREATE", "user_id", "42", "ann@example.com", "10.50");
        WebElement update = timeline.get(1);
        assertThat(diffRow(update, "note")).containsExactly("note", "first", "NULL");
        assertThat(diffRow(update, "total")).containsExactly("total", "10.50", "12.00");
        assertThat(update.findElements(By.cssSelector("td.column"))).hasSize(2);
        screenshot("record");

        // as of the moment it was created: the row as the CREATE left it; the table then; before it, nothing
        String created = db.value("SELECT to_char(committed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
                        + " FROM changes WHERE operation = 'CREATE' AND after->>'email' = 'ann@example.com'")
                .toString();
        page.findElement(By.name("asOf")).sendKeys(created);
        follow(page.findElement(By.id("show-as-of")));
        assertThat(page.findElement(By.id("state")).getText()).contains("note first", "total 10.50");
        follow(page.findElement(By.id("table-as-of")));
        assertThat(page.findElements(By.cssSelector("#records tbody tr")))
                .singleElement()
                .satisfies(row -> assertThat(row.getText()).contains("email=ann@example.com", "total=10.50"));
        page.navigate().back();
        page.findElement(By.name("asOf")).clear();
        page.findElement(By.name("asOf")).sendKeys("2020-01-01");
        follow(page.findElement(By.id("show-as-of")));
        assertThat(page.findElement(By.id("no-state")).getText()).startsWith("The record did not exist then");

        // a context value's page: everything request r-2 did, oldest first, then its transaction
        page.get(base + "/context?key=request_id&value=r-2");
        assertThat(rows()).hasSize(2);
        follow(rows().get(0).findElement(By.cssSelector("a.transaction")));
        assertThat(page.findElement(By.tagName("h1")).getText()).startsWith("Transaction ");
        assertThat(page.findElements(By.cssSelector("#timeline > li")))
                .extracting(WebElement::getText)
                .satisfiesExactly(first -> assertThat(first).contains("bo@example.com"), second -> assertThat(second)
                        .contains("cy@example.com"));
        screenshot("transaction");

        // a malformed filter is one message, the server stays up
        page.get(base + "/?from=" + encode("last tuesday"));
        assertThat(page.findElement(By.id("message")).getText()).startsWith("From: write a time as");
        page.get(base + "/?operation=MERGE");
        assertThat(page.findElement(By.id("message")).getText())
                .isEqualTo("Operation: choose CREATE, UPDATE, DELETE or TRUNCATE");
        page.get(base + "/?after=not-a-cursor");
        assertThat(page.findElement(By.id("message")).getText()).startsWith("This page link is damaged");

        // every view is in the access log, with who and what filter
        assertThat(Files.readAllLines(dir.resolve("access.log")))
                .anySatisfy(
                        line -> assertThat(line).contains("\tann\t", "\tGET\t/?", "&context=user_id+%3D+7&", "\t200"))
                .anySatisfy(line -> assertThat(line).contains("\t-\t", "GET\t/\t303"))
                .anySatisfy(line -> assertThat(line).contains("POST\t/login", "\t401"));

        follow(page.findElement(By.cssSelector("form.logout button")));
        page.get(base + "/");
        assertThat(page.getCurrentUrl()).isEqualTo(base + "/login");
    }

    @Test
    void hostileRowValuesAreShownAsTextAndRunNothing() throws Exception {
        job.submit(db.args());
        String script = "<script>window.pwned='script'</script>";
        String img = "<img src=x onerror=\"window.pwned='img'\">";
        String attribute = "\"><svg onload=\"window.pwned='attribute'\">";
        String url = "javascript:window.pwned='url'";
        String bidi = "invoice\u202Egpj.exe";
        String zeroWidth = "ad\u200Bmin";
        String nested = "[".repeat(500) + "\"deep\"" + "]".repeat(500);
        try (var c = db.connect();
                var s = c.prepareStatement(withContext(
                        "INSERT INTO hostile (id, note, payload) VALUES (?, ?, ?::jsonb)",
                        "{\"user_id\": \"<script>window.pwned='context'</script>\", \"<b>key</b>\": \"" + url
                                + "\"}"))) {
            for (String[] row : new String[][] {
                {script, img, "{\"html\": \"" + attribute.replace("\"", "\\\"") + "\"}"},
                {url, bidi, nested},
                {attribute, zeroWidth + "x".repeat(100_000), "{\"a\": 1}"}
            }) {
                s.setString(1, row[0]);
                s.setString(2, row[1]);
                s.setString(3, row[2]);
                s.executeUpdate();
            }
        }
        db.awaitChanges(3);
        db.execute("GRANT SELECT ON changes TO audit_browser", "GRANT SELECT ON schema_changes TO audit_browser");
        WebDriver page = chrome.driver;
        logIn("ann", PASSWORD);
        chrome.console();

        page.get(base + "/?table=hostile");
        assertThat(rows()).hasSize(3);
        assertThat(page.findElement(By.id("changes")).getText()).contains(script, attribute, url, "user_id=<script>");
        assertInert();
        for (String key : List.of(script, url, attribute)) {
            page.get(base + "/record?database=postgres&schema=public&table=hostile&key=" + encode(key));
            assertThat(page.findElement(By.tagName("h1")).getText()).isEqualTo("public.hostile " + key);
            assertThat(page.findElements(By.cssSelector("#timeline > li"))).hasSize(1);
            assertInert();
        }
        page.get(base + "/record?database=postgres&schema=public&table=hostile&key=" + encode(url));
        String timeline = page.findElement(By.id("timeline")).getText();
        assertThat(timeline).contains("invoice<U+202E>gpj.exe", "JSON, 1006 characters");
        page.get(base + "/record?database=postgres&schema=public&table=hostile&key=" + encode(attribute));
        assertThat(page.findElement(By.id("timeline")).getText()).contains("text, 100013 characters");
        assertThat(page.findElement(By.cssSelector("td.new details")).getAttribute("textContent"))
                .contains("ad<U+200B>min", "… 99713 more characters");
        assertThat(page.getPageSource()).hasSizeLessThan(20_000);
        follow(page.findElement(By.cssSelector("a.transaction")));
        page.get(base + "/context?key=" + encode("<b>key</b>") + "&value=" + encode(url));
        assertThat(rows()).hasSize(3);
        assertInert();
    }

    @Test
    void theUndoSqlOfATransactionPutsItsRowsBack() throws Exception {
        job.submit(db.args());
        db.execute(
                "INSERT INTO orders (email, note, total, payload) VALUES ('dee@example.com', 'it''s \\ odd', 5.25,"
                        + " '{\"a\": [1, 2]}')",
                "INSERT INTO orders (email, note, total) VALUES ('eve@example.com', 'ab\u202Ecd', 7)");
        List<Map<String, Object>> before = db.query("SELECT * FROM orders ORDER BY id");
        db.transaction(
                withContext(
                        "UPDATE orders SET email = 'x@example.com', note = NULL WHERE email = 'dee@example.com'",
                        "{\"request_id\": \"r-undo\"}"),
                withContext("DELETE FROM orders WHERE email = 'eve@example.com'", "{\"request_id\": \"r-undo\"}"),
                withContext(
                        "INSERT INTO orders (email, total) VALUES ('new@example.com', 1)",
                        "{\"request_id\": \"r-undo\"}"));
        db.awaitChanges(5);
        db.execute("GRANT SELECT ON changes TO audit_browser", "GRANT SELECT ON schema_changes TO audit_browser");
        WebDriver page = chrome.driver;
        logIn("ann", PASSWORD);

        page.get(base + "/context?key=request_id&value=r-undo");
        follow(rows().get(0).findElement(By.cssSelector("a.transaction")));
        follow(page.findElement(By.id("revert")));
        String sql = page.findElement(By.id("revert-sql")).getText();
        assertThat(sql)
                .startsWith("BEGIN;\nDELETE FROM \"public\".\"orders\" WHERE ")
                .contains("U&'ab\\202Ecd'")
                .endsWith("COMMIT;");
        assertThat(page.findElement(By.id("caveats")).getText()).contains("Column payload holds JSON");
        try (var c = db.connect();
                var s = c.createStatement()) {
            s.execute(sql);
        }
        assertThat(db.query("SELECT * FROM orders ORDER BY id")).isEqualTo(before);

        // once the undo itself is captured, the preview warns that the rows changed since
        TestDatabase.poll(
                () -> {
                    page.navigate().refresh();
                    return page.findElement(By.id("caveats")).getText().contains("later changes touched the same rows");
                },
                Duration.ofSeconds(30),
                "the preview naming the later changes");
    }

    @Test
    void aViewerSeesOnlyTheirTablesAndNotTheirMaskedColumns() throws Exception {
        job.submit(db.args());
        db.execute(
                "INSERT INTO orders (email, note, total) VALUES ('secret@example.com', 'visible', 3)",
                "UPDATE orders SET email = 'other@example.com' WHERE email = 'secret@example.com'",
                "INSERT INTO hostile (id, note) VALUES ('not-for-bo', 'hidden')");
        db.awaitChanges(3);
        db.execute("GRANT SELECT ON changes TO audit_browser", "GRANT SELECT ON schema_changes TO audit_browser");
        WebDriver page = chrome.driver;
        logIn("bo", PASSWORD);

        page.get(base + "/");
        assertThat(page.findElement(By.id("count")).getText()).startsWith("2 changes");
        assertThat(page.findElement(By.id("changes")).getText()).doesNotContain("hostile");
        follow(rows().get(0).findElement(By.cssSelector("a.record")));
        String timeline = page.findElement(By.id("timeline")).getText();
        assertThat(timeline).contains("visible", "***", "*** (changed)").doesNotContain("secret@", "other@");
        assertThat(download(base + "/export.jsonl?"))
                .contains("\"email\":\"***\"")
                .doesNotContain("@example.com");
        page.get(base + "/record?database=postgres&schema=public&table=hostile&key=not-for-bo");
        assertThat(page.findElement(By.id("empty")).getText()).isEqualTo("No change of this record is stored.");
        page.get(base + "/?value=" + encode("email = other@example.com"));
        assertThat(page.findElement(By.id("message")).getText()).startsWith("Value: email is masked for you");
        page.get(base + "/context?key=user_id&value=1");
        assertThat(rows()).isEmpty();
        page.get(base + "/revert?key=user_id&value=1");
        assertThat(page.findElement(By.id("message")).getText()).startsWith("Undo SQL needs every value");

        follow(page.findElement(By.cssSelector("form.logout button")));
    }

    @Test
    void theLiveTailShowsAChangeWrittenWhileItIsOpen() throws Exception {
        job.submit(db.args());
        db.execute("INSERT INTO orders (email, total) VALUES ('first@example.com', 1)");
        db.awaitChanges(1);
        db.execute("GRANT SELECT ON changes TO audit_browser", "GRANT SELECT ON schema_changes TO audit_browser");
        WebDriver page = chrome.driver;
        logIn("ann", PASSWORD);
        chrome.console();
        page.get(base + "/?table=hostile");
        follow(page.findElement(By.id("tail")));
        assertThat(page.getCurrentUrl()).isEqualTo(base + "/tail?table=hostile&");
        TestDatabase.poll(
                () -> page.findElement(By.id("tail-status")).getText().startsWith("Listening"),
                Duration.ofSeconds(10),
                "the tail's stream open");

        String key = "<img src=x onerror=\"window.pwned='tail'\">";
        db.execute(withContext(
                "INSERT INTO hostile (id, note) VALUES ('" + key.replace("'", "''") + "', 'live')",
                "{\"request_id\": \"<script>window.pwned='tail context'</script>\"}"));
        db.execute("INSERT INTO orders (email, total) VALUES ('not-followed@example.com', 1)");
        TestDatabase.poll(() -> !rows().isEmpty(), Duration.ofSeconds(30), "the change in the tail");
        assertThat(rows()).singleElement().satisfies(row -> assertThat(row.getText())
                .contains(
                        "public.hostile",
                        key,
                        "CREATE",
                        "id note",
                        "request_id=<script>window.pwned='tail context'</script>"));
        assertInert();
        follow(rows().get(0).findElement(By.cssSelector("a.record")));
        assertThat(page.findElement(By.tagName("h1")).getText()).isEqualTo("public.hostile " + key);

        page.get(base + "/tail?from=soon");
        TestDatabase.poll(
                () -> page.findElement(By.id("message")).getText().startsWith("From: write a time as"),
                Duration.ofSeconds(10),
                "the filter's message");
    }

    /** Nothing a stored value holds ran: no flag set, no element made from it, nothing logged to the console. */
    private static void assertInert() {
        assertThat(chrome.script("return window.pwned === undefined")).isEqualTo(true);
        assertThat(chrome.driver.findElements(
                        By.cssSelector("main script:not([src='/static/tail.js']), main img, main svg, main b")))
                .isEmpty();
        assertThat(chrome.console()).isEmpty();
    }

    /** The page as it looks now, to browser/target/screenshots/NAME.png (docs/img holds copies of them). */
    static void screenshot(String name) throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "screenshots"));
        Files.write(dir.resolve(name + ".png"), chrome.driver.getScreenshotAs(OutputType.BYTES));
    }

    /** What a link serves to the logged-in viewer, fetched with the browser's session cookie. */
    static String download(String link) throws Exception {
        String session = chrome.driver.manage().getCookieNamed("audit_session").getValue();
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(link))
                                .header("Cookie", "audit_session=" + session)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Disposition"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("attachment"));
        return response.body();
    }

    private void logIn(String name, String password) {
        WebDriver page = chrome.driver;
        if (!page.getCurrentUrl().endsWith("/login")) {
            page.get(base + "/login");
        }
        page.findElement(By.id("name")).clear();
        page.findElement(By.id("name")).sendKeys(name);
        page.findElement(By.id("password")).sendKeys(password);
        follow(page.findElement(By.id("login")));
    }

    private void search(String field, String text) {
        WebDriver page = chrome.driver;
        page.get(base + "/");
        page.findElement(By.name(field)).sendKeys(text);
        follow(page.findElement(By.id("find")));
    }

    /** Clicks what navigates and awaits the next page: click() does not await a form's or a link's answer. */
    static void follow(WebElement element) {
        element.click();
        TestDatabase.poll(
                () -> {
                    try {
                        element.isEnabled();
                        return false;
                    } catch (org.openqa.selenium.StaleElementReferenceException replaced) {
                        return true;
                    } catch (org.openqa.selenium.WebDriverException replaced) {
                        // Chromium may say so in its own words while the old page goes
                        if (String.valueOf(replaced.getMessage()).contains("does not belong to the document")) {
                            return true;
                        }
                        throw replaced;
                    }
                },
                Duration.ofSeconds(10),
                "the page after a click");
    }

    static List<WebElement> rows() {
        return chrome.driver.findElements(By.cssSelector("#changes tbody tr"));
    }

    static List<String> diffRow(WebElement change, String column) {
        for (WebElement row : change.findElements(By.cssSelector("table.diff tbody tr"))) {
            List<String> cells = row.findElements(By.tagName("td")).stream()
                    .map(WebElement::getText)
                    .toList();
            if (cells.get(0).equals(column)) {
                return cells;
            }
        }
        throw new AssertionError("no diff row for " + column + " in: " + change.getText());
    }

    static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }
}
