import { storeConformance } from '../store-conformance.suite.js'
import { createMemoryStore } from './store.js'

storeConformance('in memory', () => createMemoryStore())
