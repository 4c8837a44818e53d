import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { NestExpressApplication } from '@nestjs/platform-express'
import type { Logger } from './logger.js'

/**
 * Serves the dashboard (`@cycleshare/dashboard`, a static page bundled at build time) at `/`. Its
 * files hold no data: what it shows it reads from the API and the event stream, with the token a
 * visitor gives it where one is needed.
 */
export function serveDashboard (app: NestExpressApplication, log: Logger): void {
  const dist = join(dirname(createRequire(import.meta.url).resolve('@cycleshare/dashboard/package.json')), 'dist')
  if (!existsSync(join(dist, 'index.html'))) {
    log.warn({ dist }, 'the dashboard is not built (npm run build): / serves nothing')
    return
  }
  app.useStaticAssets(dist, { index: 'index.html', maxAge: '1h' })
}
