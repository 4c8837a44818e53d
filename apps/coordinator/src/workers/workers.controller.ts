import { Controller, Get } from '@nestjs/common'
import { WorkersService, type WorkerView } from './workers.service.js'

@Controller('api/workers')
export class WorkersController {
  constructor (private readonly workers: WorkersService) {}

  @Get()
  list (): WorkerView[] {
    return this.workers.list()
  }
}
