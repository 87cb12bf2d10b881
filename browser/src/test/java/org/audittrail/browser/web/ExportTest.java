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

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** CSV cells: quoted, and never a formula a spreadsheet would run. */
class ExportTest {
    @Test
    void cellsAreQuotedAndFormulasDisarmed() {
        assertThat(Export.cell("plain")).isEqualTo("\"plain\"");
        assertThat(Export.cell("say \"hi\", then\nleave")).isEqualTo("\"say \"\"hi\"\", then\nleave\"");
        assertThat(Export.cell("=HYPERLINK(\"http://x\")")).isEqualTo("\"'=HYPERLINK(\"\"http://x\"\")\"");
        assertThat(Export.cell("+1")).isEqualTo("\"'+1\"");
        assertThat(Export.cell("-1")).isEqualTo("\"'-1\"");
        assertThat(Export.cell("@SUM(A1)")).isEqualTo("\"'@SUM(A1)\"");
        assertThat(Export.cell("")).isEqualTo("\"\"");
    }
}
