"""A loopback TCP relay for the tests that cut a server off mid-read or
count the bytes a client exchanges (neo4j, cassandra).

Relay(host, port, cut_after=N): close both sides once N bytes came back from
the server. tls_context: terminate TLS on the client side."""
import socket
import ssl
import threading


class Relay:
    def __init__(self, host, port, cut_after=None, tls_context=None):
        self.upstream = (host, int(port))
        self.cut_after, self.tls = cut_after, tls_context
        self.upstream_bytes = self.downstream_bytes = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.closing = False
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while not self.closing:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            if self.tls:
                try:
                    client = self.tls.wrap_socket(client, server_side=True)
                except (ssl.SSLError, OSError):
                    client.close()
                    continue
            server = socket.create_connection(self.upstream)
            for sock in (client, server):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self.pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self.pump, args=(server, client, False), daemon=True).start()

    def pump(self, src, dst, up):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if up:
                    self.upstream_bytes += len(data)
                else:
                    if self.cut_after is not None and self.downstream_bytes + len(data) > self.cut_after:
                        dst.sendall(data[: self.cut_after - self.downstream_bytes])
                        self.downstream_bytes = self.cut_after
                        break
                    self.downstream_bytes += len(data)
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self):
        self.closing = True
        self.sock.close()
