import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { DemoError } from './errors';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/**
 * The page's content security policy (index.html carries the same as a meta tag, for
 * other servers): everything from this origin only, so the page cannot reach the network
 * even by mistake. 'wasm-unsafe-eval' lets tfjs compile its wasm backend, and blob: lets
 * the threads of its threaded build load their script (made by the page).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' blob: 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self' data: blob:",
  "worker-src 'self' blob:",
  "media-src 'self' blob: mediastream:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  // Cross-origin isolation gives the page SharedArrayBuffer, so tfjs's wasm backend can
  // use its threaded build.
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'microphone=(self)',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-cache',
};

export interface DemoServer {
  /** http://127.0.0.1:PORT/ */
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface ServeDemoOptions {
  dir: string;
  /** 0 picks a free port. */
  port: number;
  /** Called once per request answered. */
  onRequest?: (r: { method: string; path: string; status: number }) => void;
}

/** Resolves a request path inside `root`, or undefined when it would leave it. */
function fileFor(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const full = path.resolve(root, '.' + path.posix.normalize('/' + decoded));
  if (full !== root && !full.startsWith(root + path.sep)) return undefined;
  return full;
}

/**
 * Serves a demo folder on 127.0.0.1 only: GET and HEAD of its files (a folder gives its
 * index.html), nothing outside it.
 */
export function serveDemo(options: ServeDemoOptions): Promise<DemoServer> {
  const root = fs.realpathSync(path.resolve(options.dir));
  const server = http.createServer((req, res) => {
    const urlPath = (req.url ?? '/').split('?')[0].split('#')[0];
    const answer = (status: number, body: string | Buffer, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { ...HEADERS, 'Content-Type': type, 'Content-Length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
      options.onRequest?.({ method: req.method ?? '', path: urlPath, status });
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      answer(405, 'method not allowed\n');
      return;
    }
    let file = fileFor(root, urlPath);
    if (!file) {
      answer(403, 'forbidden\n');
      return;
    }
    try {
      if (fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
      const real = fs.realpathSync(file);
      if (!real.startsWith(root + path.sep)) {
        answer(403, 'forbidden\n');
        return;
      }
      const type = CONTENT_TYPES[path.extname(real).toLowerCase()] ?? 'application/octet-stream';
      answer(200, fs.readFileSync(real), type);
    } catch {
      answer(404, 'not found\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new DemoError(
              'demo-port-in-use',
              `127.0.0.1:${options.port}`,
              'the port is in use; choose another (--port 0 picks a free one)',
            )
          : err,
      );
    });
    server.listen(options.port, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
