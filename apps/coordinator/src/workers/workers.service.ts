import { Inject, Injectable } from '@nestjs/common'
import type { AccumulationPoint, WorkerChangeListener, WorkerView } from '@cycleshare/accumulation-point'
import { parseWorkersQuery } from '@cycleshare/api'
import { ACCUMULATION_POINT } from '../network/network.providers.js'

export type { WorkerState, WorkerView } from '@cycleshare/accumulation-point'

/** The workers the accumulation point serves, for the HTTP API and the events gateway. */
@Injectable()
export class WorkersService {
  constructor (@Inject(ACCUMULATION_POINT) private readonly point: AccumulationPoint) {}

  /** See `AccumulationPoint.onWorkerChange`: build the view only when someone will read it. */
  onChange (listener: WorkerChangeListener): () => void {
    return this.point.onWorkerChange(listener)
  }

  /** Most recently seen first: those seen lately, or with `all` every worker on record. */
  list (query: unknown = {}): WorkerView[] {
    return this.point.workers(parseWorkersQuery(query))
  }
}
