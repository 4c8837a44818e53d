/** The last characters of a peer id: enough to tell workers apart on one screen (the full id is in the title). */
export const shortPeer = (peerId: string): string => `…${peerId.slice(-8)}`

export function clock (iso: string | number | undefined): string {
  if (iso === undefined) return ''
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
}

/** A stable colour for a job, so its chunks read as one in the task stream. */
export function jobColour (jobId: string): string {
  let h = 0
  for (let i = 0; i < jobId.length; i++) h = (h * 31 + jobId.charCodeAt(i)) >>> 0
  return `hsl(${h % 360} 65% 52%)`
}
