/**
 * How the peer judges gossip on the topics named in `gossipTopics`: the score parameters that make
 * rejected messages count against their sender, and the validator that runs each message through
 * the topic's rate and the app's own check before it is delivered or forwarded.
 */
import { TopicValidatorResult, type Message } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import { GOSSIP_SCORE } from './constants.js'
import type { GossipTopicOptions } from './options.js'
import { MessageRate } from './rate.js'
import type { GossipVerdict, PeerLog } from './types.js'

/**
 * Score parameters of every topic named in `gossipTopics`: only invalid messages count (see
 * GOSSIP_SCORE for why the rest are off). Disabled parameters still need values gossipsub accepts.
 */
const TOPIC_SCORE = {
  topicWeight: 1,
  timeInMeshWeight: 0,
  timeInMeshQuantum: 1_000,
  timeInMeshCap: 1,
  firstMessageDeliveriesWeight: 0,
  firstMessageDeliveriesDecay: 0.5,
  firstMessageDeliveriesCap: 1,
  meshMessageDeliveriesWeight: 0,
  meshMessageDeliveriesDecay: 0.5,
  meshMessageDeliveriesCap: 1,
  meshMessageDeliveriesThreshold: 1,
  meshMessageDeliveriesWindow: 10,
  meshMessageDeliveriesActivation: 5_000,
  meshFailurePenaltyWeight: 0,
  meshFailurePenaltyDecay: 0.5,
  invalidMessageDeliveriesWeight: GOSSIP_SCORE.invalidMessageWeight,
  invalidMessageDeliveriesDecay: GOSSIP_SCORE.invalidMessageDecay
}

/** gossipsub's score parameters: every topic in `topics` scored as above, no IP colocation penalty. */
export function scoreParams (topics: Iterable<string>) {
  return {
    topics: Object.fromEntries([...topics].map(topic => [topic, TOPIC_SCORE])),
    // Many honest peers share one address (a lab behind NAT, 200 peers on one test machine).
    IPColocationFactorWeight: 0,
    behaviourPenaltyWeight: GOSSIP_SCORE.behaviourPenaltyWeight,
    behaviourPenaltyThreshold: GOSSIP_SCORE.behaviourPenaltyThreshold,
    behaviourPenaltyDecay: GOSSIP_SCORE.behaviourPenaltyDecay,
    decayInterval: GOSSIP_SCORE.decayIntervalMs,
    retainScore: GOSSIP_SCORE.retainScoreMs
  }
}

const VERDICTS: Record<GossipVerdict, TopicValidatorResult> = {
  accept: TopicValidatorResult.Accept,
  ignore: TopicValidatorResult.Ignore,
  reject: TopicValidatorResult.Reject
}

/**
 * The gossipsub validator for a topic's settings, or undefined when there is nothing to check.
 * It runs before a message is delivered or forwarded; a rejection counts against `via`'s score.
 */
export function topicValidator (judge: GossipTopicOptions, log: PeerLog): ((via: PeerId, msg: Message) => TopicValidatorResult) | undefined {
  const { validate, maxMessagesPerSecond } = judge
  if (validate === undefined && maxMessagesPerSecond === undefined) return undefined
  const rate = maxMessagesPerSecond === undefined ? undefined : new MessageRate(maxMessagesPerSecond)
  return (via, msg) => {
    const viaId = via.toString()
    if (rate !== undefined && !rate.take(viaId)) return TopicValidatorResult.Reject
    if (validate === undefined) return TopicValidatorResult.Accept
    // StrictSign refuses unsigned messages before validation; the check narrows the type.
    const from = msg.type === 'signed' ? msg.from.toString() : ''
    try {
      return VERDICTS[validate(msg.data, from, viaId)] ?? TopicValidatorResult.Reject
    } catch (err) {
      log('debug', `gossip validator for ${msg.topic} threw on a message from ${from} via ${viaId}: ${(err as Error)?.message ?? String(err)}`)
      return TopicValidatorResult.Reject
    }
  }
}
