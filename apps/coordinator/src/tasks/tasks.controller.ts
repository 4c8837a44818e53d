import { Controller, Get, Module } from '@nestjs/common'
import { builtinTasks } from '@cycleshare/tasks'

export interface TaskView {
  name: string
  description: string
  resultType: string
  exampleParams: unknown
}

@Controller('api/tasks')
export class TasksController {
  @Get()
  list (): TaskView[] {
    return [...builtinTasks.values()].map(t => ({
      name: t.name,
      description: t.description,
      resultType: t.resultType,
      exampleParams: t.exampleParams
    }))
  }
}

@Module({ controllers: [TasksController] })
export class TasksModule {}
