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

import java.io.IOException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.audittrail.job.db.ssh.SshTunnel.Refused;

/** Logs in to the jump host with a tunnel's key, its host key checked; each refusal says why, never a secret. */
final class JumpHostLogin {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final String user;
    private final String host;
    private final int port;
    private final String keyFile;
    private final String passphrase;
    private final HostKeyCheck hostKeyCheck;

    /** {@code passphrase} may be null. */
    JumpHostLogin(String user, String host, int port, String keyFile, String passphrase, HostKeyCheck hostKeyCheck) {
        this.user = user;
        this.host = host;
        this.port = port;
        this.keyFile = keyFile;
        this.passphrase = passphrase;
        this.hostKeyCheck = hostKeyCheck;
    }

    /** A new authenticated session to the jump host, through this JVM's client. */
    ClientSession open() throws IOException {
        String where = user + "@" + host + ":" + port;
        KeyPair key = SshKeys.load(keyFile, passphrase);
        AtomicReference<String> hostKeyRefusal = new AtomicReference<>();
        ClientSession session;
        try {
            // the key exchange may start before connect returns: the verifier travels with the connection's context
            session = TunnelSessions.client()
                    .connect(
                            user,
                            host,
                            port,
                            AttributeRepository.ofKeyValuePair(
                                    HostKeyCheck.VERIFIER, hostKeyCheck.verifier(hostKeyRefusal)))
                    .verify(TIMEOUT)
                    .getSession();
        } catch (IOException e) {
            throw new Refused("Cannot reach the SSH jump host " + where + ": " + rootCause(e), e);
        }
        try {
            session.addPublicKeyIdentity(key);
            session.auth().verify(TIMEOUT);
            return session;
        } catch (IOException | RuntimeException e) {
            session.close(true);
            if (hostKeyRefusal.get() != null) {
                throw new Refused(hostKeyRefusal.get(), e);
            }
            if (!String.valueOf(e.getMessage()).contains("No more authentication methods")) {
                // the connection broke or timed out during the handshake: the key was not refused
                throw new Refused(
                        "The SSH session with the jump host " + where + " failed before login: " + rootCause(e), e);
            }
            throw new Refused(
                    "The SSH jump host " + where + " refused the key " + keyFile + " ("
                            + KeyUtils.getFingerPrint(key.getPublic())
                            + "): append its public line (audit-trail ssh-keygen printed it; 'ssh-keygen -y -f "
                            + keyFile + "' prints"
                            + " it again) to ~" + user + "/.ssh/authorized_keys on the jump host. It said: "
                            + e.getMessage(),
                    e);
        }
    }

    /** The innermost failure, as one short phrase: MINA wraps a refused connection in its future's description. */
    private static String rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }
}
