import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { resolveSettings } from './settings.js'

const dir = mkdtempSync(join(tmpdir(), 'cycleshare-cli-settings-'))
afterAll(() => { rmSync(dir, { recursive: true, force: true }) })
const file = (name: string, text: string): string => {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

describe('where the CLI finds its coordinator and token', () => {
  const home = { XDG_CONFIG_HOME: join(dir, 'no-such-home') }

  it('takes a flag over the environment over the config file, and defaults to 127.0.0.1:8080', () => {
    const config = file('c.json', '{"coordinator":"http://10.0.0.1:9000/","token":"from-file"}')
    expect(resolveSettings({}, home)).toEqual({ coordinator: 'http://127.0.0.1:8080', token: undefined, from: { coordinator: 'default', token: undefined } })
    expect(resolveSettings({ config }, home)).toEqual({
      coordinator: 'http://10.0.0.1:9000', token: 'from-file', from: { coordinator: `config file ${config}`, token: `config file ${config}` }
    })
    expect(resolveSettings({}, { ...home, CYCLESHARE_CONFIG: config, CYCLESHARE_COORDINATOR: 'https://c.example:8443', CYCLESHARE_TOKEN: 'from-env' })).toEqual({
      coordinator: 'https://c.example:8443', token: 'from-env', from: { coordinator: 'environment (CYCLESHARE_COORDINATOR)', token: 'environment (CYCLESHARE_TOKEN)' }
    })
    expect(resolveSettings({ coordinator: 'http://127.0.0.1:1234', token: 'from-flag', config }, { CYCLESHARE_TOKEN: 'from-env' })).toMatchObject({
      coordinator: 'http://127.0.0.1:1234', token: 'from-flag', from: { coordinator: 'the --coordinator flag', token: 'the --token flag' }
    })
  })

  it('reads $XDG_CONFIG_HOME/cycleshare/config.json when no file is named', () => {
    const xdg = join(dir, 'xdg')
    mkdirSync(join(xdg, 'cycleshare'), { recursive: true })
    writeFileSync(join(xdg, 'cycleshare', 'config.json'), '{"token":"t0"}')
    expect(resolveSettings({}, { XDG_CONFIG_HOME: xdg })).toMatchObject({ coordinator: 'http://127.0.0.1:8080', token: 't0' })
  })

  it('names what is wrong and where', () => {
    expect(() => resolveSettings({ coordinator: '127.0.0.1:8080' }, home)).toThrow('the coordinator from the --coordinator flag must be an http:// or https:// URL such as http://127.0.0.1:8080 (got "127.0.0.1:8080")')
    expect(() => resolveSettings({}, { ...home, CYCLESHARE_COORDINATOR: 'ftp://x' })).toThrow('the coordinator from environment (CYCLESHARE_COORDINATOR) must be an http:// or https:// URL')
    expect(() => resolveSettings({ config: join(dir, 'missing.json') }, home)).toThrow(`config file ${join(dir, 'missing.json')} does not exist`)
    const bad = file('bad.json', '{"coordinator": ')
    expect(() => resolveSettings({ config: bad }, home)).toThrow(`config file ${bad} is not valid JSON`)
    const list = file('list.json', '[]')
    expect(() => resolveSettings({ config: list }, home)).toThrow(`config file ${list} must hold a JSON object`)
    const typo = file('typo.json', '{"coordinater":"http://x"}')
    expect(() => resolveSettings({ config: typo }, home)).toThrow(`config file ${typo}: unknown field "coordinater" (it takes coordinator and token)`)
    const number = file('number.json', '{"token": 5}')
    expect(() => resolveSettings({ config: number }, home)).toThrow(`config file ${number}: token must be a string`)
    expect(() => resolveSettings({ token: ' ' }, home)).toThrow('the token from the --token flag is empty')
  })
})
