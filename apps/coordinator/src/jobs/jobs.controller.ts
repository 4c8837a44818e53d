import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, StreamableFile } from '@nestjs/common'
import type { JobView } from '@cycleshare/scheduler'
import { JobsService } from './jobs.service.js'

@Controller('api/jobs')
export class JobsController {
  constructor (private readonly jobs: JobsService) {}

  @Post()
  @HttpCode(201)
  submit (@Body() body: unknown): { id: string } {
    return { id: this.jobs.submit(body).id }
  }

  /** `?limit=` (1 to 500, default 50) and `?before=<job id>`: newest first. */
  @Get()
  list (@Query() query: unknown): JobView[] {
    return this.jobs.list(query)
  }

  @Get(':id')
  get (@Param('id') id: string): JobView {
    return this.jobs.get(id)
  }

  /** JSON results come as `{ result }`; binary ones (a PNG) as they are, with their media type. */
  @Get(':id/result')
  result (@Param('id') id: string): { result: unknown } | StreamableFile {
    const { type, value } = this.jobs.result(id)
    if (type === 'application/json') return { result: value }
    return new StreamableFile(value as Uint8Array, { type })
  }

  @Delete(':id')
  cancel (@Param('id') id: string): JobView {
    return this.jobs.cancel(id)
  }
}
