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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** browser/NOTICE, which the runnable jar carries, is the one generated from what the jar bundles. */
class BrowserNoticeTest {

    @Test
    void theCheckedInNoticeIsTheGeneratedOne() throws IOException {
        String generated = Files.readString(Path.of("target/generated-sources/license/NOTICE"));
        assertThat(Files.readString(Path.of("NOTICE")))
                .as("browser/NOTICE differs from browser/target/generated-sources/license/NOTICE: copy it over")
                .isEqualTo(generated);
        // every bundled artifact names a license; the web server and the templates are among them
        assertThat(generated)
                .doesNotContainIgnoringCase("unknown license")
                .contains("- io.javalin:javalin:", "- org.eclipse.jetty:jetty-server:", "- gg.jte:jte-runtime:")
                .contains("- org.postgresql:postgresql:", "- org.bouncycastle:bcprov-jdk18on:");
    }
}
