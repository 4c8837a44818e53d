/**
 * The dependency rules between projects, keyed by their Nx tags (package.json "nx.tags"):
 * libs never import apps; protocol imports nothing of ours; the scheduler core stays free of
 * NestJS and libp2p (it may use the protocol's types); nobody reaches into another package's files.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

interface Project { name: string, dir: string, tags: string[], exports: string[] }

const projects: Project[] = ['libs', 'apps'].flatMap(group =>
  readdirSync(join(root, group)).map((d) => {
    const pkg = JSON.parse(readFileSync(join(root, group, d, 'package.json'), 'utf8'))
    return { name: pkg.name, dir: join(root, group, d), tags: pkg.nx?.tags ?? [], exports: Object.keys(pkg.exports ?? { '.': 1 }) }
  }))
const byName = new Map(projects.map(p => [p.name, p]))

/** Tag → import specifiers it must not use. */
const forbidden: Record<string, RegExp[]> = {
  'scope:protocol': [/^@cycleshare\//],
  'scope:tasks': [/^@cycleshare\//, /^@nestjs\//, /^libp2p$/, /^@libp2p\//, /^@chainsafe\//],
  // The scheduler speaks the protocol's types (a Lease, a ChunkResult), never the network.
  'scope:scheduler': [/^@nestjs\//, /^libp2p$/, /^@libp2p\//, /^@chainsafe\//, /^@cycleshare\/peer/],
  'scope:peer': [/^@cycleshare\//, /^@nestjs\//],
  'scope:cli': [/^@cycleshare\//, /^@nestjs\//, /^libp2p$/, /^@libp2p\//]
}

function sources (dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : []
  })
}

function imports (file: string): string[] {
  // Usage examples in doc comments are not imports.
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
  return [...text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\s*\(?\s*['"]([^'"]+)['"]/g)].map(m => m[1] ?? m[2])
}

describe('project boundaries', () => {
  it('knows every project and its tags', () => {
    expect(projects.map(p => p.name).sort()).toEqual([
      '@cycleshare/cli', '@cycleshare/coordinator', '@cycleshare/peer', '@cycleshare/protocol', '@cycleshare/scheduler', '@cycleshare/tasks', '@cycleshare/worker'
    ])
    for (const p of projects) expect(p.tags.length, p.name).toBeGreaterThan(0)
  })

  for (const project of projects) {
    it(`${project.name} keeps to its rules`, () => {
      const broken: string[] = []
      for (const file of sources(join(project.dir, 'src'))) {
        for (const spec of imports(file)) {
          const where = `${file.slice(root.length + 1)} imports ${spec}`
          for (const tag of project.tags) {
            if (forbidden[tag]?.some(r => r.test(spec))) broken.push(`${where} (forbidden for ${tag})`)
          }
          const m = /^(@cycleshare\/[^/]+)(\/.*)?$/.exec(spec)
          if (m === null) continue
          const target = byName.get(m[1])
          if (target === undefined) { broken.push(`${where}: no such project`); continue }
          if (project.tags.includes('type:lib') && target.tags.includes('type:app')) broken.push(`${where}: a lib imports an app`)
          if (!target.exports.includes(m[2] === undefined ? '.' : `.${m[2]}`)) broken.push(`${where}: a deep import`)
        }
      }
      expect(broken).toEqual([])
    })
  }
})
