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
package org.audittrail.job.db.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Map;
import org.audittrail.job.cli.Main;
import org.audittrail.job.config.JobConfig;
import org.audittrail.job.db.Database;
import org.audittrail.job.db.Tls;
import org.junit.jupiter.api.Test;

/** The tunnel's settings as pgjdbc's connection properties carry them: every setting, never the passphrase. */
class SshTunnelTest {

    private static final String PASSPHRASE = "tunnel-pass-93b1-never-shown";

    @Test
    void settingsTravelAsSocketFactoryArgumentWithThePassphraseByReference() {
        SshTunnel tunnel =
                new SshTunnel("bastion.example.com", 2222, "audit", "/keys/a key&b=c", null, "SHA256:abc", PASSPHRASE);
        Map<String, String> properties = tunnel.driverProperties();
        assertThat(properties).containsEntry("socketFactory", TunnelSocketFactory.class.getName());
        String arg = properties.get("socketFactoryArg");
        assertThat(arg)
                .contains("host=bastion.example.com")
                .contains("port=2222")
                .contains("user=audit")
                .contains("fingerprint=SHA256%3Aabc")
                .contains("passphrase=ssh-passphrase-ref%3A")
                .doesNotContain(PASSPHRASE);
        // read back in the same JVM, the reference resolves: the same settings, odd characters of a path included
        assertThat(SshTunnel.parse(arg)).isEqualTo(tunnel);
        assertThat(tunnel.toString())
                .isEqualTo("ssh audit@bastion.example.com:2222 key /keys/a key&b=c")
                .doesNotContain(PASSPHRASE);
        assertThat(new Database("db.internal", 5432, "app", "u", "p", Tls.PREFER, tunnel).toString())
                .isEqualTo("u@db.internal:5432/app (ssh audit@bastion.example.com:2222 key /keys/a key&b=c)");
        // without a passphrase, no reference
        assertThat(new SshTunnel("h", 22, "u", "/k", null, null, null).arg())
                .isEqualTo("host=h&port=22&user=u&key=%2Fk");
    }

    @Test
    void aCopyMadeInAnotherJvmRegistersItsPassphraseThere() throws Exception {
        SshTunnel tunnel = new SshTunnel("h", 22, "u", "/k", "/known_hosts", null, PASSPHRASE);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(tunnel);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertThat(SshTunnel.parse(((SshTunnel) in.readObject()).arg())).isEqualTo(tunnel);
        }
        // a reference no copy registered: the JVM was not handed the passphrase
        assertThatThrownBy(() -> SshTunnel.parse("host=h&user=u&key=%2Fk&passphrase=ssh-passphrase-ref%3Aunknown"))
                .hasMessageContaining("The SSH key passphrase was not handed to this JVM");
    }

    @Test
    void incompleteOrContradictorySettingsAreRefused() {
        assertThatThrownBy(() -> new SshTunnel("h", 22, null, "/k", null, null, null))
                .hasMessageContaining(
                        "needs the jump host (--ssh-host), its user (--ssh-user) and a private key file (--ssh-key-file)");
        assertThatThrownBy(() -> new SshTunnel("h", 22, "u", "/k", "/known_hosts", "SHA256:abc", null))
                .hasMessageContaining("--ssh-known-hosts and --ssh-host-key-fingerprint are both given");
        assertThatThrownBy(() -> new SshTunnel("h", 22, "u", "/k", null, "MD5:ab:cd", null))
                .hasMessageContaining("must be OpenSSH's SHA256:... form");
    }

    @Test
    void theSourceAndTheDestinationInItGoThroughTheJumpHostAnOwnDestinationDirectly() {
        assertThat(Main.config("--db-host", "db").source().tunnel()).isNull();
        JobConfig tunnelled = Main.config(
                "--db-host", "db.internal", "--ssh-host", "bastion", "--ssh-user", "audit", "--ssh-key-file", "/k");
        SshTunnel tunnel = tunnelled.source().tunnel();
        assertThat(tunnel).hasToString("ssh audit@bastion:22 key /k");
        // one tunnel for both, so their connections share one session
        assertThat(tunnelled.destination().tunnel()).isSameAs(tunnel);
        assertThat(Main.config(
                                "--ssh-host",
                                "bastion",
                                "--ssh-user",
                                "audit",
                                "--ssh-key-file",
                                "/k",
                                "--destination-db-host",
                                "elsewhere")
                        .destination()
                        .tunnel())
                .isNull();
    }
}
