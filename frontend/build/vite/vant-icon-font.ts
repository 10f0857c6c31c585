import { createHash } from 'node:crypto'
import type { Plugin, ResolvedConfig } from 'vite'

/**
 * Vant ships its icon font as a base64 `data:` URL, with a fallback on a third-party CDN.
 * The H5 page is served with `default-src 'self'` (no `font-src data:`) and must not load
 * anything from elsewhere, so at build time the font is written out as a hashed file next
 * to the other assets and the CDN fallback is dropped.
 */
const DATA_FONT = /url\(data:font\/woff2;charset=utf-8;base64,([A-Za-z0-9+/=]+)\)/g
const CDN_FALLBACK = /,\s*url\(\/\/at\.alicdn\.com\/[^)]*\)\s*format\("woff"\)/g

export function vantIconFont(): Plugin {
  let config: ResolvedConfig
  return {
    name: 'idrenew:vant-icon-font',
    apply: 'build',
    configResolved(resolved) {
      config = resolved
    },
    generateBundle(_options, bundle) {
      for (const file of Object.values(bundle)) {
        if (file.type !== 'asset' || !file.fileName.endsWith('.css')) continue
        const css = typeof file.source === 'string' ? file.source : new TextDecoder().decode(file.source)
        if (!DATA_FONT.test(css)) continue
        DATA_FONT.lastIndex = 0
        const rewritten = css
          .replace(DATA_FONT, (_match, base64: string) => {
            const source = Buffer.from(base64, 'base64')
            const hash = createHash('sha256').update(source).digest('hex').slice(0, 8)
            const fileName = `${config.build.assetsDir}/vant-icon-${hash}.woff2`
            if (!(fileName in bundle)) this.emitFile({ type: 'asset', fileName, source })
            return `url(${config.base}${fileName})`
          })
          .replace(CDN_FALLBACK, '')
        file.source = rewritten
      }
    },
  }
}
