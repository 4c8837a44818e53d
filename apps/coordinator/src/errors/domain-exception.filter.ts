import { Catch, HttpException, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common'
import { LOGGER, type Logger } from '../logger.js'

export { InvalidRequestError } from '@cycleshare/api'

/**
 * Domain errors are recognised by name (they are thrown by libs that know nothing of HTTP) and
 * turned into HTTP answers here, in one place.
 */
const statusByName: Record<string, number> = {
  InvalidJobError: 400,
  InvalidRequestError: 400,
  UnknownTaskError: 400,
  JobNotFoundError: 404,
  JobNotDoneError: 409,
  JobNotFinishedError: 409,
  UnsupportedMediaTypeError: 415,
  // Blobs (@cycleshare/blobs)
  InvalidBlobNameError: 400,
  EmptyBlobError: 400,
  UnknownBlobError: 404,
  BlobTooLargeError: 413,
  BlobStoreFullError: 507,
  // Custom tasks (@cycleshare/tasks, @cycleshare/accumulation-point)
  InvalidManifestError: 400,
  InvalidModuleError: 400,
  TaskConflictError: 409
}

/** The part of the platform's response object this filter uses. */
interface JsonResponse {
  status(code: number): { json(body: unknown): void }
}

@Catch()
export class DomainExceptionFilter implements ExceptionFilter {
  constructor (@Inject(LOGGER) private readonly log: Logger) {}

  catch (err: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<JsonResponse>()
    if (err instanceof HttpException) {
      const body = err.getResponse()
      const message = typeof body === 'string' ? body : (body as { message?: unknown }).message ?? err.message
      res.status(err.getStatus()).json({ statusCode: err.getStatus(), error: err.name, message: Array.isArray(message) ? message.join('; ') : message })
      return
    }
    const e = err instanceof Error ? err : new Error(String(err))
    const status = statusByName[e.name]
    if (status === undefined) {
      this.log.error({ err: e }, 'unhandled error in HTTP handler')
      res.status(500).json({ statusCode: 500, error: 'InternalServerError', message: 'internal error' })
      return
    }
    res.status(status).json({ statusCode: status, error: e.name, message: e.message })
  }
}

/** A request body of a type the handler does not take; the message says which to send. */
export class UnsupportedMediaTypeError extends Error {
  override name = 'UnsupportedMediaTypeError'
}
