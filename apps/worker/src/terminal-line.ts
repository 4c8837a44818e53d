import { Writable } from 'node:stream'

/**
 * One status line kept at the bottom of a terminal, under the log: each log line first clears it,
 * then it is drawn again. Only for a terminal; elsewhere nothing is drawn.
 */
export class TerminalLine {
  #text = ''

  constructor (private readonly tty: NodeJS.WriteStream) {}

  /** A stream for the logger: its lines go above the status line. */
  readonly log = new Writable({
    write: (chunk: Buffer | string, _encoding, done) => {
      this.tty.write(`\r\x1b[2K${chunk.toString()}`)
      this.#draw()
      done()
    }
  })

  show (text: string): void {
    this.#text = text
    this.tty.write('\r\x1b[2K')
    this.#draw()
  }

  /** Leaves the terminal clean: the status line wiped. */
  clear (): void {
    this.#text = ''
    this.tty.write('\r\x1b[2K')
  }

  #draw (): void {
    if (this.#text === '') return
    const width = this.tty.columns ?? 100
    this.tty.write(this.#text.length > width - 1 ? `${this.#text.slice(0, width - 2)}…` : this.#text)
  }
}
