import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The host serves the built app at /designer/ (engine/Pipelines.Engine/Api/DesignerFiles.cs); `npm run dev` proxies the
// API to a running `bin/pipelines serve` (PIPELINES_URL, default its default address).
const api = process.env.PIPELINES_URL ?? 'http://127.0.0.1:5080';

export default defineConfig({
  base: '/designer/',
  plugins: [react()],
  server: { proxy: { '/api': api, '/healthz': api } },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1600 },
  worker: { format: 'es' },
  test: { include: ['test/**/*.test.ts'], environment: 'node' },
});
