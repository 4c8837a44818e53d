import { createProgramLogger, type Logger } from '@cycleshare/program/logger'

export type { Logger }

/**
 * JSON lines on stdout, or readable lines in a terminal (`@cycleshare/program/logger`); in a
 * terminal they go through `destination`, which keeps the status line under them.
 */
export function createLogger (level: string, destination?: NodeJS.WritableStream): Logger {
  return createProgramLogger('worker', level, destination === undefined ? {} : { destination, pretty: true })
}
