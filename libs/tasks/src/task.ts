/**
 * The task contract. A task is a plain module: pure functions over plain data, so that the
 * coordinator can split and reduce it and a Piscina thread can run it by name.
 *
 * Everything that crosses a process (params, chunk inputs, outputs, accumulators) must be plain
 * data that msgpack can carry: numbers, strings, booleans, arrays, plain objects, Uint8Array.
 *
 * A task never has to stop itself: a chunk that is cancelled or runs past its time limit is
 * stopped by ending the pool thread it runs in, whatever the task is doing (a synchronous loop
 * included), so `run` gets no abort signal.
 */
import { Packr } from 'msgpackr'

/**
 * What a chunk's run gets besides its input. A task that checkpoints calls `checkpoint` with a
 * small plain-data state now and then (at a segment boundary, every few million samples), and
 * goes on from `resume` when it is given one: the state of an earlier run of the same chunk,
 * stopped on another thread or another peer. A checkpoint is a hint, never a promise: the chunk
 * may always be started again from its beginning.
 */
export interface RunContext<State = unknown> {
  /** The state to go on from, already checked by the task's `parseCheckpoint`; undefined to start afresh. */
  readonly resume?: State
  /** The bytes of each range the task's `reads` named for this input, in order (fetched and checked by the worker). */
  readonly blobs?: readonly Uint8Array[]
  /** Records how far this run has got. Cheap to call often: the runtime keeps the latest and decides what to send where. */
  checkpoint(state: State): void
}

/** Bytes [start, end) of a blob, named by its CID (`bafkrei…`). */
export interface BlobRange {
  blob: string
  start: number
  end: number
}

/** What a coordinator knows of the blobs it holds, for a task to check params that name one. */
export interface ParamsContext {
  /** The size of blob `name`, held whole; undefined when it is not held. */
  blobSize(name: string): number | undefined
}

export interface Task<Params = unknown, Input = unknown, Output = unknown, Acc = unknown, Result = unknown, State = never> {
  /** Unique name, used in job requests and on the wire (`primes`). */
  readonly name: string
  /** One line for `GET /api/tasks`. */
  readonly description: string
  /** Example params, shown by `GET /api/tasks`. */
  readonly exampleParams: Params
  /** How long one chunk may run when its job sets no `chunkTimeoutMs`; without it, as long as it takes. */
  readonly defaultChunkTimeoutMs?: number
  /** Media type of `finalize`'s result: JSON, or bytes served as they are (a PNG). */
  readonly resultType: 'application/json' | 'image/png'
  /**
   * Validates raw params from a request, and the requested chunk count against them
   * (a range of 10 numbers cannot be cut in 64 chunks). Throws `InvalidParamsError` naming
   * the field (`params.to`, `chunks`). A task whose params name blobs looks them up in `ctx`
   * (absent where no blob is held: such params are then invalid).
   */
  parseParams(raw: unknown, chunks: number, ctx?: ParamsContext): Params
  /** The blobs a job's params name: the coordinator keeps them while the job runs. */
  blobs?(params: Params): string[]
  /**
   * The blob bytes chunk `input` reads: the worker fetches their pieces (from peers first) and
   * hands the bytes to `run` as `ctx.blobs`, in this order. A chunk that reads blobs runs alone.
   */
  reads?(input: Input): BlobRange[]
  /**
   * The input of chunk `index` of `count`. Random access keeps splitting lazy: the scheduler
   * never holds more chunk inputs than it has leased, and can rebuild any of them after a restart.
   */
  chunk(params: Params, count: number, index: number): Input
  /**
   * Checks an output that came back over the network before it is reduced: a worker may be
   * broken or lie about the shape. Throws `InvalidOutputError` naming what is wrong.
   */
  parseOutput(raw: unknown, input: Input): Output
  /**
   * Runs one chunk. Pure and deterministic: the same input gives the same output anywhere, and a
   * run resumed from any of its checkpoints gives the same output as one that was never stopped.
   */
  run(input: Input, ctx?: RunContext<State>): Output | Promise<Output>
  /**
   * A task that checkpoints has this: it checks a state before a run resumes from it (the state
   * may come from another peer, so from anyone), and throws `InvalidCheckpointError` naming the
   * field. A state that passes can still be a lie, as an output can; quorum is what catches both.
   */
  parseCheckpoint?(raw: unknown, input: Input): State
  /** The accumulator before any chunk is reduced. */
  init(params: Params, count: number): Acc
  /** Folds one chunk's output in. The order of chunks must not change the final result. */
  reduce(acc: Acc, output: Output, index: number, params: Params, count: number): Acc
  /** The job's result once every chunk is reduced. */
  finalize(acc: Acc, params: Params, count: number): Result
  /**
   * Whether two outputs of the same chunk agree (for quorum). Without it, outputs agree when
   * their msgpack encodings are equal, key order included (see {@link sameOutput}).
   */
  same?(a: Output, b: Output): boolean
}

/** Any task, for registries and code that only moves data through. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTask = Task<any, any, any, any, any, any>

// The encoding the scheduler stores outputs with: plain msgpack, maps kept as maps.
const canonical = new Packr({ useRecords: false })

/** Whether two outputs of one chunk of `task` agree: the task's `same`, or equal msgpack encodings. */
export function sameOutput<O> (task: Pick<Task<unknown, unknown, O>, 'same'>, a: O, b: O): boolean {
  if (typeof task.same === 'function') return task.same(a, b)
  return canonical.pack(a).equals(canonical.pack(b))
}

/** The chunk inputs of a job, lazily: a million-chunk job never holds a million inputs. */
export function* split<P, I>(task: Task<P, I>, params: P, count: number): Generator<I> {
  for (let index = 0; index < count; index++) yield task.chunk(params, count, index)
}
