import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

// Django serves the built assets under /static/ (STATICFILES_DIRS = frontend/dist) and renders
// dist/index.html itself at / and at every SPA route of a workspace host.
export default defineConfig({
  base: '/static/',
  plugins: [vue()],
  // vue-i18n's bundler flags: Composition API only (the legacy API is tree-shaken away).
  // Vue's: every component is <script setup>, so the Options API is tree-shaken away too.
  define: {
    __VUE_OPTIONS_API__: false,
    __VUE_PROD_DEVTOOLS__: false,
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: false,
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    sourcemap: false,
    // dist/.vite/manifest.json: which chunk is which source (the bundle bench finds each
    // language's chunk by it).
    manifest: true,
  },
  server: {
    // `npm run dev` against `make run`: proxy the API and the socket to daphne.
    proxy: {
      '/api': { target: 'http://127.0.0.1:8000', changeOrigin: false },
      '/ws': { target: 'ws://127.0.0.1:8000', ws: true },
      '/login': 'http://127.0.0.1:8000',
      '/logout': 'http://127.0.0.1:8000',
    },
  },
  test: {
    environment: 'jsdom',
    include: ['tests/unit/**/*.test.js'],
    setupFiles: ['tests/unit/setup.js'],
    restoreMocks: true,
  },
});
