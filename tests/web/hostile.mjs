// Hostile clients against build/digitnet serve (with a one-second request deadline): truncated
// requests, oversized headers and bodies, invalid JSON and UTF-8, slow senders, many idle
// connections. Each refusal is the right 4xx with a JSON error naming the field and nothing of
// the server's insides; afterwards the server still answers a normal request.
import net from 'node:net';
import { check, model, startServe } from './serve.mjs';

const serve = await startServe([model('mlp.safetensors'), '--timeout', '1']);
const port = serve.port;

// Sends `bytes` (all at once, or byte by byte every `gap` ms) and resolves with what came back
// and whether the server closed the connection.
function exchange(bytes, { gap = 0, wait = 3000 } = {}) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = Buffer.alloc(0), closed = false;
    const started = Date.now();
    socket.on('data', (d) => { reply = Buffer.concat([reply, d]); });
    socket.on('error', () => {});
    socket.on('close', () => { closed = true; finish(); });
    const timer = setTimeout(finish, wait);
    let finished = false;
    function finish() {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ text: reply.toString('latin1'), closed, ms: Date.now() - started });
    }
    socket.on('connect', async () => {
      const data = Buffer.from(bytes, 'latin1');
      if (!gap) return socket.write(data);
      for (let i = 0; i < data.length && !closed; ++i) {
        socket.write(data.subarray(i, i + 1));
        await new Promise((r) => setTimeout(r, gap));
      }
    });
  });
}

const post = (body, extra = '') =>
  `POST /api/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n${extra}` +
  `Content-Length: ${Buffer.byteLength(body, 'latin1')}\r\n\r\n${body}`;

function expectRefusal(reply, status, field, what) {
  const m = /^HTTP\/1\.1 (\d{3})/.exec(reply.text);
  check(m && Number(m[1]) === status, `${what}: expected ${status}, found ${m ? m[1] : 'no reply'}`);
  const body = JSON.parse(reply.text.slice(reply.text.indexOf('\r\n\r\n') + 4));
  check(body.error.startsWith(field), `${what}: the error should name ${field}: ${body.error}`);
  for (const internal of ['json.exception', 'std::', 'what()', '.cpp', 'libmicrohttpd'])
    check(!body.error.includes(internal), `${what}: internals in '${body.error}'`);
}

async function expectAlive(what) {
  const r = await fetch(`http://127.0.0.1:${port}/api/models`);
  check(r.status === 200, `after ${what} the server should answer, found ${r.status}`);
}

let failed = false;
try {
  // A 1 drawn as a bar.
  const pixels = JSON.stringify({ pixels: Array.from({ length: 784 }, (_, i) => (i % 28 > 12 && i % 28 < 16 && i > 100 && i < 680 ? 1 : 0)) });
  // Truncated: a body shorter than its length, a request line cut off, garbage, TLS on plain HTTP.
  for (const bytes of [post(pixels).slice(0, 200), 'GET /api/mo', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03',
                       'NOT HTTP AT ALL\r\n\r\n', '\r\n\r\n\r\n\r\n'])
    await exchange(bytes, { wait: 300 });
  await expectAlive('truncated requests');
  // Oversized: a declared body past 64 KiB, an actual one, and 40 KiB of headers.
  expectRefusal(await exchange(post('{', '').replace(/Content-Length: \d+/, 'Content-Length: 99999999')), 413, 'body', 'declared length');
  expectRefusal(await exchange(post(JSON.stringify({ pixels: Array(40000).fill(0.123) }))), 413, 'body', 'large body');
  const headers = await exchange(`GET /api/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(40000)}\r\n\r\n`);
  check(/^HTTP\/1\.1 4\d\d/.test(headers.text) || headers.closed, 'oversized headers are refused');
  check(!headers.text.includes('{"digit"'), 'oversized headers get no answer');
  await expectAlive('oversized requests');
  // Invalid JSON and UTF-8, wrong types, NaN, out of range.
  expectRefusal(await exchange(post('{"pixels": [0.1, ')), 400, 'body', 'invalid JSON');
  expectRefusal(await exchange(post('{"image": "\xc3\x28\xff"}')), 400, 'body', 'invalid UTF-8');
  expectRefusal(await exchange(post('{"pixels": NaN}')), 400, 'body', 'NaN');
  expectRefusal(await exchange(post(JSON.stringify({ pixels: Array(784).fill(2) }))), 400, 'pixels[0]', 'out of range');
  expectRefusal(await exchange(post(JSON.stringify({ pixels: 'x' }))), 400, 'pixels', 'wrong type');
  expectRefusal(await exchange(post(JSON.stringify({ image: '%%%%' }))), 400, 'image', 'not base64');
  expectRefusal(await exchange(post(JSON.stringify({ epochs: 1000 })).replace('/api/predict', '/api/train')), 400, 'epochs', 'too many epochs');
  expectRefusal(await exchange('GET /../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'), 404, 'path', 'traversal');
  await expectAlive('invalid JSON');
  // Slow senders: a byte every 150 ms is dropped at the one-second deadline, in the headers or the body.
  for (const bytes of [post(pixels), `GET /api/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'a'.repeat(100)}\r\n\r\n`]) {
    const slow = await exchange(bytes, { gap: 150, wait: 5000 });
    check(slow.closed && slow.ms < 3000, `a slow sender should be dropped at the deadline (closed ${slow.closed} after ${slow.ms} ms)`);
  }
  await expectAlive('slow senders');
  // Many idle connections: more than the server keeps; it answers once they are gone.
  const idle = await Promise.all(Array.from({ length: 150 }, () => new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    s.on('connect', () => resolve(s));
    setTimeout(() => resolve(s), 1000);
  })));
  await new Promise((r) => setTimeout(r, 300));
  for (const s of idle) s.destroy();
  await new Promise((r) => setTimeout(r, 300));
  await expectAlive('many idle connections');
  const r = await fetch(`http://127.0.0.1:${port}/api/predict`, { method: 'POST', body: pixels });
  check(r.status === 200 && (await r.json()).outputs.length === 10, 'a normal predict after it all');
  console.log('hostile-client test passed');
} catch (e) {
  failed = true;
  console.error(e.message);
  console.error(serve.output());
}
const code = await serve.stop();
process.exit(failed || code !== 0 ? 1 : 0);
