#!/usr/bin/env node
// `npm run pack`: one directory of npm tarballs per program, each holding the program's package
// and every @cycleshare library it depends on (at run time, not for its build), so that
//   npm install -g dist/packages/worker/*.tgz
// installs the worker and nothing of the coordinator (no SQLite, no NestJS). Run after a build.
//   node scripts/pack.js [--out dir] [program…]     programs: worker coordinator cli peer
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** The programs a user installs, by the name of their directory under dist/packages. */
export const PROGRAMS = {
  worker: '@cycleshare/worker',
  coordinator: '@cycleshare/coordinator',
  cli: '@cycleshare/cli',
  peer: '@cycleshare/group-peer'
}

/** Every workspace package of the repository: name → { dir, manifest }. */
export function workspaces () {
  const found = new Map()
  for (const group of ['libs', 'apps']) {
    for (const entry of readdirSync(join(root, group))) {
      const dir = join(root, group, entry)
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
      found.set(manifest.name, { dir, manifest })
    }
  }
  return found
}

/** `name` and the workspace packages it needs at run time, transitively (its `dependencies`). */
export function closure (name, all = workspaces()) {
  const seen = new Set()
  const visit = (n) => {
    if (seen.has(n)) return
    const ws = all.get(n)
    if (ws === undefined) throw new Error(`${n} is not a package of this repository`)
    seen.add(n)
    for (const dep of Object.keys(ws.manifest.dependencies ?? {})) if (all.has(dep)) visit(dep)
  }
  visit(name)
  return [...seen]
}

/** Packs `program` and its libraries into `<out>/<program>/`, replacing what was there; returns the tarballs' paths. */
export function packProgram (program, out = join(root, 'dist', 'packages')) {
  const name = PROGRAMS[program]
  if (name === undefined) throw new Error(`unknown program "${program}": one of ${Object.keys(PROGRAMS).join(', ')}`)
  const dest = join(out, program)
  rmSync(dest, { recursive: true, force: true })
  mkdirSync(dest, { recursive: true })
  const all = workspaces()
  const packages = closure(name, all)
  for (const n of packages) {
    if (!readdirSync(all.get(n).dir).includes('dist')) throw new Error(`${n} is not built: run npm run build first`)
  }
  const args = ['pack', '--silent', '--pack-destination', dest, ...packages.flatMap(n => ['--workspace', n])]
  execFileSync('npm', args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
  return readdirSync(dest).filter(f => f.endsWith('.tgz')).map(f => join(dest, f)).sort()
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const at = args.indexOf('--out')
  const out = at >= 0 ? resolve(args.splice(at, 2)[1]) : join(root, 'dist', 'packages')
  const programs = args.length > 0 ? args : Object.keys(PROGRAMS)
  for (const program of programs) {
    const tarballs = packProgram(program, out)
    console.log(`${program}: ${tarballs.length} packages in ${join(out, program)}\n  npm install -g ${join(out, program)}/*.tgz`)
  }
}
