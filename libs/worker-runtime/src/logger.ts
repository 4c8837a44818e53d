/** One structured record: fields first, then the message (pino's order, which the apps use). */
export type LogFn = (fields: Record<string, unknown>, message: string) => void

/** Where the runtime says what it did; a pino logger fits as it is. */
export interface Logger {
  debug: LogFn
  info: LogFn
  warn: LogFn
  error: LogFn
}
