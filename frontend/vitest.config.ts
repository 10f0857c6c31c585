import { defineConfig, mergeConfig } from 'vitest/config'
import viteConfig from './vite.config.ts'

export default mergeConfig(
  viteConfig({ command: 'serve', mode: 'test' }),
  defineConfig({
    test: {
      environment: 'jsdom',
      include: ['src/**/test/*.spec.ts'],
      restoreMocks: true,
      mockReset: true,
      setupFiles: ['src/test-utils/setup.ts'],
      // Vant's ES modules import their CSS: let Vite transform them instead of Node.
      server: { deps: { inline: ['vant'] } },
    },
  }),
)
