/**
 * The OpenAPI schema objects of the routes, each generated from `@cycleshare/api`'s zod schema:
 * the same one that checks the request, or that types the answer.
 */
import {
  blobViewSchema, errorBodySchema, failureViewSchema, healthViewSchema, jobRequestSchema, jobViewSchema, jsonResultSchema, openApiSchema, submittedJobSchema, taskViewSchema, workerViewSchema
} from '@cycleshare/api'
import type { z } from 'zod'

const list = (schema: z.ZodType): Record<string, unknown> => ({ type: 'array', items: openApiSchema(schema) })

export const schemas = {
  jobRequest: openApiSchema(jobRequestSchema, 'input'),
  submittedJob: openApiSchema(submittedJobSchema),
  jobView: openApiSchema(jobViewSchema),
  jobList: list(jobViewSchema),
  failureList: list(failureViewSchema),
  jsonResult: openApiSchema(jsonResultSchema),
  workerList: list(workerViewSchema),
  taskView: openApiSchema(taskViewSchema),
  taskList: list(taskViewSchema),
  blobView: openApiSchema(blobViewSchema),
  blobList: list(blobViewSchema),
  health: openApiSchema(healthViewSchema),
  error: openApiSchema(errorBodySchema),
  binary: { type: 'string', format: 'binary' }
}

/** An error answer a route may give: always JSON, whatever the route's success answers are. */
export const errorResponse = (status: number, description: string): { status: number, description: string, content: Record<string, { schema: Record<string, unknown> }> } =>
  ({ status, description, content: { 'application/json': { schema: schemas.error } } })
