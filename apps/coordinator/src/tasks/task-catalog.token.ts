/** Injection token of the coordinator's `TaskCatalog` (`TasksModule` provides it). */
export const TASK_CATALOG = Symbol('TaskCatalog')
