import { Controller, Get } from '@nestjs/common'
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger'
import { schemas } from '../openapi/schemas.js'
import { WorkersService, type WorkerView } from './workers.service.js'

@ApiTags('workers')
@Controller('api/workers')
export class WorkersController {
  constructor (private readonly workers: WorkersService) {}

  @Get()
  @ApiOperation({ summary: 'The workers heard from since start or on record: threads, state, chunks done and failed, results outvoted, exclusion.' })
  @ApiResponse({ status: 200, description: 'Most recently seen first.', schema: schemas.workerList })
  list (): WorkerView[] {
    return this.workers.list()
  }
}
