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
package org.audittrail.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README and docs/ stay short and true: a README that reads in minutes, no dead link, no snapshot version. */
class DocsTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final int README_MAX_LINES = 250;
    private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)\\)");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");

    @Test
    void theReadmeReadsInMinutes() throws IOException {
        assertThat(Files.readAllLines(ROOT.resolve("README.md")))
                .as("README.md lines: move details into a page of docs/")
                .hasSizeLessThan(README_MAX_LINES);
    }

    @Test
    void everyRelativeLinkOfTheReadmeAndTheDocsPointsAtAFileAndHeadingThatExist() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        assertThat(deadLinks(pages)).isEmpty();
    }

    @Test
    void noFileNamesASnapshotVersion() throws IOException {
        // a version such as 0.1.0 followed by Maven's snapshot suffix; the word alone may be explained
        Pattern snapshotVersion = Pattern.compile("[0-9]-SNAPSHOT");
        List<String> named = new ArrayList<>();
        try (Stream<Path> files = Files.walk(ROOT)) {
            files.filter(Files::isRegularFile)
                    .filter(p -> p.toString()
                            .matches(".*(\\.(md|yml|yaml|sh|java|xml|json|properties|example)|Dockerfile)$"))
                    .filter(p -> !built(ROOT.relativize(p)))
                    .forEach(p -> {
                        if (snapshotVersion.matcher(read(p)).find()) {
                            named.add(ROOT.relativize(p).toString());
                        }
                    });
        }
        assertThat(named)
                .as("files naming a -SNAPSHOT version (the version is in the POM only)")
                .isEmpty();
    }

    @Test
    void aMissingFileOrHeadingIsReported(@TempDir Path dir) throws IOException {
        Files.writeString(
                dir.resolve("a.md"), "# A page\n\n## The `changes` table: its columns\n\n```\n# not a heading\n```\n");
        Path b = dir.resolve("b.md");
        Files.writeString(
                b,
                "[ok](a.md#the-changes-table-its-columns) [ok](#b) [web](https://example.com/x.md)\n"
                        + "[gone](c.md) [no heading](a.md#not-a-heading) [no anchor here](#nowhere)\n\n# B\n");
        assertThat(deadLinks(List.of(b))).containsExactly("b.md: c.md", "b.md: a.md#not-a-heading", "b.md: #nowhere");
    }

    /** Each relative link whose file, or whose heading in a Markdown file, does not exist, as "page: link". */
    private static List<String> deadLinks(List<Path> pages) {
        List<String> dead = new ArrayList<>();
        Map<Path, Set<String>> anchors = new HashMap<>();
        for (Path page : pages) {
            Matcher link = LINK.matcher(withoutCode(read(page)));
            while (link.find()) {
                String target = link.group(1);
                if (target.matches("^[a-z][a-z0-9+.-]*:.*")) {
                    continue; // https:, mailto: and the like are not checked here
                }
                int hash = target.indexOf('#');
                String file = hash < 0 ? target : target.substring(0, hash);
                Path resolved =
                        file.isEmpty() ? page : page.getParent().resolve(file).normalize();
                if (!Files.exists(resolved)) {
                    dead.add(page.getFileName() + ": " + target);
                } else if (hash >= 0 && resolved.toString().endsWith(".md")) {
                    Set<String> known = anchors.computeIfAbsent(resolved, DocsTest::anchors);
                    if (!known.contains(target.substring(hash + 1))) {
                        dead.add(page.getFileName() + ": " + target);
                    }
                }
            }
        }
        return dead;
    }

    /** The anchors GitHub gives a page's headings: lower case, punctuation dropped, blanks as hyphens, repeats numbered. */
    static Set<String> anchors(Path page) {
        Set<String> anchors = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String line : withoutCode(read(page)).split("\n")) {
            Matcher heading = HEADING.matcher(line);
            if (heading.matches()) {
                String slug = heading.group(1)
                        .toLowerCase(Locale.ROOT)
                        .replaceAll("[^\\p{L}\\p{N}\\s_-]", "")
                        .replace(' ', '-');
                int n = seen.merge(slug, 1, Integer::sum);
                anchors.add(n == 1 ? slug : slug + "-" + (n - 1));
            }
        }
        return anchors;
    }

    /** The page without its fenced code blocks, whose lines are neither headings nor links. */
    private static String withoutCode(String markdown) {
        StringBuilder text = new StringBuilder();
        boolean fenced = false;
        for (String line : markdown.split("\n", -1)) {
            if (line.stripLeading().startsWith("```")) {
                fenced = !fenced;
            } else if (!fenced) {
                text.append(line).append('\n');
            }
        }
        return text.toString();
    }

    /** Build output and version control, not files of the repository. */
    private static boolean built(Path relative) {
        for (Path part : relative) {
            String name = part.toString();
            if (name.equals("target") || name.equals(".git") || name.equals("node_modules")) {
                return true;
            }
        }
        return false;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
