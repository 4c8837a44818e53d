import { z } from 'zod'

/**
 * A schema as an OpenAPI 3.0 schema object, for the coordinator's OpenAPI document: requests as
 * they are taken (`input`), answers as they are sent (`output`). Parts JSON Schema cannot say
 * (a check in code) come out as what their `meta` says.
 */
export function openApiSchema (schema: z.ZodType, io: 'input' | 'output' = 'output'): Record<string, unknown> {
  return z.toJSONSchema(schema, { target: 'openapi-3.0', unrepresentable: 'any', io }) as Record<string, unknown>
}
