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
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import javax.net.SocketFactory;

/**
 * pgjdbc's {@code socketFactory} for connections through an {@link SshTunnel}: each socket connects to the local end of
 * the tunnel's port forward to the address pgjdbc asked for, so the database's host name is resolved by the jump host.
 * pgjdbc makes one per connection, from {@code socketFactoryArg}; Debezium's JDBC and replication connections alike.
 */
public final class TunnelSocketFactory extends SocketFactory {

    /** The pgjdbc property naming the factory. */
    public static final String FACTORY_PROPERTY = "socketFactory";

    /** The pgjdbc property handed to the factory's constructor: the tunnel's settings, as {@link SshTunnel#arg()} writes them. */
    static final String ARG_PROPERTY = "socketFactoryArg";

    private final SshTunnel tunnel;

    /** Called by pgjdbc with {@code socketFactoryArg}. */
    public TunnelSocketFactory(String arg) {
        this.tunnel = SshTunnel.parse(arg);
    }

    @Override
    public Socket createSocket() {
        return new TunnelSocket(tunnel);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        Socket socket = createSocket();
        socket.connect(InetSocketAddress.createUnresolved(host, port));
        return socket;
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return createSocket(host, port);
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return createSocket(host.getHostAddress(), port);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return createSocket(address, port);
    }

    /** A plain socket that connects to the tunnel's local end instead of the address asked for, which the jump host reaches. */
    private static final class TunnelSocket extends Socket {
        private final SshTunnel tunnel;
        private TunnelSessions.Lease lease;

        TunnelSocket(SshTunnel tunnel) {
            this.tunnel = tunnel;
        }

        @Override
        public void connect(SocketAddress endpoint, int timeout) throws IOException {
            InetSocketAddress target = (InetSocketAddress) endpoint;
            // the name as given, not as this host resolves it: the jump host resolves it on its side
            TunnelSessions.Lease lease = tunnel.lease(target.getHostString(), target.getPort());
            try {
                super.connect(lease.local(), timeout);
            } catch (IOException | RuntimeException e) {
                lease.close();
                throw e;
            }
            this.lease = lease;
        }

        @Override
        public synchronized void close() throws IOException {
            try {
                super.close();
            } finally {
                if (lease != null) {
                    lease.close();
                }
            }
        }
    }
}
