#!/usr/bin/env node
// A hostile peer for the benchmark: it connects to a coordinator, tries to hold `streams` request
// streams on the coordinator's protocol, announces a 16 MiB frame on each and sends it slowly
// without ever finishing it, for a bounded time. A stream the coordinator resets is replaced, up to
// twice `streams` opens in all.
//   node bench/holder.js <coordinator multiaddr> <streams> <duration ms>
// Prints {"msg":"holding"} once it has opened what it could, and
// {"msg":"done","opened":N,"refused":N,"reset":N,"sentMb":N} at the end.
import '@cycleshare/peer/polyfill'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { PROTOCOL_COORDINATOR } from '@cycleshare/protocol'
import { createLibp2p } from 'libp2p'
import { encode as encodeVarint } from 'uint8-varint'

const [coordinator, streamsArg, durationArg] = process.argv.slice(2)
const streams = Number(streamsArg)
const durationMs = Number(durationArg)
if (coordinator === undefined || !Number.isInteger(streams) || streams <= 0 || !Number.isFinite(durationMs) || durationMs <= 0) {
  process.stderr.write('usage: holder.js <coordinator multiaddr> <streams> <duration ms>\n')
  process.exit(2)
}

const MiB = 1024 * 1024
const ANNOUNCED = 16 * MiB
/** What each stream sends of its frame: all but one chunk, so no frame ever completes. */
const CHUNK = 64 * 1024
const PER_STREAM = ANNOUNCED - CHUNK
/** One chunk per stream every ROUND_MS: about 3 MiB/s a stream, 16 MiB in about 5 s. */
const ROUND_MS = 20

const node = await createLibp2p({ transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
// One connection, dialled once: every stream opens on it, so a refused stream never turns into a
// new dial (the coordinator's host turns away more than a few connections a second).
const connection = await node.dial(multiaddr(coordinator))
const chunk = new Uint8Array(CHUNK)
const stats = { opened: 0, refused: 0, reset: 0, sentMb: 0 }
let opens = 0

/** Opens a stream and announces the frame; undefined when the coordinator refuses it. */
async function open () {
  opens++
  try {
    const stream = await connection.newStream(PROTOCOL_COORDINATOR)
    if (!await send(stream, encodeVarint(ANNOUNCED))) throw new Error('reset')
    stats.opened++
    return { stream, sent: 0 }
  } catch (err) {
    stats.refused++
    if (stats.refused === 1 && stats.opened === 0) process.stderr.write(`holder: first open refused: ${err.message}\n`)
    return undefined
  }
}

/** Sends `data` unless the stream has ended; false when it has. Waits for the muxer to drain. */
async function send (stream, data) {
  if (stream.status !== 'open') return false
  try {
    if (!stream.send(data)) {
      await new Promise(resolve => {
        stream.addEventListener('drain', resolve, { once: true })
        stream.addEventListener('close', resolve, { once: true })
      })
    }
  } catch {
    return false
  }
  return stream.status === 'open'
}

const started = performance.now()
// Streams open one at a time: opened together, they race the coordinator's count of them and may
// all be refused, which would spare it the attack.
const slots = []
for (let i = 0; i < streams; i++) slots.push(await open())
console.log(JSON.stringify({ msg: 'holding', opened: stats.opened }))
while (performance.now() - started < durationMs) {
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]
    if (slot === undefined || slot.stream.status !== 'open') {
      if (slot !== undefined) { stats.reset++; slots[i] = undefined }
      if (opens < 2 * streams) slots[i] = await open()
    }
  }
  await Promise.all(slots.map(async (slot) => {
    if (slot === undefined || slot.sent >= PER_STREAM) return
    if (await send(slot.stream, chunk)) {
      slot.sent += CHUNK
      stats.sentMb += CHUNK / MiB
    }
  }))
  await new Promise(resolve => setTimeout(resolve, ROUND_MS))
}
console.log(JSON.stringify({ msg: 'done', ...stats }))
await node.stop()
process.exit(0)
