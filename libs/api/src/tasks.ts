/** A task as `GET /api/tasks` lists it. */
export interface TaskView {
  name: string
  kind: 'built-in' | 'wasm'
  description: string
  resultType: string
  exampleParams: unknown
  /** Custom tasks: the version, the module's blob name, who signed it and when it was registered. */
  version?: string
  module?: string
  signer?: string
  registeredAt?: string
}
