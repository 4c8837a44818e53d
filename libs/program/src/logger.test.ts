import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createProgramLogger } from './logger.js'

function capture (): { stream: PassThrough, text: () => string } {
  const stream = new PassThrough()
  let text = ''
  stream.on('data', (d: Buffer) => { text += d.toString() })
  return { stream, text: () => text }
}

describe('program logger', () => {
  it('writes JSON lines when not told otherwise and the destination is no terminal', () => {
    const out = capture()
    createProgramLogger('worker', 'info', { destination: out.stream }).info({ chunks: 3 }, 'job finished')
    const line = JSON.parse(out.text()) as Record<string, unknown>
    expect(line).toMatchObject({ level: 30, name: 'worker', pid: process.pid, chunks: 3, msg: 'job finished' })
  })

  it('writes readable lines, without JSON, for a person', () => {
    const out = capture()
    const log = createProgramLogger('worker', 'debug', { destination: out.stream, pretty: true })
    log.info({ chunks: 3 }, 'job finished')
    log.debug('not hidden at debug')
    const [first, ...rest] = out.text().split('\n')
    expect(first).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: job finished$/)
    expect(rest.join('\n')).toContain('chunks: 3')
    expect(out.text()).toContain('DEBUG: not hidden at debug')
    expect(out.text()).not.toContain('"msg"')
  })
})
