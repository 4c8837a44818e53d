import { Database } from './driver.js'

/**
 * Copies the store at `from` to a new file `to` with SQLite's online backup, while a scheduler may
 * be writing to it: the copy is the store as of one moment, consistent, and `from` is never
 * blocked for longer than one read. All pages go in one step, so that writes meanwhile cannot
 * make the backup start over again and again. Resolves with the pages copied.
 */
export async function backupSqliteStore (from: string, to: string): Promise<{ pages: number }> {
  const db = new Database(from, { readonly: true, fileMustExist: true })
  try {
    db.pragma('busy_timeout = 10000')
    const { totalPages } = await db.backup(to, { progress: ({ totalPages }) => totalPages })
    return { pages: totalPages }
  } finally {
    db.close()
  }
}
