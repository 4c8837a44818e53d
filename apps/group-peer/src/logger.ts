import { pino, type Logger } from 'pino'

export type { Logger }

/** JSON lines on stdout: one record per event, easy to read by eye and by the tests. */
export function createLogger (level: string): Logger {
  return pino({ name: 'peer', level, base: { pid: process.pid } })
}
