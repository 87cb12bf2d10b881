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
package org.audittrail.job.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/options.md is what the build generates from the option definitions: a changed option changes the docs with it. */
class OptionReferenceTest {

    @Test
    void theCheckedInReferenceIsTheGeneratedOne() throws Exception {
        Path generated = Path.of("target", "generated-docs", "options.md");
        Path checkedIn = Path.of("..", "docs", "options.md");
        assertThat(Files.readString(generated)).isEqualTo(OptionReference.markdown());
        assertThat(Files.readString(checkedIn))
                .as(
                        "docs/options.md differs from the option definitions: cp job/target/generated-docs/options.md docs/options.md")
                .isEqualTo(Files.readString(generated));
    }

    @Test
    void everyDefinedOptionIsListed() throws Exception {
        for (java.lang.reflect.Field field : Options.class.getFields()) {
            if (field.getType() == Option.class) {
                assertThat(Options.ALL).as(field.getName()).contains((Option) field.get(null));
            }
        }
    }

    @Test
    void everyOptionAndVariableIsDocumented() throws Exception {
        String reference = OptionReference.markdown();
        for (Option option : Options.ALL) {
            assertThat(reference).contains("`" + option.name());
            if (option.variable() != null) {
                assertThat(reference).contains("`" + option.variable() + "`");
            }
        }
    }
}
