import type { INestApplication } from '@nestjs/common'
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger'

/**
 * The HTTP API as OpenAPI 3: the browsable page at /api/docs, the document at
 * /api/docs/openapi.json. Built from the controllers' decorators, whose schemas come from the
 * zod schemas that check requests (openapi/schemas.ts).
 */
export function serveOpenApi (app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('cycleshare coordinator')
    .setDescription('Submit jobs, follow them and fetch their results; upload blobs; register WebAssembly tasks; see workers. ' +
      'Writes need an API token (Authorization: Bearer …); reads too with --private-reads. ' +
      'Live changes of jobs and workers stream as JSON frames on the WebSocket ws://host:port/api/events.')
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API token: printed on the first start, or made with cycleshare-coordinator token.' })
    .build()
  SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, config), {
    jsonDocumentUrl: 'api/docs/openapi.json',
    yamlDocumentUrl: 'api/docs/openapi.yaml'
  })
}
