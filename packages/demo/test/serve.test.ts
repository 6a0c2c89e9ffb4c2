import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { serveDemo, type DemoServer } from '../src/serve';

function request(
  url: string,
  method = 'GET',
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serveDemo', () => {
  let root: string;
  let dir: string;
  let server: DemoServer;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-serve-'));
    dir = path.join(root, 'site');
    fs.mkdirSync(path.join(dir, 'wasm'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>t</title>');
    fs.writeFileSync(path.join(dir, 'wasm', 'x.wasm'), Buffer.from([0, 97, 115, 109]));
    fs.writeFileSync(path.join(root, 'secret.txt'), 'outside');
    fs.symlinkSync(path.join(root, 'secret.txt'), path.join(dir, 'link.txt'));
    server = await serveDemo({ dir, port: 0 });
  });

  afterAll(async () => {
    await server.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 and serves the folder with the isolation and CSP headers', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    const index = await request(server.url);
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(index.headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect(index.headers['content-security-policy']).toMatch(/default-src 'self'/);
    const wasm = await request(`${server.url}wasm/x.wasm?v=1`);
    expect(wasm.headers['content-type']).toBe('application/wasm');
  });

  it('serves nothing outside the folder, and only GET and HEAD', async () => {
    for (const p of ['../secret.txt', '%2e%2e/secret.txt', 'wasm/..%2f..%2fsecret.txt']) {
      const r = await request(server.url + p);
      expect([403, 404]).toContain(r.status);
      expect(r.body).not.toContain('outside');
    }
    expect((await request(`${server.url}link.txt`)).status).toBe(403);
    expect((await request(`${server.url}missing.js`)).status).toBe(404);
    const post = await request(server.url, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    const head = await request(server.url, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('names a port in use', async () => {
    await expect(serveDemo({ dir, port: server.port })).rejects.toThrow(
      new RegExp(`127\\.0\\.0\\.1:${server.port}: the port is in use`),
    );
  });
});
