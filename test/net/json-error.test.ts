/**
 * The one JSON error writer, over real HTTP on loopback: the same headers on every answer, the
 * status from ERROR_CODES, the trace id when given, extra headers that cannot replace the fixed
 * ones, and no exception whatever state the response is in. Plus the proxy's raw-socket form.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { ERROR_CODES, type ErrorCode } from '../../src/errors';
import { sendJsonError, type JsonErrorOptions } from '../../src/net/json-error';
import { sendSocketError } from '../../src/proxy/error-response';

type Behaviour = (req: IncomingMessage, res: ServerResponse) => void;

describe('sendJsonError', () => {
  let server: Server;
  let base: string;
  let behaviour: Behaviour = () => undefined;
  const thrown: unknown[] = [];
  before(async () => {
    server = createServer((req, res) => {
      try {
        behaviour(req, res);
      } catch (err) {
        thrown.push(err);
        res.destroy();
      }
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  async function answer(code: ErrorCode, opts?: JsonErrorOptions, method = 'GET') {
    behaviour = (_req, res) => sendJsonError(res, code, opts);
    const res = await fetch(base + '/x', { method });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  it('answers every code with its status from ERROR_CODES and the same headers', async () => {
    for (const [code, { status, message }] of Object.entries(ERROR_CODES) as Array<[ErrorCode, { status: number; message: string }]>) {
      const r = await answer(code);
      assert.equal(r.status, status, code);
      assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8', code);
      assert.equal(r.headers.get('cache-control'), 'no-store', code);
      assert.equal(r.headers.get('content-length'), String(Buffer.byteLength(r.text)), code);
      assert.ok(r.text.endsWith('}\n'), code);
      assert.deepEqual(JSON.parse(r.text), { code, message }, code);
    }
  });

  it('appends the detail to the message, counts UTF-8 bytes, and adds trace_id only when given', async () => {
    const r = await answer('PAYSIDECAR_BAD_PARAMETER', { detail: 'seconds="٣" is invalid, expected an integer from 1 to 300', traceId: '4bf92f3577b34da6a3ce929d0e0e4736' });
    assert.equal(r.status, 400);
    assert.deepEqual(JSON.parse(r.text), {
      code: 'PAYSIDECAR_BAD_PARAMETER',
      message: 'bad parameter: seconds="٣" is invalid, expected an integer from 1 to 300',
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
    });
    assert.equal(Number(r.headers.get('content-length')), Buffer.byteLength(r.text));
    assert.ok(Buffer.byteLength(r.text) > r.text.length, 'the detail has a multi-byte character');
    assert.equal('trace_id' in JSON.parse((await answer('PAYSIDECAR_NOT_FOUND')).text), false);
  });

  it('adds extra headers (Allow on 405) but never lets them replace the fixed ones', async () => {
    const r = await answer('PAYSIDECAR_METHOD_NOT_ALLOWED', { headers: { allow: 'GET, HEAD', 'content-type': 'text/html', 'cache-control': 'max-age=600' } });
    assert.equal(r.status, 405);
    assert.equal(r.headers.get('allow'), 'GET, HEAD');
    assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(r.headers.get('cache-control'), 'no-store');
  });

  it('keeps headers set earlier on the response (Retry-After, Connection: close)', async () => {
    behaviour = (_req, res) => {
      res.setHeader('retry-after', '1');
      sendJsonError(res, 'PAYSIDECAR_OVERLOADED');
    };
    const res = await fetch(base + '/x');
    await res.text();
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '1');
  });

  it('HEAD gets the status and headers, no body', async () => {
    const r = await answer('PAYSIDECAR_NOT_FOUND', undefined, 'HEAD');
    assert.equal(r.status, 404);
    assert.equal(r.text, '');
    assert.ok(Number(r.headers.get('content-length')) > 0);
  });

  it('cuts a response whose head is already sent, leaves a finished one alone, and never throws', async () => {
    behaviour = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      sendJsonError(res, 'PAYSIDECAR_UPSTREAM_UNAVAILABLE');
    };
    await assert.rejects(fetch(base + '/x').then((res) => res.text()), 'a cut body is an error at the client, not a 200');

    let finishedHeadersSent = false;
    behaviour = (_req, res) => {
      res.end('done');
      sendJsonError(res, 'PAYSIDECAR_INTERNAL');
      finishedHeadersSent = res.headersSent;
    };
    const done = await fetch(base + '/x');
    assert.equal(done.status, 200);
    assert.equal(await done.text(), 'done');
    assert.ok(finishedHeadersSent);

    behaviour = (_req, res) => sendJsonError(res, 'PAYSIDECAR_INTERNAL', { headers: { 'x-bad': 'line\r\nbreak' } });
    await assert.rejects(fetch(base + '/x').then((res) => res.text()));
    assert.deepEqual(thrown, [], 'the writer threw into its listener');
  });
});

describe("the proxy's raw-socket error", () => {
  let server: Server;
  let port: number;
  before(async () => {
    server = createServer();
    server.on('connect', (_req, socket) => sendSocketError(socket, 'PAYSIDECAR_METHOD_NOT_ALLOWED'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  after(() => server.close());

  it('is the same JSON error with Connection: close, and the socket is closed', async () => {
    const socket = connect(port, '127.0.0.1');
    socket.end('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    let raw = '';
    socket.setEncoding('utf8').on('data', (d: string) => (raw += d));
    await once(socket, 'close');
    const [head, body] = raw.split('\r\n\r\n');
    const [statusLine, ...lines] = head.split('\r\n');
    const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    assert.equal(statusLine, 'HTTP/1.1 405 Method Not Allowed');
    assert.equal(headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(headers['cache-control'], 'no-store');
    assert.equal(headers.connection, 'close');
    assert.equal(Number(headers['content-length']), Buffer.byteLength(body));
    assert.deepEqual(JSON.parse(body), { code: 'PAYSIDECAR_METHOD_NOT_ALLOWED', message: 'method not allowed' });
  });
});
