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
                .as("docs/options.md differs from the option definitions: cp job/target/generated-docs/options.md docs/options.md")
                .isEqualTo(Files.readString(generated));
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
