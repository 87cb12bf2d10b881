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
package org.audittrail.job.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.config.keys.AuthorizedKeysAuthenticator;
import org.apache.sshd.server.forward.StaticDecisionForwardingFilter;
import org.apache.sshd.server.forward.TcpForwardingFilter;

/**
 * A real SSH server (Apache MINA SSHD) on loopback, as a jump host: public-key logins of the keys of an authorized_keys
 * file, local port forwarding allowed; it can be stopped and started again on the same port with the same host key.
 */
public final class TestSshServer implements AutoCloseable {

    /** The jump host's user. */
    public static final String USER = "tunnel";

    private final KeyPair hostKey;
    private final Path authorizedKeys;
    /** Every address a client had the server connect to, in order: the far ends of the tunnels. */
    public final List<String> forwardedTo = new CopyOnWriteArrayList<>();

    private SshServer server;
    private int port;

    public TestSshServer(Path authorizedKeys) throws GeneralSecurityException {
        this.hostKey = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
        this.authorizedKeys = authorizedKeys;
    }

    /** Starts on a free port the first time, on the same port after {@link #stop()}. */
    public TestSshServer start() throws IOException {
        server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(port);
        server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        server.setPublickeyAuthenticator(new AuthorizedKeysAuthenticator(authorizedKeys));
        server.setForwardingFilter(new StaticDecisionForwardingFilter(true) {
            @Override
            public boolean canConnect(TcpForwardingFilter.Type type, SshdSocketAddress address, Session session) {
                forwardedTo.add(address.getHostName() + ":" + address.getPort());
                return super.canConnect(type, address, session);
            }
        });
        server.start();
        port = server.getPort();
        return this;
    }

    /** Stops at once: every session, and each connection forwarded through it, is closed, as when the network breaks. */
    public void stop() throws IOException {
        server.stop(true);
    }

    /** The sessions open now. */
    public int sessions() {
        return server.getActiveSessions().size();
    }

    public int port() {
        return port;
    }

    /** The host key's fingerprint, as {@code ssh-keygen -lf} prints it. */
    public String fingerprint() {
        return KeyUtils.getFingerPrint(hostKey.getPublic());
    }

    /** The host's line for a known_hosts file, as {@code ssh-keyscan -p <port> 127.0.0.1} prints it. */
    public String knownHostsLine() {
        return knownHostsLine(port);
    }

    /** This host's key in a known_hosts line for another port: a host posing as the one there. */
    public String knownHostsLine(int port) {
        return "[127.0.0.1]:" + port + " " + PublicKeyEntry.toString(hostKey.getPublic());
    }

    @Override
    public void close() throws IOException {
        if (server != null) {
            server.stop(true);
        }
    }
}
