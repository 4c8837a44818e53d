/**
 * The dependency rules between projects, keyed by their Nx tags (package.json "nx.tags"):
 * libs never import apps; lifecycle imports nothing of ours and anyone may import it; protocol,
 * tasks, peer and program import lifecycle alone of ours; api (the HTTP API's shapes) imports nothing of ours, and client
 * api alone, with nothing of Node's (it runs in browsers too); blobs builds on protocol and peer; the scheduler core stays free of NestJS and
 * libp2p (it may use the protocol's types); the accumulation point builds on protocol, peer and
 * scheduler alone, without NestJS or libp2p itself; nobody reaches into another package's files;
 * every package declares what its code imports.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

interface Project { name: string, dir: string, tags: string[], exports: string[], dependencies: string[] }

/** Projects bundled at build time: what their code imports is inlined, so their devDependencies count. */
const BUNDLED = 'scope:dashboard'

const projects: Project[] = ['libs', 'apps'].flatMap(group =>
  readdirSync(join(root, group)).map((d) => {
    const pkg = JSON.parse(readFileSync(join(root, group, d, 'package.json'), 'utf8'))
    return {
      name: pkg.name,
      dir: join(root, group, d),
      tags: pkg.nx?.tags ?? [],
      exports: Object.keys(pkg.exports ?? { '.': 1 }),
      dependencies: Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies, ...((pkg.nx?.tags ?? []).includes(BUNDLED) ? pkg.devDependencies : {}) })
    }
  }))
const byName = new Map(projects.map(p => [p.name, p]))

/** Tag → import specifiers it must not use. */
const forbidden: Record<string, RegExp[]> = {
  'scope:lifecycle': [/^@cycleshare\//, /^@nestjs\//, /^libp2p$/, /^@libp2p\//, /^@chainsafe\//],
  'scope:api': [/^@cycleshare\//, /^@nestjs\//, /^libp2p$/, /^@libp2p\//, /^@chainsafe\//, /^node:/],
  'scope:client': [/^@cycleshare\/(?!api$)/, /^@nestjs\//, /^libp2p$/, /^@libp2p\//, /^@chainsafe\//, /^node:/],
  // The dashboard runs in a browser: the API's shapes and the client, nothing of Node's.
  'scope:dashboard': [/^@cycleshare\/(?!(client|api)$)/, /^@nestjs\//, /^libp2p$/, /^@libp2p\//, /^@chainsafe\//, /^node:/],
  // The researcher's CLI talks HTTP through the client; it never runs a peer or the scheduler.
  'scope:cli': [/^@cycleshare\/(?!(client|api|program)$)/, /^@nestjs\//, /^libp2p$/, /^@libp2p\//, /^@chainsafe\//],
  'scope:protocol': [/^@cycleshare\/(?!lifecycle$)/],
  'scope:tasks': [/^@cycleshare\/(?!lifecycle$)/, /^@nestjs\//, /^libp2p$/, /^@libp2p\//, /^@chainsafe\//],
  // Blobs are bytes, names, files and the blob protocol: they reach peers only through the peer lib.
  'scope:blobs': [/^@cycleshare\/(?!(api|protocol|peer|lifecycle)$)/, /^@nestjs\//, /^libp2p$/, /^@libp2p\//, /^@chainsafe\//],
  // The scheduler speaks the protocol's types (a Lease, a ChunkResult), never the network.
  'scope:scheduler': [/^@nestjs\//, /^libp2p$/, /^@libp2p\//, /^@chainsafe\//, /^@cycleshare\/peer/],
  'scope:peer': [/^@cycleshare\/(?!lifecycle$)/, /^@nestjs\//],
  'scope:accumulation-point': [/^@cycleshare\/(?!(api|protocol|peer|scheduler|tasks|blobs|lifecycle)(\/|$))/, /^@nestjs\//, /^libp2p$/, /^@libp2p\//, /^@chainsafe\//],
  'scope:program': [/^@cycleshare\/(?!lifecycle$)/, /^@nestjs\//, /^libp2p$/, /^@libp2p\//],
  'scope:worker-runtime': [/^@cycleshare\/(?!(protocol|peer|tasks|blobs|lifecycle)$)/, /^@nestjs\//, /^libp2p$/, /^@libp2p\//, /^@chainsafe\//],
  // The worker program is wiring: the runtime holds the policy, and it never reaches the coordinator's parts.
  'scope:worker': [/^@cycleshare\/(scheduler|coordinator)$/, /^@nestjs\//],
  // The coordinator serves workers; it never runs their side.
  'scope:coordinator': [/^@cycleshare\/(worker|worker-runtime)$/],
  // A group peer is a worker and an accumulation point wired together: libs only, and no web framework.
  'scope:group-peer': [/^@cycleshare\/(coordinator|worker)$/, /^@nestjs\//, /^libp2p$/, /^@libp2p\//, /^@chainsafe\//]
}

function sources (dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') || p.endsWith('.tsx') ? [p] : []
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
      '@cycleshare/accumulation-point', '@cycleshare/api', '@cycleshare/blobs', '@cycleshare/cli', '@cycleshare/client', '@cycleshare/coordinator', '@cycleshare/dashboard', '@cycleshare/group-peer',
      '@cycleshare/lifecycle', '@cycleshare/peer', '@cycleshare/program', '@cycleshare/protocol', '@cycleshare/scheduler', '@cycleshare/tasks', '@cycleshare/worker', '@cycleshare/worker-runtime'
    ])
    for (const p of projects) expect(p.tags.length, p.name).toBeGreaterThan(0)
  })

  it('lets every project but lifecycle itself and the API\'s contract, client and CLI import @cycleshare/lifecycle, and protocol, tasks, peer and program no other of ours', () => {
    const refusing = projects.filter(p => p.tags.some(t => forbidden[t]?.some(r => r.test('@cycleshare/lifecycle'))))
    expect(refusing.map(p => p.name).sort()).toEqual(['@cycleshare/api', '@cycleshare/cli', '@cycleshare/client', '@cycleshare/dashboard', '@cycleshare/lifecycle'])
    const others = projects.map(p => p.name).filter(n => n !== '@cycleshare/lifecycle')
    for (const scope of ['scope:protocol', 'scope:tasks', 'scope:peer', 'scope:program']) {
      expect(others.filter(n => !forbidden[scope].some(r => r.test(n))), scope).toEqual([])
    }
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

    it(`${project.name} declares every package its code imports`, () => {
      const undeclared = new Set<string>()
      // Tests and the suites other implementations run use the root's dev tools (vitest).
      const code = sources(join(project.dir, 'src')).filter(f => !/(\.test|\.suite|\.bench-test)\.ts$|\/testing\//.test(f))
      for (const file of code) {
        for (const spec of imports(file)) {
          if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec)) continue
          const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]
          if (!project.dependencies.includes(name)) undeclared.add(`${file.slice(root.length + 1)} imports ${name}`)
        }
      }
      expect([...undeclared]).toEqual([])
    })
  }
})
