// Bundles the dashboard into dist/: one ES module (Preact and the typed client inlined, minified),
// the page and its stylesheet. The coordinator serves dist/ at /. Types are checked by tsc first.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const here = dirname(fileURLToPath(import.meta.url))
const dist = join(here, 'dist')
rmSync(dist, { recursive: true, force: true })
mkdirSync(dist, { recursive: true })
await build({
  entryPoints: [join(here, 'src/main.tsx')],
  outfile: join(dist, 'app.js'),
  bundle: true,
  format: 'esm',
  minify: true,
  sourcemap: true,
  target: 'es2022',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  logLevel: 'warning'
})
for (const file of ['index.html', 'style.css']) copyFileSync(join(here, 'src', file), join(dist, file))
