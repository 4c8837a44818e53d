import type { Database, Statement } from './driver.js'

/** Rows per statement of a multi-row INSERT; 7 parameters a row stays far below SQLite's limit. */
const MAX_ROWS = 128

/**
 * A multi-row `INSERT … VALUES (…), (…)`: one statement per 128 rows instead of one per row. A
 * batch's remainder is written in power-of-two pieces, so at most eight statements are prepared.
 */
export class MultiInsert {
  private readonly statements = new Map<number, Statement>()

  constructor (
    private readonly db: Database,
    private readonly head: string,
    private readonly row: string,
    private readonly width: number
  ) {}

  /** `values` holds the rows' parameters one row after another. */
  run (values: unknown[]): void {
    let rows = values.length / this.width
    let offset = 0
    while (rows > 0) {
      let n = MAX_ROWS
      while (n > rows) n >>= 1
      const end = offset + n * this.width
      this.statement(n).run(offset === 0 && end === values.length ? values : values.slice(offset, end))
      offset = end
      rows -= n
    }
  }

  private statement (rows: number): Statement {
    let statement = this.statements.get(rows)
    if (statement === undefined) {
      statement = this.db.prepare(`${this.head} ${new Array(rows).fill(this.row).join(', ')}`)
      this.statements.set(rows, statement)
    }
    return statement
  }
}
