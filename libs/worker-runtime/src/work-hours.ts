/**
 * When a volunteer lends the machine at all: `--work-hours 22:00-07:00` (ranges in local time,
 * comma-separated; a range past midnight wraps). Outside them the worker steps back as it does
 * when the owner is busy.
 */

export interface WorkHours {
  /** As given, for messages: `22:00-07:00`. */
  readonly text: string
  /** Whether `at` (local time) falls in a range. */
  within(at: Date): boolean
}

const RANGE = /^([01]?\d|2[0-3]):([0-5]\d)-([01]?\d|2[0-4]):([0-5]\d)$/

/** Throws RangeError naming what is wrong. */
export function parseWorkHours (text: string): WorkHours {
  const ranges = text.split(',').map(r => r.trim()).filter(r => r !== '').map((range) => {
    const m = RANGE.exec(range)
    if (m === null) throw new RangeError(`work hours must be ranges like 22:00-07:00 or 09:00-17:30,20:00-23:00 (got ${JSON.stringify(range)})`)
    const from = Number(m[1]) * 60 + Number(m[2])
    const to = Number(m[3]) * 60 + Number(m[4])
    if (to > 24 * 60) throw new RangeError(`work hours end at 24:00 at the latest (got ${JSON.stringify(range)})`)
    if (from === to) throw new RangeError(`work hours ${JSON.stringify(range)} are empty: give a start and an end that differ`)
    return { from, to }
  })
  if (ranges.length === 0) throw new RangeError('work hours must name at least one range like 22:00-07:00')
  return {
    text: ranges.map(r => `${hhmm(r.from)}-${hhmm(r.to)}`).join(','),
    within (at: Date): boolean {
      const minute = at.getHours() * 60 + at.getMinutes()
      return ranges.some(r => r.from < r.to ? minute >= r.from && minute < r.to : minute >= r.from || minute < r.to)
    }
  }
}

const hhmm = (minutes: number): string => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`
