// Builds the dashboard into web/dist, which the coordinator serves at `/` (src/server/dashboard.ts).
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false, chunkSizeWarningLimit: 1024 },
  // `npm run dev:web` proxies the API to a coordinator on :7300, so the page can be developed with hot reload.
  server: { proxy: { '/v1': 'http://127.0.0.1:7300', '/metrics': 'http://127.0.0.1:7300' } },
});
