import { defineConfig } from 'vitest/config';

// The app is served by logpond at /ui/ and embedded from internal/ui/dist.
// No framework plugin: esbuild compiles JSX for Preact directly.
//
// `npm run dev` serves the source with live reload and sends /ui/api/ to a
// running logpond (LOGPOND_URL, default http://127.0.0.1:9700) as if the
// page came from it (its Origin check would refuse the dev server's).
const logpond = process.env.LOGPOND_URL ?? 'http://127.0.0.1:9700';

export default defineConfig({
  base: '/ui/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: '../internal/ui/dist',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0, // every asset a file: the CSP allows no data: URLs
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: {
      '/ui/api': {
        target: logpond,
        changeOrigin: true,
        configure: (proxy) => proxy.on('proxyReq', (req) => req.getHeader('origin') && req.setHeader('origin', logpond)),
      },
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
  },
});
