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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** NOTICE names every third-party artifact the shaded jar bundles, as license-maven-plugin generates it from the POM. */
class NoticeTest {

    @Test
    void theCheckedInNoticeIsTheGeneratedOne() throws IOException {
        assertThat(Files.readString(Path.of("../NOTICE")))
                .as("NOTICE differs from target/generated-sources/license/NOTICE: copy it over")
                .isEqualTo(Files.readString(Path.of("target/generated-sources/license/NOTICE")));
    }

    @Test
    void itNamesExactlyTheArtifactsTheJarBundles() throws IOException {
        String pom = Files.readString(Path.of("pom.xml"));
        String artifactSet = pom.substring(pom.indexOf("<artifactSet>"), pom.indexOf("</artifactSet>"));
        Set<String> shaded = new TreeSet<>();
        Matcher include = Pattern.compile("<include>([^<]+)</include>").matcher(artifactSet);
        while (include.find()) {
            if (!include.group(1).startsWith("org.audittrail:")) {
                shaded.add(include.group(1).replace("*", ".*"));
            }
        }
        Set<String> named = new TreeSet<>();
        Matcher line = Pattern.compile("(?m)^- ([^:]+):([^:]+):").matcher(Files.readString(Path.of("../NOTICE")));
        while (line.find()) {
            named.add(line.group(1) + ":" + line.group(2));
        }
        assertThat(shaded).allMatch(pattern -> named.stream().anyMatch(n -> n.matches(pattern)), "named in NOTICE");
        assertThat(named).allMatch(n -> shaded.stream().anyMatch(n::matches), "shaded by job/pom.xml");
    }
}
