import { describe, expect, it } from 'vitest'
import { transferStatement } from './transfer.js'

describe('transferStatement', () => {
  it('is the UTF-8 of the domain, coordinator, lease, epoch, giver and taker, one per line', () => {
    const bytes = transferStatement('12D3KooWC', { leaseId: '1.0.3.abcdefghijkl', epoch: 2, from: '12D3KooWA', to: '12D3KooWB' })
    expect(new TextDecoder().decode(bytes)).toBe('cycleshare-transfer/1\n12D3KooWC\n1.0.3.abcdefghijkl\n2\n12D3KooWA\n12D3KooWB')
  })

  it('differs for another coordinator, epoch or taker, so a signature covers exactly one move', () => {
    const base = { leaseId: 'L-1', epoch: 1, from: 'A', to: 'B' }
    const statements = [
      transferStatement('C', base), transferStatement('D', base),
      transferStatement('C', { ...base, epoch: 2 }), transferStatement('C', { ...base, to: 'E' })
    ].map(b => Buffer.from(b).toString('hex'))
    expect(new Set(statements).size).toBe(4)
  })
})
