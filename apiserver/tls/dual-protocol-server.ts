// One port, two protocols: plain HTTP (browsers, curl and REST clients, as Docker Sentinel serves on :8080) and HTTPS
// (Kubernetes clients, which send a kubeconfig's token only over TLS). The first byte a client sends tells them apart:
// 0x16 opens every TLS handshake and no HTTP method starts with it.
//
// Written here rather than taken from @httptoolkit/httpolyglot, which does the same, because that one returns a
// net.Server wrapping private HTTP servers: fastify then cannot set timeouts on, nor close the idle connections of,
// the server that really serves. Here the server fastify gets is a real http.Server; TLS connections are decrypted by
// a tls.Server that never listens and are handed to the http.Server's own connection listener, exactly as
// https.Server does it, so every connection is tracked, timed out and closed by the one http.Server.
import http from 'node:http';
import type { Socket } from 'node:net';
import tls from 'node:tls';
import type { TlsIdentity } from './self-signed.ts';

const TLS_HANDSHAKE_RECORD = 0x16;

/** A client that connects and says nothing is dropped after this long (it is not yet the HTTP server's to time out). */
const FIRST_BYTE_TIMEOUT_MS = 30_000;

function ignore(): void {}

export function createDualProtocolServer(handler: http.RequestListener, identity: TlsIdentity): http.Server {
  const server = http.createServer(handler);
  // http.Server registers exactly one 'connection' listener: the HTTP/1.1 parser's, which https.Server also uses.
  const [serveHttp] = server.listeners('connection') as ((this: http.Server, socket: Socket) => void)[];
  if (serveHttp === undefined) throw new Error('http.Server has no connection listener to hand sockets to');
  server.removeAllListeners('connection');
  const decrypt = new tls.Server({ cert: identity.cert, key: identity.key, ALPNProtocols: ['http/1.1'], handshakeTimeout: 10_000 }, (secure: tls.TLSSocket) => {
    serveHttp.call(server, secure);
  });
  // A failed handshake (a client that does not trust the certificate, a scanner) ends that connection only.
  decrypt.on('tlsClientError', (_error: Error, socket: tls.TLSSocket) => socket.destroy());

  const sniff = (socket: Socket): void => {
    const first = socket.read() as Buffer | null;
    if (first === null) {
      socket.once('readable', () => sniff(socket));
      return;
    }
    socket.setTimeout(0);
    socket.removeListener('error', ignore);
    socket.unshift(first);
    if (first[0] === TLS_HANDSHAKE_RECORD) {
      // TLS does not allow half-open connections.
      socket.allowHalfOpen = false;
      decrypt.emit('connection', socket);
    } else {
      serveHttp.call(server, socket);
    }
  };
  server.on('connection', (socket: Socket) => {
    socket.on('error', ignore);
    socket.setTimeout(FIRST_BYTE_TIMEOUT_MS, () => socket.destroy());
    sniff(socket);
  });
  return server;
}
