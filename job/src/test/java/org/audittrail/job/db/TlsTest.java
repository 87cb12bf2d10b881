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
package org.audittrail.job.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.audittrail.job.cli.Main;
import org.audittrail.job.config.JobConfig;
import org.junit.jupiter.api.Test;

/** The TLS options as the command line parses them: libpq's default, the destination's own or the source's, modes checked. */
class TlsTest {

    @Test
    void defaultsToPreferAndTheDestinationTakesTheSourcesSettingsUnlessGivenItsOwn() {
        JobConfig plain = Main.config();
        assertThat(plain.source().tls().driverProperties(null)).containsExactly(Map.entry("sslmode", "prefer"));
        assertThat(plain.destination().tls().driverProperties(null)).containsExactly(Map.entry("sslmode", "prefer"));

        JobConfig options = Main.config(
                "--db-sslmode",
                "verify-full",
                "--db-sslrootcert",
                "/ca.crt",
                "--db-sslcert",
                "/c.crt",
                "--db-sslkey",
                "/c.p12",
                "--db-sslpassword=secret-passphrase",
                "--destination-db-sslkey",
                "/d.pk8");
        assertThat(options.source().tls().driverProperties("ref"))
                .containsExactly(
                        Map.entry("sslmode", "verify-full"),
                        Map.entry("sslrootcert", "/ca.crt"),
                        Map.entry("sslcert", "/c.crt"),
                        Map.entry("sslkey", "/c.p12"),
                        Map.entry("sslpassword", "ref"));
        assertThat(options.destination().tls().driverProperties("ref"))
                .containsExactly(
                        Map.entry("sslmode", "verify-full"),
                        Map.entry("sslrootcert", "/ca.crt"),
                        Map.entry("sslcert", "/c.crt"),
                        Map.entry("sslkey", "/d.pk8"),
                        Map.entry("sslpassword", "ref"));
        // what error messages show of the settings names the files, never the passphrase
        assertThat(options.source().tls())
                .hasToString("sslmode=verify-full sslrootcert=/ca.crt sslcert=/c.crt sslkey=/c.p12");
    }

    @Test
    void unknownModeIsRefusedNamingTheValidOnes() {
        assertThatThrownBy(
                        () -> Main.config("--destination-db-sslmode", "strict").destination())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "--destination-db-sslmode is 'strict': use one of disable, allow, prefer, require, verify-ca, verify-full");
    }
}
