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
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.core.CoreModuleProperties;
import org.audittrail.job.db.ssh.SshTunnel.Refused;

/**
 * The SSH sessions of this JVM, one per tunnel and target, each with its local port forward; reopened once closed,
 * closed once unused for a minute, and the client's threads stopped with the last one, so a cancelled job's
 * class loader is not held.
 */
final class TunnelSessions {
    private static Duration idle = Duration.ofMinutes(1);
    private static java.util.concurrent.ScheduledExecutorService timer;

    private static SshClient client;
    private static final Map<String, Forward> FORWARDS = new HashMap<>();

    private TunnelSessions() {}

    /** A session and its forward; {@code connections} counts the leases not yet closed. */
    private static final class Forward {
        final ClientSession session;
        final InetSocketAddress local;
        int connections;
        java.util.concurrent.ScheduledFuture<?> closing;

        Forward(ClientSession session, InetSocketAddress local) {
            this.session = session;
            this.local = local;
        }
    }

    /** One connection's use of a session's port forward: a session no connection uses for a minute is closed. */
    static final class Lease implements AutoCloseable {
        private final String key;
        private final Forward forward;
        private boolean closed;

        private Lease(String key, Forward forward) {
            this.key = key;
            this.forward = forward;
        }

        /** Where the forward listens, on loopback. */
        InetSocketAddress local() {
            return forward.local;
        }

        @Override
        public void close() {
            synchronized (TunnelSessions.class) {
                if (!closed) {
                    closed = true;
                    release(key, forward);
                }
            }
        }
    }

    /** Sets how long an unused session stays open, for sessions that become unused from now on; returns the previous value. */
    static synchronized Duration idleTimeout(Duration timeout) {
        Duration previous = idle;
        idle = timeout;
        return previous;
    }

    /** A lease on the forward to {@code targetHost:targetPort} through {@code tunnel}, opening a session if needed. */
    static synchronized Lease acquire(SshTunnel tunnel, String targetHost, int targetPort) throws IOException {
        String key = tunnel.arg() + "|" + targetHost + ":" + targetPort;
        Forward forward = FORWARDS.get(key);
        if (forward == null || !forward.session.isOpen() || forward.session.isClosing()) {
            if (forward != null) {
                // the jump host went away, or the network between: a new session, a new local port
                forward.session.close(true);
                FORWARDS.remove(key);
            }
            forward = open(tunnel, targetHost, targetPort);
            FORWARDS.put(key, forward);
        }
        forward.connections++;
        if (forward.closing != null) {
            forward.closing.cancel(false);
            forward.closing = null;
        }
        return new Lease(key, forward);
    }

    private static synchronized void release(String key, Forward forward) {
        forward.connections--;
        if (forward.connections == 0 && FORWARDS.get(key) == forward) {
            forward.closing = timer().schedule(
                            () -> closeIdle(key, forward), idle.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    private static synchronized void closeIdle(String key, Forward forward) {
        if (forward.connections > 0 || FORWARDS.get(key) != forward) {
            return;
        }
        FORWARDS.remove(key);
        forward.session.close(true);
        if (FORWARDS.isEmpty()) {
            try {
                client.stop();
            } catch (RuntimeException e) {
                // stopping is best effort: the sessions are closed already
            }
            client = null;
            timer.shutdown();
            timer = null;
        }
    }

    private static java.util.concurrent.ScheduledExecutorService timer() {
        if (timer == null) {
            timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread thread = new Thread(r, "audit-trail-ssh-tunnel-idle");
                thread.setDaemon(true);
                return thread;
            });
        }
        return timer;
    }

    private static Forward open(SshTunnel tunnel, String targetHost, int targetPort) throws IOException {
        Forward forward;
        ClientSession session = tunnel.login().open();
        try {
            SshdSocketAddress local = session.startLocalPortForwarding(
                    new SshdSocketAddress("127.0.0.1", 0), new SshdSocketAddress(targetHost, targetPort));
            forward = new Forward(session, new InetSocketAddress("127.0.0.1", local.getPort()));
        } catch (IOException | RuntimeException e) {
            session.close(true);
            throw new Refused(
                    "The SSH jump host " + tunnel.jumpHost() + " refused to forward to " + targetHost + ":" + targetPort
                            + ": " + e.getMessage(),
                    e);
        }
        return forward;
    }

    static synchronized SshClient client() {
        if (client == null) {
            SshClient c = SshClient.setUpDefaultClient();
            // only the settings given: no ~/.ssh/config, no default identities, no password prompts
            c.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
            c.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
            c.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE));
            c.setServerKeyVerifier(HostKeyCheck::byConnection);
            // a quiet WAL stream must not look idle; a jump host gone silent is noticed within a minute
            CoreModuleProperties.IDLE_TIMEOUT.set(c, Duration.ZERO);
            CoreModuleProperties.HEARTBEAT_INTERVAL.set(c, Duration.ofSeconds(15));
            CoreModuleProperties.HEARTBEAT_REPLY_WAIT.set(c, Duration.ofSeconds(15));
            CoreModuleProperties.HEARTBEAT_NO_REPLY_MAX.set(c, 4);
            c.start();
            client = c;
        }
        return client;
    }
}
