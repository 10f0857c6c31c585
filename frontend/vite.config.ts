import { fileURLToPath, URL } from 'node:url'
import { VantResolver } from '@vant/auto-import-resolver'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { defineConfig } from 'vite'
import { vantIconFont } from './build/vite/vant-icon-font.ts'

// Django serves the built index.html at /h5/ (and every /h5/<route>); the assets come from
// /static/h5/. The dev server serves the app at /h5/ so that the router base matches.
const STATIC_BASE = '/static/h5/'
const DEV_BASE = '/h5/'

// Browsers of the WeChat/掌厅 web views of the last few years (Vant 4 itself needs ES2015+).
const TARGETS = ['es2020', 'chrome87', 'safari14']

export default defineConfig(({ command }) => ({
  base: command === 'build' ? STATIC_BASE : DEV_BASE,
  plugins: [
    // Composition API only (Vant, the router, Pinia and vue-i18n need no Options API).
    vue({ features: { optionsAPI: false } }),
    Components({
      // Only Vant is auto-imported; the app's own components are imported explicitly.
      dirs: [],
      resolvers: [VantResolver()],
      dts: 'src/components.d.ts',
    }),
    vantIconFont(),
  ],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  define: {
    // vue-i18n: Composition API only, no devtools hooks in production.
    __VUE_I18N_FULL_INSTALL__: 'false',
    __VUE_I18N_LEGACY_API__: 'false',
    __INTLIFY_PROD_DEVTOOLS__: 'false',
  },
  server: {
    // `make demo` runs the Django server on port 8000.
    proxy: { '/api': 'http://127.0.0.1:8000' },
  },
  build: {
    outDir: '../src/idrenew/h5/static/h5',
    emptyOutDir: true,
    sourcemap: false,
    target: TARGETS,
    cssTarget: TARGETS,
    assetsInlineLimit: 4096,
    reportCompressedSize: true,
    rolldownOptions: {
      output: {
        // One cacheable chunk for the libraries, one per page for the app.
        codeSplitting: { groups: [{ name: 'vendor', test: /[\\/]node_modules[\\/]/ }] },
      },
    },
  },
}))
