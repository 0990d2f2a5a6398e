// Serves the built web dashboard (web/dist, made by `npm run build:web`) at `/`, so the coordinator needs no second
// server. Only index.html and files directly under assets/ with plain names are served: no path ever reaches the
// file system from the URL beyond one checked file name. The page itself holds no secret; it asks for a token.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.map': 'application/json',
};
const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

export function registerDashboard(app: FastifyInstance, distDir: string): void {
  const notBuilt = (): string =>
    '<!doctype html><title>Fairway</title><p>The dashboard is not built. Run <code>npm run build:web</code> and reload.</p>';
  app.get('/', async (_req, reply) => {
    const index = join(distDir, 'index.html');
    // Read per request (small file) so a rebuild shows up without restarting the coordinator.
    const body = existsSync(index) ? readFileSync(index) : notBuilt();
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(body);
  });
  app.get('/assets/:name', async (req, reply) => {
    const name = (req.params as { name: string }).name;
    const file = join(distDir, 'assets', name);
    if (!ASSET_NAME.test(name) || !existsSync(file)) {
      return reply.code(404).send({ code: 'not_found', message: `no asset ${name}`, details: {} });
    }
    const ext = name.slice(name.lastIndexOf('.'));
    // Vite puts a content hash in every asset name, so they can be cached for good.
    return reply.type(TYPES[ext] ?? 'application/octet-stream').header('cache-control', 'public, max-age=31536000, immutable').send(readFileSync(file));
  });
}
