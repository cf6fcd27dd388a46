// Starting `digitnet serve` for the web tests: the program's path and the output folder come
// from the environment CTest sets (DIGITNET, DIGITNET_WEB_OUT); the server listens on a free port.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const digitnet = process.env.DIGITNET;
export const out = process.env.DIGITNET_WEB_OUT;
if (!digitnet || !out) {
  console.error('set DIGITNET (the program) and DIGITNET_WEB_OUT (the test output folder)');
  process.exit(2);
}
fs.mkdirSync(out, { recursive: true });
export const model = (name) => path.join(out, name);

// Resolves to { url, port, stop(), output() } once the server prints its address.
export function startServe(args) {
  const child = spawn(digitnet, ['serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let printed = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${printed}`)), 60000);
    const read = (chunk) => {
      printed += chunk;
      const m = printed.match(/serving on (http:\/\/127\.0\.0\.1:(\d+)\/)/);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1],
          port: Number(m[2]),
          output: () => printed,
          stop: () => new Promise((done) => {
            if (child.exitCode !== null) return done(child.exitCode);
            child.once('exit', (code, signal) => done(code ?? signal));
            child.kill('SIGTERM');
          }),
        });
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${printed}`)));
  });
}

// Fails the test with a message.
export function check(condition, message) {
  if (!condition) throw new Error(message);
}
