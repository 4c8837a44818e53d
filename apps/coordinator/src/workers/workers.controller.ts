import { Controller, Get, Query } from '@nestjs/common'
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger'
import { errorResponse, schemas } from '../openapi/schemas.js'
import { WorkersService, type WorkerView } from './workers.service.js'

@ApiTags('workers')
@Controller('api/workers')
export class WorkersController {
  constructor (private readonly workers: WorkersService) {}

  @Get()
  @ApiOperation({ summary: 'The workers connected or heard from within --forget-workers-after (with all=true, every worker on record): threads, state, chunks done and failed, results outvoted, credit, exclusion.' })
  @ApiQuery({ name: 'all', required: false, schema: { type: 'string', enum: ['true', 'false'], default: 'false' }, description: 'List every worker on record, those gone long ago too (seen: when their last result came).' })
  @ApiResponse({ status: 200, description: 'Most recently seen first.', schema: schemas.workerList })
  @ApiResponse(errorResponse(400, 'A bad query.'))
  list (@Query() query: unknown): WorkerView[] {
    return this.workers.list(query)
  }
}
