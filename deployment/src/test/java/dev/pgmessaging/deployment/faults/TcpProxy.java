package dev.pgmessaging.deployment.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on loopback in front of PostgreSQL, for the faults a network makes: connections that
 * stall (stop forwarding without closing: half-open, as when a peer vanishes), connections cut, and
 * a commit whose answer is lost on the way back (the server committed, the client never hears it).
 * New connections are forwarded as usual whatever happened to the others.
 */
public final class TcpProxy implements AutoCloseable {

    /** CommandComplete for COMMIT: 'C', length 11, "COMMIT\0" (the server sends it once committed). */
    private static final byte[] COMMIT_COMPLETE = { 'C', 0, 0, 0, 11, 'C', 'O', 'M', 'M', 'I', 'T', 0 };

    private final String upstreamHost;
    private final int upstreamPort;
    private final ServerSocket server;
    private final List<Link> links = new CopyOnWriteArrayList<>();
    private final AtomicInteger commitsToCut = new AtomicInteger();
    private final AtomicInteger commitsCut = new AtomicInteger();
    private final Thread acceptor;
    private volatile boolean open = true;
    private volatile boolean down;

    public TcpProxy(String upstreamHost, int upstreamPort) throws IOException {
        this.upstreamHost = upstreamHost;
        this.upstreamPort = upstreamPort;
        this.server = new ServerSocket();
        this.server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.acceptor = new Thread(this::accept, "tcp-proxy-" + port());
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    /** A proxy in front of the host and port of a {@code jdbc:postgresql://host:port/db} URL. */
    public static TcpProxy inFrontOf(String jdbcUrl) throws IOException {
        String hostPort = jdbcUrl.substring("jdbc:postgresql://".length()).split("/")[0];
        int colon = hostPort.lastIndexOf(':');
        return new TcpProxy(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    public int port() {
        return server.getLocalPort();
    }

    /** The URL with the proxy in place of the server. */
    public String url(String jdbcUrl) {
        String rest = jdbcUrl.substring("jdbc:postgresql://".length());
        return "jdbc:postgresql://127.0.0.1:" + port() + rest.substring(rest.indexOf('/'));
    }

    /** The connections open now stop forwarding in both directions, and stay open (half-open). */
    public int stallAll() {
        int stalled = 0;
        for (Link link : links) {
            if (!link.closed.get() && link.stalled.compareAndSet(false, true)) {
                stalled++;
            }
        }
        return stalled;
    }

    /**
     * The stalled connections forward again what they held, as a network partition heals: a peer
     * that gave up on its connection meanwhile has closed it, and the other side now learns it.
     */
    public void healAll() {
        links.forEach(link -> link.stalled.set(false));
    }

    /** The connections open now are closed at once. */
    public void cutAll() {
        links.forEach(Link::close);
    }

    /**
     * The server goes away, as when it stops or the network to it fails: the connections open now
     * are closed, and new ones are closed as soon as they are accepted, until {@link #up()}.
     */
    public void down() {
        down = true;
        cutAll();
    }

    /** The server is back: new connections are forwarded again. */
    public void up() {
        down = false;
    }

    /**
     * The next {@code count} commits that succeed on the server have their answer dropped: the
     * connection is closed just before the client would hear that they committed.
     */
    public void cutNextCommits(int count) {
        commitsToCut.set(count);
    }

    /** How many commits had their answer dropped. */
    public int commitsCut() {
        return commitsCut.get();
    }

    public int openConnections() {
        return (int) links.stream().filter(link -> !link.closed.get()).count();
    }

    private void accept() {
        while (open) {
            try {
                Socket client = server.accept();
                if (down) {
                    client.close();
                    continue;
                }
                Socket upstream = new Socket(upstreamHost, upstreamPort);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                Link link = new Link(client, upstream);
                links.add(link);
                link.start();
            } catch (IOException e) {
                if (!open) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() throws IOException {
        open = false;
        server.close();
        links.forEach(Link::close);
    }

    /** One proxied connection: a thread per direction. */
    private final class Link {
        private final Socket client;
        private final Socket upstream;
        final AtomicBoolean stalled = new AtomicBoolean();
        final AtomicBoolean closed = new AtomicBoolean();

        Link(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void start() throws IOException {
            pump(client.getInputStream(), upstream.getOutputStream(), false);
            pump(upstream.getInputStream(), client.getOutputStream(), true);
        }

        private void pump(InputStream in, OutputStream out, boolean fromServer) {
            Thread thread = new Thread(() -> {
                byte[] buffer = new byte[64 * 1024];
                try {
                    int n;
                    while ((n = in.read(buffer)) >= 0) {
                        while (stalled.get() && !closed.get()) {
                            Thread.sleep(50); // holds the bytes, and the connection, for ever
                        }
                        if (fromServer && contains(buffer, n, COMMIT_COMPLETE) && take(commitsToCut)) {
                            commitsCut.incrementAndGet();
                            close();
                            return;
                        }
                        out.write(buffer, 0, n);
                        out.flush();
                    }
                } catch (IOException | InterruptedException e) {
                    // closed on either side
                } finally {
                    close();
                }
            }, "tcp-proxy-link");
            thread.setDaemon(true);
            thread.start();
        }

        void close() {
            if (closed.compareAndSet(false, true)) {
                links.remove(this);
                try {
                    client.close();
                } catch (IOException ignored) {
                    // already
                }
                try {
                    upstream.close();
                } catch (IOException ignored) {
                    // already
                }
            }
        }
    }

    private static boolean take(AtomicInteger count) {
        int left;
        do {
            left = count.get();
            if (left <= 0) {
                return false;
            }
        } while (!count.compareAndSet(left, left - 1));
        return true;
    }

    private static boolean contains(byte[] buffer, int length, byte[] pattern) {
        outer: for (int i = 0; i + pattern.length <= length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (buffer[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    @Override
    public String toString() {
        return "TcpProxy[" + port() + " -> " + upstreamHost + ":" + upstreamPort + ", " + Arrays.asList(openConnections())
                + " open]";
    }
}
