import { pino, type DestinationStream, type Logger } from 'pino'
import pretty from 'pino-pretty'

export type { Logger }

export interface ProgramLoggerOptions {
  /** Readable lines instead of JSON. @defaultValue whether stdout is a terminal */
  pretty?: boolean
  /** Where lines go. @defaultValue stdout */
  destination?: NodeJS.WritableStream
}

/**
 * A program's log: JSON lines on stdout (one record per event, for log collectors and the tests),
 * or readable, coloured lines when a person watches it in a terminal.
 */
export function createProgramLogger (name: string, level: string, options: ProgramLoggerOptions = {}): Logger {
  const destination = options.destination ?? process.stdout
  const readable = options.pretty ?? (destination as { isTTY?: boolean }).isTTY === true
  const base = { name, level, base: { pid: process.pid } }
  if (!readable) return options.destination === undefined ? pino(base) : pino(base, destination as DestinationStream)
  return pino(base, pretty({
    destination: destination as never,
    sync: true,
    colorize: (destination as { isTTY?: boolean }).isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,name'
  }))
}
