import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ConfigError, durationFlag, formatDuration, integerFlag, logLevelFlag, multiaddrsFlag, parseFlags } from './flags.js'

const schema = z.object({ port: integerFlag('--port', 0, 65535), listen: multiaddrsFlag('--listen', '/ip4/0.0.0.0/tcp/0'), logLevel: logLevelFlag })
const program = (): Command => new Command('tool')
  .option('--port <n>', 'port', '8080')
  .option('--listen <addr...>', 'listen', ['/ip4/0.0.0.0/tcp/0'])
  .option('--log-level <level>', 'level', 'info')
const parse = (argv: string[]): unknown => parseFlags(program(), argv, schema, (o) => ({ port: o.port, listen: o.listen, logLevel: o.logLevel }))

describe('parseFlags', () => {
  it('parses and converts', () => {
    expect(parse(['--port', '9', '--listen', '/ip4/1.2.3.4/tcp/1'])).toEqual({ port: 9, listen: ['/ip4/1.2.3.4/tcp/1'], logLevel: 'info' })
  })

  it('names the flag and the value it got', () => {
    expect(() => parse(['--port', 'x'])).toThrow(new ConfigError('--port must be a number (got "x")'))
    expect(() => parse(['--port', '1.5'])).toThrow('--port must be an integer (got "1.5")')
    expect(() => parse(['--listen', '/ip4/1.2.3.4/tcp/1', 'tcp:1'])).toThrow('--listen must be a multiaddr such as /ip4/0.0.0.0/tcp/0 (got "tcp:1")')
    expect(() => parse(['--log-level', 'loud'])).toThrow('--log-level must be one of fatal, error, warn, info, debug, trace, silent (got "loud")')
    expect(() => parse(['--nope'])).toThrow("unknown option '--nope'")
    expect(() => parse(['extra'])).toThrow(ConfigError)
  })

  it('suggests the flag meant, and leaves the printing to the caller (once)', () => {
    const written: string[] = []
    const write = process.stderr.write
    process.stderr.write = ((chunk: string) => { written.push(String(chunk)); return true }) as typeof process.stderr.write
    try {
      expect(() => parse(['--prot', '1'])).toThrow("unknown option '--prot'\n(Did you mean --port?)")
    } finally {
      process.stderr.write = write
    }
    expect(written).toEqual([])
  })
})

describe('durationFlag', () => {
  const retain = durationFlag('--retain', 1_000, 365 * 86_400_000, true)
  const read = (text: string): unknown => {
    const parsed = retain.safeParse(text)
    return parsed.success ? parsed.data : parsed.error.issues[0].message
  }

  it('reads a number with its unit as milliseconds, and off as none', () => {
    expect(['500ms', '90s', '1.5m', '12h', '30d', 'off'].map(read)).toEqual([
      '--retain must be from 1s to 365d', 90_000, 90_000, 43_200_000, 2_592_000_000, undefined
    ])
  })

  it('names the flag and the form it takes', () => {
    expect(read('30')).toBe('--retain must be a duration such as 90s, 15m, 12h or 30d, or off')
    expect(read('1w')).toBe('--retain must be a duration such as 90s, 15m, 12h or 30d, or off')
    expect(read('400d')).toBe('--retain must be from 1s to 365d')
    expect(durationFlag('--forget-workers-after', 1_000, 86_400_000).safeParse('off').success).toBe(false)
    expect(formatDuration(3_600_000)).toBe('1h')
    expect(formatDuration(1_500)).toBe('1500ms')
  })
})
