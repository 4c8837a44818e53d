import { createProgramLogger, type Logger } from '@cycleshare/program/logger'

export type { Logger }

/** JSON lines on stdout, or readable lines in a terminal (`@cycleshare/program/logger`). */
export function createLogger (level: string): Logger {
  return createProgramLogger('peer', level)
}
