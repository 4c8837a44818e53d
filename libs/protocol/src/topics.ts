import { TOPIC_PULL, TOPIC_WORK } from './constants.js'

/** The two gossip topics a set of peers meets on: where work is announced, and where pulls go. */
export interface GossipTopics {
  work: string
  pull: string
}

/** The open network's topics, where coordinators and their workers meet. */
export const DEFAULT_TOPICS: Readonly<GossipTopics> = Object.freeze({ work: TOPIC_WORK, pull: TOPIC_PULL })

/** A peer group's own topics (`cycleshare/1/group/<name>/work`): two groups never share one. */
export function groupTopics (group: string): GossipTopics {
  if (typeof group !== 'string' || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(group)) {
    throw new TypeError('a group name must be 1 to 63 lowercase letters, digits and dashes, starting with a letter or digit')
  }
  return { work: `cycleshare/1/group/${group}/work`, pull: `cycleshare/1/group/${group}/pull` }
}
