import type { Provider } from '@nestjs/common'
import { accumulationPointGossip, createAccumulationPoint, type AccumulationPoint } from '@cycleshare/accumulation-point'
import { createPeer, type Peer } from '@cycleshare/peer'
import type { Scheduler } from '@cycleshare/scheduler'
import { CONFIG, type CoordinatorConfig } from '../config/coordinator-config.js'
import { LOGGER, type Logger } from '../logger.js'
import { SCHEDULER } from '../scheduler/scheduler.module.js'

export const PEER = Symbol('Peer')
export const ACCUMULATION_POINT = Symbol('AccumulationPoint')

/**
 * The libp2p node and the accumulation point over it, built (not started) when the module is:
 * gateways subscribe to worker changes before start hooks run. `NetworkService` starts them.
 */
export const networkProviders: Provider[] = [
  {
    provide: PEER,
    inject: [CONFIG, LOGGER],
    useFactory: (config: CoordinatorConfig, log: Logger): Peer => createPeer({
      dataDir: config.dataDir,
      listen: config.listen,
      // Pulls that do not decode, or come faster than twice a peer's pull budget, are rejected
      // before delivery: the sender's gossip score falls, and a flooder is dropped unread.
      gossipTopics: accumulationPointGossip({ pullsPerSecond: config.pullRate }),
      log: (level, message, err) => { log[level]({ err }, `peer: ${message}`) }
    })
  },
  {
    provide: ACCUMULATION_POINT,
    inject: [CONFIG, LOGGER, SCHEDULER, PEER],
    useFactory: (config: CoordinatorConfig, log: Logger, scheduler: Scheduler, peer: Peer): AccumulationPoint => createAccumulationPoint({
      scheduler,
      peer,
      log: (level, message, fields) => { log[level](fields ?? {}, message) }
    }, {
      announceIntervalMs: config.announceIntervalMs,
      pullsPerSecond: config.pullRate,
      pullBurst: config.pullBurst,
      refusalsBeforeBackoff: config.refusalsBeforeBackoff,
      forgetWorkersAfterMs: config.forgetWorkersAfterMs
    })
  }
]
